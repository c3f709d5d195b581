// What users once found broken, one test each, against the real backend, in an organization of
// its own (made through the API): a lost update, moving a card by keyboard, deleting a project
// as a member, a malformed id in the address, the CSV export, the wording of errors, the Medium
// badge's contrast, and the login's rate limit and logout.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { api, column, expect, logIn, shotsDir, test, type App } from './fixtures';

// Its own subdomain per worker: a failed test's new worker starts afresh.
let SUB = 'brokenco';
const OWNER = { name: 'Olga Owner', email: 'olga@broken.test', password: 'fixed-at-last' };
const MEMBER = { name: 'Milo Member', email: 'milo@broken.test', password: 'milo-password' };
const LOCKED = { name: 'Lola Locked', email: 'lola@broken.test', password: 'lola-password' };
const EVIL = '=HYPERLINK("http://evil.example","click")';
const RAW = ['the request breaks a rule', 'no such resource', 'Cannot parse', 'UUID parsing failed', 'Invalid URL'];

let ownerToken = '';
let memberToken = '';
let memberId = '';
let projectId = '';

const as = (app: App, token: string, method: string, path: string, body?: unknown) => api(app, { subdomain: SUB, token, method, path, body });

async function newTask(app: App, body: Record<string, unknown>) {
  const made = await as(app, ownerToken, 'POST', `/api/v1/projects/${projectId}/tasks`, body);
  expect(made.status, JSON.stringify(made.body)).toBe(201);
  return made.body as { id: string; title: string };
}

