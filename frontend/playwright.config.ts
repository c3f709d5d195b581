// The end-to-end suite: the real taskflow-app on SQLite serving the built frontend (started
// once for the run by e2e/global-setup.ts), driven through Debian's Chromium.
import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: 'e2e',
  globalSetup: './e2e/global-setup.ts',
  // Traces, failure screenshots and the last run's state; the report beside them.
  outputDir: '../target/e2e-results',
  reporter: [['list', { printSteps: true }], ['html', { outputFolder: '../target/e2e-report', open: 'never' }]],
  // One backend and a 2-core machine: the specs run one after the other.
  workers: 1,
  fullyParallel: false,
  retries: 0,
  forbidOnly: !!process.env.CI,
  timeout: 120_000,
  expect: { timeout: 10_000 },
  use: {
    browserName: 'chromium',
    headless: true,
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--host-resolver-rules=MAP *.localhost 127.0.0.1'],
    },
    viewport: { width: 1280, height: 860 },
    acceptDownloads: true,
    actionTimeout: 10_000,
    navigationTimeout: 10_000,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
});
