// Live updates through the browser: two people of one organization on the same board, one
// creating, moving and deleting a task, the other seeing each change within 2 s without a
// reload; a third person in another organization, with a board of their own open, hears
// nothing of it. The delays measured go to target/e2e/live-timings.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { column, expect, logIn, shotsDir, signUp, test, type Organization } from './fixtures';

const org: Organization = { org: 'Wire Works', subdomain: 'wireworks', owner: 'Wendy Owner', email: 'wendy@wire.test', password: 'live-wire-2030' };
const other: Organization = { org: 'Quiet Corner', subdomain: 'quietcorner', owner: 'Quinn Owner', email: 'quinn@quiet.test', password: 'hush-hush-2030' };
const max = { name: 'Max Member', email: 'max@wire.test', password: 'max-password' };
const TITLE = 'Splice the cables';

const live = (page: Page) => page.getByTestId('live-status');

/** Opens a new project's board on `page`, and waits for its stream. */
async function newBoard(page: Page, name: string) {
  await page.getByRole('button', { name: 'New project' }).first().click();
  const dialog = page.getByRole('dialog', { name: 'New project' });
  await dialog.getByLabel('Name').fill(name);
  await dialog.getByRole('button', { name: 'Create project' }).click();
  await page.getByRole('link', { name }).click();
  await expect(page.getByRole('heading', { name, level: 1 })).toBeVisible();
  await expect(live(page)).toHaveAttribute('data-status', 'live');
}

test('a change on one board reaches another open on it within 2 s, and no other organization', async ({ browser, page, app, shot }) => {
  const timings: Record<string, number> = {};
  const contexts = [await browser.newContext(), await browser.newContext()];
  const [member, outsider] = await Promise.all(contexts.map((c) => c.newPage()));

  /** Does `act` on the member's page, then waits for the owner to see `seen`, and keeps the delay. */
  async function measure(name: string, act: () => Promise<void>, seen: () => Promise<void>) {
    await act();
    const start = Date.now();
    await seen();
    timings[name] = Date.now() - start;
  }

  await test.step('the owner signs up, adds a member and opens a board', async () => {
    await signUp(page, app, org);
    await page.getByRole('link', { name: 'Members' }).click();
    await page.getByLabel('Name').fill(max.name);
    await page.getByLabel('Email').fill(max.email);
    await page.getByLabel('Initial password').fill(max.password);
    await page.getByRole('button', { name: 'Add member' }).click();
    await expect(page.getByText(`${max.name} was added.`)).toBeVisible();
    await page.getByRole('link', { name: 'Projects' }).first().click();
    await newBoard(page, 'Wiring');
    await expect(live(page)).toHaveText(/Live/);
  });

  await test.step('the member opens the same board; someone in another organization opens theirs', async () => {
    await logIn(member, app, org.subdomain, max.email, max.password);
    await member.getByRole('link', { name: 'Wiring' }).click();
    await expect(live(member)).toHaveAttribute('data-status', 'live');
    await signUp(outsider, app, other);
    await newBoard(outsider, 'Wiring');
  });

  await test.step('the member creates a task: the owner sees it at once', async () => {
    await member.getByRole('button', { name: 'New task' }).click();
    const dialog = member.getByRole('dialog', { name: 'New task' });
    await dialog.getByLabel('Title').fill(TITLE);
    await measure(
      'created',
      () => dialog.getByRole('button', { name: 'Create task' }).click(),
      () => expect(column(page, 'To do').getByText(TITLE, { exact: true })).toBeVisible({ timeout: 2_000 }),
    );
    await expect(column(member, 'To do').getByText(TITLE, { exact: true })).toBeVisible();
    await expect(column(page, 'To do')).toContainText('1');
    await shot(page, '30-live-board.png');
    await page.emulateMedia({ colorScheme: 'dark' });
    await shot(page, '31-live-board-dark.png', { fullPage: false });
    await page.emulateMedia({ colorScheme: 'light' });
  });

  await test.step('the member moves it: it changes columns on the owner’s board', async () => {
    await member.getByRole('button', { name: `Move “${TITLE}”, now To do` }).click();
    await measure(
      'moved',
      () => member.getByRole('button', { name: 'Move to In progress' }).click(),
      () => expect(column(page, 'In progress').getByText(TITLE, { exact: true })).toBeVisible({ timeout: 2_000 }),
    );
    await expect(column(page, 'To do').getByText(TITLE, { exact: true })).toHaveCount(0);
  });

  await test.step('the member deletes it: it leaves the owner’s board', async () => {
    await column(member, 'In progress').getByRole('link', { name: TITLE }).click();
    member.once('dialog', (dialog) => void dialog.accept());
    await measure(
      'deleted',
      () => member.getByRole('button', { name: 'Delete' }).click(),
      () => expect(page.getByText(TITLE, { exact: true })).toHaveCount(0, { timeout: 2_000 }),
    );
    await expect(live(page)).toHaveAttribute('data-task-events', '3');
  });

  await test.step('the other organization heard nothing', async () => {
    await expect(live(outsider)).toHaveAttribute('data-status', 'live');
    await expect(live(outsider)).toHaveAttribute('data-task-events', '0');
    await expect(outsider.getByText(TITLE)).toHaveCount(0);
    for (const name of ['To do', 'In progress', 'Done']) await expect(column(outsider, name).locator('article')).toHaveCount(0);
  });

  mkdirSync(shotsDir, { recursive: true });
  writeFileSync(join(shotsDir, 'live-timings.json'), `${JSON.stringify({ unit: 'ms', limit: 2_000, ...timings }, null, 2)}\n`);
  for (const name of Object.keys(timings)) expect(timings[name], `${name} arrived within 2 s`).toBeLessThan(2_000);
  await Promise.all(contexts.map((c) => c.close()));
});
