// Starts taskflow-app once for the whole run, serving frontend/dist, and stops it at the end
// (the returned function is the run's teardown). The specs find it through TASKFLOW_E2E_PORT.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { frontendDir, startBackend } from './backend.mjs';

export default async function globalSetup() {
  if (!existsSync(join(frontendDir, 'dist', 'index.html'))) {
    throw new Error('frontend/dist is not built: run `npm run build` first');
  }
  const backend = await startBackend();
  process.env.TASKFLOW_E2E_PORT = String(backend.port);
  process.stdout.write(`taskflow-app at http://localhost:${backend.port} (pid ${backend.pid})\n`);
  return () => backend.stop();
}
