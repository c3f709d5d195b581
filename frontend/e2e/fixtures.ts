// What every end-to-end spec uses: `test` and `expect` from here, not from @playwright/test.
//   app         the running taskflow-app: its base host and each organization's own origin
//   shot        saves a screenshot under target/e2e/, then runs axe-core in the page (no
//               serious or critical violation; only the dialog when a modal is open) and
//               checks the screen's own title ("… · TaskFlow")
//   pageErrors  collected from every page of the test's context; any one fails the test
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { test as base, expect, type Page } from '@playwright/test';
import type * as Axe from 'axe-core';
import { repoRoot } from './backend.mjs';

export { expect };

declare global {
  interface Window {
    axe: typeof Axe;
  }
}

/** Where the screenshots go: `target/e2e/` at the repository's root. */
export const shotsDir = join(repoRoot, 'target', 'e2e');

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface App {
  port: number;
  /** The base host (`http://localhost:PORT`): the landing page and signup. */
  base: string;
  /** An organization's own origin, `http://{subdomain}.localhost:PORT`. */
  tenant(subdomain: string): string;
}

export interface ShotOptions {
  /** The whole page (the default) or only the viewport. */
  fullPage?: boolean;
}

export type Shot = (page: Page, name: string, options?: ShotOptions) => Promise<void>;

export const test = base.extend<{ pageErrors: string[]; shot: Shot }, { app: App }>({
  app: [
    async ({}, use) => {
      const port = Number(process.env.TASKFLOW_E2E_PORT);
      if (!port) throw new Error('TASKFLOW_E2E_PORT is not set: run the suite with `npm run e2e`, whose global setup starts taskflow-app');
      await use({ port, base: `http://localhost:${port}`, tenant: (subdomain) => `http://${subdomain}.localhost:${port}` });
    },
    { scope: 'worker' },
  ],

  baseURL: async ({ app }, use) => {
    await use(app.base);
  },

  pageErrors: [
    async ({ context }, use, testInfo) => {
      const errors: string[] = [];
      context.on('weberror', (webError) => {
        const error = webError.error();
        errors.push(error.stack ?? String(error));
      });
      await use(errors);
      if (testInfo.status === 'passed') {
        expect(errors, 'no page error').toEqual([]);
      } else if (errors.length) {
        await testInfo.attach('page errors', { body: errors.join('\n\n'), contentType: 'text/plain' });
      }
    },
    { auto: true },
  ],

  shot: async ({ pageErrors }, use) => {
    await use(async (page, name, { fullPage = true } = {}) => {
      await test.step(
        `screenshot target/e2e/${name}`,
        async () => {
          const path = join(shotsDir, name);
          await page.screenshot({ path, fullPage });
          await page.addScriptTag({ content: AXE });
          const violations = await page.evaluate(async () => {
            // With a dialog open, the page behind it is dimmed on purpose: judge the dialog.
            const dialog = document.querySelector('.modal.show');
            const { violations } = await window.axe.run(dialog ?? document, { resultTypes: ['violations'] });
            return violations
              .filter((v) => v.impact === 'serious' || v.impact === 'critical')
              .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`);
          });
          expect(violations, `${name}: no serious or critical accessibility violation`).toEqual([]);
          // Every screen names itself in the browser's tab.
          await expect(page, `${name} has a title of its own`).toHaveTitle(/^.+ · TaskFlow$/);
          expect(pageErrors, `no page error up to ${name}`).toEqual([]);
        },
        { box: true },
      );
    });
  },
});

export interface Organization {
  org: string;
  subdomain: string;
  owner: string;
  email: string;
  password: string;
}

/** Signs up an organization on the base host and follows it to its own origin, logged in. */
export async function signUp(page: Page, app: App, { org, subdomain, owner, email, password }: Organization) {
  await page.goto(`${app.base}/signup`);
  await expect(page.getByRole('heading', { name: 'Create your organization' })).toBeVisible();
  await page.getByLabel('Organization name').fill(org);
  await page.getByLabel('Address', { exact: true }).fill(subdomain);
  await page.getByLabel('Your name').fill(owner);
  await page.getByLabel('Your email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Create organization' }).click();
  await expect(page).toHaveURL(`${app.tenant(subdomain)}/`);
  await expect(page.getByTestId('tenant-name').filter({ hasText: org })).toBeVisible();
}

/** Logs in on an organization's origin and waits for its projects. */
export async function logIn(page: Page, app: App, subdomain: string, email: string, password: string) {
  await page.goto(`${app.tenant(subdomain)}/login`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByRole('heading', { name: 'Projects', level: 1 })).toBeVisible();
}

/** A board column, by the status it shows. */
export const column = (page: Page, name: string) => page.getByRole('region', { name: new RegExp(`^${name}`) });

export interface ApiAnswer<T = any> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: T;
}

const apiAgent = new http.Agent({ keepAlive: true, maxSockets: 16 });

/**
 * Calls the API from the test itself, as `subdomain`'s host (or the base host without one) with
 * `token` if given: for seeding and for asking the server what the UI should show. Node does not
 * resolve `*.localhost`, so it connects to 127.0.0.1 and sends the Host header.
 */
export function api<T = any>(
  app: App,
  { subdomain, token, method = 'GET', path, body }: { subdomain?: string; token?: string; method?: string; path: string; body?: unknown },
): Promise<ApiAnswer<T>> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const request = http.request(
      {
        host: '127.0.0.1',
        port: app.port,
        method,
        path,
        agent: apiAgent,
        headers: {
          Host: `${subdomain ? `${subdomain}.` : ''}localhost:${app.port}`,
          ...(token ? { Authorization: `Bearer ${token}` } : {}),
          ...(data ? { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(data)) } : {}),
        },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk) => (text += chunk));
        response.on('end', () => {
          let parsed: unknown = text;
          try {
            parsed = text ? JSON.parse(text) : null;
          } catch {
            // not JSON (a CSV): the text as it is
          }
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body: parsed as T });
        });
      },
    );
    request.on('error', reject);
    if (data) request.write(data);
    request.end();
  });
}
