// Starts the real taskflow-app on a free port with a throwaway SQLite database, for the unit
// tests' globalSetup and the end-to-end run alike.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const frontendDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const repoRoot = resolve(frontendDir, '..');

export function backendBinary() {
  if (process.env.TASKFLOW_APP_BIN) return process.env.TASKFLOW_APP_BIN;
  const target = process.env.CARGO_TARGET_DIR || join(repoRoot, 'target');
  return join(target, 'debug', 'taskflow-app');
}

function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitHealthy(url, child, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`taskflow-app exited with ${child.exitCode} before it was healthy`);
    try {
      const response = await fetch(url);
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`taskflow-app did not answer ${url} within ${timeoutMs} ms`);
}

/**
 * Runs `taskflow-app serve --no-demo` and resolves once `/healthz` answers 200.
 * `stop()` ends the process and removes its database. With `logFile`, its output goes to that
 * file, the mail it would send (target `taskflow::mail`, as no SMTP relay is set) included.
 */
export async function startBackend({ log = false, logFile = undefined, timeoutMs = 30_000 } = {}) {
  const bin = backendBinary();
  if (!existsSync(bin)) {
    throw new Error(
      `taskflow-app binary not found at ${bin}: build it with \`cargo build -p taskflow-app\` or set TASKFLOW_APP_BIN`,
    );
  }
  const dir = mkdtempSync(join(tmpdir(), 'taskflow-frontend-'));
  const port = await freePort();
  const child = spawn(bin, ['serve', '--no-demo'], {
    cwd: dir,
    env: {
      ...process.env,
      DATABASE_URL: `sqlite://${join(dir, 'e2e.db')}`,
      TASKFLOW_BIND: `127.0.0.1:${port}`,
      TASKFLOW_BASE_DOMAIN: 'localhost',
      TASKFLOW_FRONTEND_DIR: join(frontendDir, 'dist'),
      TASKFLOW_RATE_LIMIT: '0',
      TASKFLOW_JWT_SECRET: randomBytes(32).toString('hex'),
      RUST_LOG: process.env.RUST_LOG ?? (logFile ? 'warn,taskflow::mail=info' : 'warn'),
    },
    stdio: logFile
      ? ['ignore', openSync(logFile, 'w'), openSync(logFile, 'a')]
      : ['ignore', log ? 'inherit' : 'ignore', log ? 'inherit' : 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const exited = new Promise((r) => child.once('exit', r));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killed = await Promise.race([exited.then(() => true), sleep(5000).then(() => false)]);
      if (!killed) {
        child.kill('SIGKILL');
        await exited;
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    await waitHealthy(`http://127.0.0.1:${port}/healthz`, child, timeoutMs);
  } catch (error) {
    await stop();
    throw new Error(`${error.message}\n${stderr}`);
  }
  return { port, origin: `http://127.0.0.1:${port}`, pid: child.pid, stop };
}
