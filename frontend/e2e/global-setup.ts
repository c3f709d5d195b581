// Starts taskflow-app once for the whole run, serving frontend/dist, and stops it at the end
// (the returned function is the run's teardown). The specs find it through TASKFLOW_E2E_PORT.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { frontendDir, startBackend } from './backend.mjs';

export default async function globalSetup() {
  if (!existsSync(join(frontendDir, 'dist', 'index.html'))) {
    throw new Error('frontend/dist is not built: run `npm run build` first');
  }
  // Its log holds the mail it would send (no SMTP relay in tests): the specs read links there.
  const logFile = join(mkdtempSync(join(tmpdir(), 'taskflow-e2e-log-')), 'taskflow-app.log');
  const backend = await startBackend({ logFile });
  process.env.TASKFLOW_E2E_PORT = String(backend.port);
  process.env.TASKFLOW_E2E_LOG = logFile;
  process.stdout.write(`taskflow-app at http://localhost:${backend.port} (pid ${backend.pid})\n`);
  return () => backend.stop();
}
