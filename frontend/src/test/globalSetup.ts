import type { TestProject } from 'vitest/node';
import { startBackend } from '../../e2e/backend.mjs';

declare module 'vitest' {
  export interface ProvidedContext {
    apiPort: number;
  }
}

export default async function setup(project: TestProject) {
  const backend = await startBackend();
  project.provide('apiPort', backend.port);
  return () => backend.stop();
}