/** Every alert on the page reads as a sentence for people, none as the API's own words. */
async function expectFriendly(page: Page, where: string) {
  const texts = await page.getByRole('alert').allInnerTexts();
  const main = await page.locator('main, body').first().innerText();
  for (const raw of RAW) expect(main, `${where}: no raw API message "${raw}"`).not.toContain(raw);
  for (const text of texts) {
    expect(text.trim(), `${where}: "${text}" begins as a sentence`).toMatch(/^[A-Z“"]/);
    expect(text, `${where}: a sentence, not a code`).not.toMatch(/\b[a-z]+_[a-z_]+\b/);
  }
}

/** RFC 4180 CSV: quoted cells may hold commas, doubled quotes and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (cell += '"'), i++;
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(cell), (cell = '');
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(cell), rows.push(row), (row = []), (cell = '');
    } else cell += c;
  }
  if (cell || row.length) row.push(cell), rows.push(row);
  return rows;
}

/** WCAG's contrast of two `rgb(…)` colours. */
function contrast(fg: string, bg: string): number {
  const lum = (css: string) => {
    const [r, g, b] = (css.match(/[\d.]+/g) ?? []).slice(0, 3).map(Number).map((v) => {
      const c = v / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
}

test.describe('what users found broken', () => {
  test.beforeAll(async ({ app }) => {
    SUB = `brokenco${Date.now().toString(36)}`;
    const signedUp = await api(app, { method: 'POST', path: '/api/v1/tenants', body: { name: 'Broken Things', subdomain: SUB, owner: OWNER } });
    expect(signedUp.status, JSON.stringify(signedUp.body)).toBe(201);
    ownerToken = signedUp.body.token;
    for (const user of [MEMBER, LOCKED]) {
      const made = await as(app, ownerToken, 'POST', '/api/v1/users', user);
      expect(made.status, JSON.stringify(made.body)).toBe(201);
      if (user === MEMBER) memberId = made.body.id;
    }
    const login = await api(app, { subdomain: SUB, method: 'POST', path: '/api/v1/auth/login', body: { email: MEMBER.email, password: MEMBER.password } });
    memberToken = login.body.token;
    const project = await as(app, ownerToken, 'POST', '/api/v1/projects', { name: 'Repairs', description: 'Things to fix' });
    projectId = project.body.id;
    await newTask(app, { title: 'Sand the deck', priority: 'medium' });
  });

  test('1. a lost update: the second save gets 412, shows the other change, and reapplies its own', async ({ page, app, browser, shot }) => {
    const task = await newTask(app, { title: 'Paint the fence', priority: 'low' });
    const other = await browser.newContext();
    const theirs = await other.newPage();
    try {
      await logIn(page, app, SUB, OWNER.email, OWNER.password);
      await logIn(theirs, app, SUB, MEMBER.email, MEMBER.password);
      const boardUrl = `${app.tenant(SUB)}/projects/${projectId}`;
      for (const p of [page, theirs]) {
        await p.goto(boardUrl);
        await p.getByRole('button', { name: 'Edit “Paint the fence”' }).click();
        await expect(p.getByRole('dialog', { name: 'Edit task' }).getByLabel('Title')).toHaveValue('Paint the fence');
      }
      // The other person saves first.
      const theirDialog = theirs.getByRole('dialog', { name: 'Edit task' });
      await theirDialog.getByLabel('Title').fill('Paint the fence white');
      await theirDialog.getByRole('button', { name: 'Save task' }).click();
      await expect(theirDialog).not.toBeAttached();
      // This one saves against the old version.
      const dialog = page.getByRole('dialog', { name: 'Edit task' });
      await dialog.getByLabel('Priority').selectOption({ label: 'High' });
      const refused = page.waitForResponse((r) => r.url().includes(`/api/v1/tasks/${task.id}`) && r.request().method() === 'PATCH');
      await dialog.getByRole('button', { name: 'Save task' }).click();
      expect((await refused).status(), 'the server refuses the stale save').toBe(412);
      const conflict = dialog.getByRole('alert', { name: 'Someone else changed this task while you were editing' });
      await expect(conflict.getByText('Title: Paint the fence → Paint the fence white')).toBeVisible();
      await expectFriendly(page, 'the conflict');
      await shot(page, '40-broken-lost-update.png', { fullPage: false });
      const saved = page.waitForResponse((r) => r.url().includes(`/api/v1/tasks/${task.id}`) && r.request().method() === 'PATCH');
      await conflict.getByRole('button', { name: 'Save my changes on top' }).click();
      expect((await saved).status()).toBe(200);
      await expect(dialog).not.toBeAttached();
      await expect(page.getByRole('article', { name: 'Paint the fence white' }).getByText('High')).toBeVisible();
      const now = await as(app, ownerToken, 'GET', `/api/v1/tasks/${task.id}`);
      expect(now.body, 'both changes are kept').toMatchObject({ title: 'Paint the fence white', priority: 'high' });
    } finally {
      await other.close();
    }
  });

  test('2. moving by keyboard: the arrows choose without moving, the focus stays, Enter moves to Done', async ({ page, app }) => {
    await newTask(app, { title: 'Oil the hinges' });
    await logIn(page, app, SUB, OWNER.email, OWNER.password);
    await page.goto(`${app.tenant(SUB)}/projects/${projectId}`);
    const card = page.getByRole('article', { name: 'Oil the hinges' });
    const toggle = card.getByRole('button', { name: 'Move “Oil the hinges”, now To do' });
    await toggle.focus();
    await page.keyboard.press('Enter');
    const inCard = () => card.evaluate((el) => el.contains(document.activeElement));
    for (const choice of ['Move to In progress', 'Move to Done']) {
      await page.keyboard.press('ArrowDown');
      await expect(card.getByRole('button', { name: choice }), 'the arrow chooses').toBeFocused();
      expect(await inCard(), 'the focus stays on the card').toBe(true);
      await expect(column(page, 'To do').getByText('Oil the hinges', { exact: true }), 'nothing moves yet').toHaveCount(1);
    }
    await page.waitForTimeout(300);
    await expect(column(page, 'Done').getByText('Oil the hinges', { exact: true }), 'still not moved').toHaveCount(0);
    await page.keyboard.press('Enter');
    await expect(column(page, 'Done').getByText('Oil the hinges', { exact: true })).toBeVisible();
    await expect(column(page, 'Done').getByRole('button', { name: 'Move “Oil the hinges”, now Done' }), 'the focus follows the card').toBeFocused();
    await page.reload();
    await expect(column(page, 'Done').getByText('Oil the hinges', { exact: true }), 'the move is saved').toBeVisible();
  });

  test('3. a member cannot delete a project (no button, 403); an owner’s delete goes to the trash', async ({ page, app, shot }) => {
    const spare = await as(app, ownerToken, 'POST', '/api/v1/projects', { name: 'Old shed' });
    await logIn(page, app, SUB, MEMBER.email, MEMBER.password);
    await expect(page.getByRole('link', { name: 'Old shed' })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Delete Old shed' }), 'no delete button for a member').toHaveCount(0);
    await shot(page, '41-broken-member-projects.png');
    const refused = await as(app, memberToken, 'DELETE', `/api/v1/projects/${spare.body.id}`);
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('forbidden');
    await page.getByRole('button', { name: 'Log out' }).click();
    await logIn(page, app, SUB, OWNER.email, OWNER.password);
    await page.getByRole('button', { name: 'Delete Old shed' }).click();
    await page.getByRole('dialog', { name: 'Delete project' }).getByRole('button', { name: 'Delete project' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Moved to the trash' })).toContainText('Old shed is in the trash');
    const trash = await as(app, ownerToken, 'GET', '/api/v1/trash');
    expect(JSON.stringify(trash.body), 'the project is in the trash').toContain('Old shed');
  });

  const MALFORMED = ['/projects/not-a-uuid', '/projects/{project}/tasks/xyz', '/tasks/xyz'];

  test('4a. a malformed id in the address: a friendly message, no raw parser message, no "Try again"', async ({ page, app }) => {
    await logIn(page, app, SUB, OWNER.email, OWNER.password);
    for (const path of MALFORMED.map((p) => p.replace('{project}', projectId))) {
      await test.step(path, async () => {
        await page.goto(`${app.tenant(SUB)}${path}`);
        await expect(page.getByText(/not found|not valid/i).first(), `${path} says what is wrong`).toBeVisible();
        await expect(page.getByRole('button', { name: 'Try again' }), 'nothing to try again').toHaveCount(0);
        await expectFriendly(page, path);
      });
    }
  });

  test('4b. a malformed id in the address shows a "not found" page', async ({ page, app, shot }) => {
    // The server answers 400 bad_request for an id that is no UUID: the screen says not found.
    await logIn(page, app, SUB, OWNER.email, OWNER.password);
    for (const pattern of MALFORMED) {
      const path = pattern.replace('{project}', projectId);
      await test.step(path, async () => {
        await page.goto(`${app.tenant(SUB)}${path}`);
        await expect(page.getByText(/^(Page )?not found$/i).first(), `${path} says "not found"`).toBeVisible();
        await expect(page).toHaveTitle(/not found · TaskFlow$/i);
        await shot(page, `42-broken-malformed-id${pattern.replace(/[^a-z0-9]+/gi, '-')}.png`);
      });
    }
  });

  test('5. the CSV export escapes a formula and names the assignee', async ({ page, app }) => {
    await newTask(app, { title: EVIL, assignee_id: memberId });
    await logIn(page, app, SUB, OWNER.email, OWNER.password);
    await page.goto(`${app.tenant(SUB)}/projects/${projectId}/reports`);
    await page.getByRole('button', { name: 'Start export' }).click();
    const download = page.getByRole('button', { name: 'Download CSV', exact: true });
    await expect(download).toBeVisible({ timeout: 20_000 });
    const downloading = page.waitForEvent('download');
    await download.click();
    const file = join(shotsDir, 'broken-report.csv');
    await (await downloading).saveAs(file);
    const csv = readFileSync(file, 'utf8');
    const [header, ...rows] = parseCsv(csv);
    const row = rows.find((r) => r.some((cell) => cell.includes('HYPERLINK')));
    expect(row, 'the task is exported').toBeTruthy();
    const title = row![header.indexOf('title')];
    expect(title, 'the formula starts with a quote, so no spreadsheet runs it').toBe(`'${EVIL}`);
    expect(rows.flat().some((cell) => /^[=+\-@]/.test(cell)), 'no cell starts with a formula character').toBe(false);
    const assignee = header.indexOf('assignee');
    expect(assignee, `an assignee column in ${header.join(',')}`).toBeGreaterThanOrEqual(0);
    expect(row![assignee], 'the assignee column holds the name').toBe(MEMBER.name);
  });

  test('6. the errors shown are sentences for people, never the API’s own words', async ({ page, app, shot }) => {
    await logIn(page, app, SUB, OWNER.email, OWNER.password);
    await test.step('a task deleted meanwhile: saving it says so', async () => {
      const task = await newTask(app, { title: 'Fix the gate' });
      await page.goto(`${app.tenant(SUB)}/projects/${projectId}`);
      await page.getByRole('button', { name: 'Edit “Fix the gate”' }).click();
      const dialog = page.getByRole('dialog', { name: 'Edit task' });
      expect((await as(app, ownerToken, 'DELETE', `/api/v1/tasks/${task.id}`)).status).toBe(204);
      await dialog.getByLabel('Description').fill('With new screws');
      await dialog.getByRole('button', { name: 'Save task' }).click();
      await expect(dialog.getByRole('alert')).toBeVisible();
      await expectFriendly(page, 'a deleted task');
      await shot(page, '43-broken-friendly-error.png', { fullPage: false });
      await dialog.getByRole('button', { name: /Cancel|Close/ }).first().click();
    });
    await test.step('a taken project name', async () => {
      await page.goto(`${app.tenant(SUB)}/`);
      await page.getByRole('button', { name: 'New project' }).first().click();
      const dialog = page.getByRole('dialog', { name: 'New project' });
      await dialog.getByLabel('Name').fill('Repairs');
      await dialog.getByRole('button', { name: 'Create project' }).click();
      await expect(dialog.getByRole('alert').or(dialog.locator('.invalid-feedback')).first()).toBeVisible();
      await expectFriendly(page, 'a taken name');
      await dialog.getByRole('button', { name: /Cancel|Close/ }).first().click();
    });
    await test.step('a task of a deleted project', async () => {
      const gone = await as(app, ownerToken, 'POST', '/api/v1/projects', { name: 'Gone soon' });
      const task = await as(app, ownerToken, 'POST', `/api/v1/projects/${gone.body.id}/tasks`, { title: 'Vanishing' });
      await as(app, ownerToken, 'DELETE', `/api/v1/projects/${gone.body.id}`);
      await page.goto(`${app.tenant(SUB)}/projects/${gone.body.id}/tasks/${task.body.id}`);
      await expect(page.getByText('Not found', { exact: true })).toBeVisible();
      await expectFriendly(page, 'a task of a deleted project');
    });
  });

  for (const theme of ['light', 'dark'] as const) {
    test(`7. the Medium badge has 4.5:1 contrast in the ${theme} theme, and axe finds nothing serious`, async ({ page, app, shot }) => {
      await logIn(page, app, SUB, OWNER.email, OWNER.password);
      await page.getByLabel('Theme').selectOption(theme);
      await expect(page.locator('html')).toHaveAttribute('data-bs-theme', theme);
      await page.goto(`${app.tenant(SUB)}/projects/${projectId}`);
      const badge = page.getByRole('article', { name: 'Sand the deck' }).locator('.badge');
      await expect(badge).toHaveText(/Medium/);
      const { color, background } = await badge.evaluate((el) => {
        const style = getComputedStyle(el);
        return { color: style.color, background: style.backgroundColor };
      });
      const ratio = contrast(color, background);
      expect(ratio, `${color} on ${background}`).toBeGreaterThanOrEqual(4.5);
      await shot(page, `44-broken-medium-badge-${theme}.png`, { fullPage: false });
    });
  }

  test('8. many wrong passwords answer 429 with Retry-After and say so; a logged-out token is refused', async ({ page, app, shot }) => {
    await page.goto(`${app.tenant(SUB)}/login`);
    await page.getByLabel('Email').fill(LOCKED.email);
    const statuses: number[] = [];
    let retryAfter: string | undefined;
    page.on('response', (r) => {
      if (!r.url().endsWith('/api/v1/auth/login')) return;
      statuses.push(r.status());
      if (r.status() === 429) retryAfter = r.headers()['retry-after'];
    });
    for (let i = 0; i < 13; i++) {
      await page.getByLabel('Password').fill(`wrong-password-${i}`);
      const answered = page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/login'));
      await page.getByRole('button', { name: 'Log in' }).click();
      await answered;
    }
    expect(statuses, 'wrong passwords, then the limit').toContain(401);
    expect(statuses.at(-1)).toBe(429);
    expect(Number(retryAfter), 'Retry-After in seconds').toBeGreaterThan(0);
    await expect(page.getByRole('alert')).toHaveText(/Too many failed attempts.*try again in \d+ (second|minute)/);
    await expectFriendly(page, 'the rate limit');
    await shot(page, '45-broken-rate-limited.png');

    await logIn(page, app, SUB, OWNER.email, OWNER.password);
    const token = await page.evaluate(() => localStorage.getItem('taskflow.token'));
    expect(token).toBeTruthy();
    expect((await as(app, token!, 'GET', '/api/v1/me')).status, 'the token works while logged in').toBe(200);
    await page.getByRole('button', { name: 'Log out' }).click();
    await expect(page.getByRole('heading', { name: 'Log in' })).toBeVisible();
    const after = await as(app, token!, 'GET', '/api/v1/me');
    expect(after.status, 'the old token is refused').toBe(401);
  });
});
