// End-to-end run: the real taskflow-app on SQLite serving the built frontend, driven through
// Debian's Chromium. Prints each step, saves a screenshot of every screen under target/e2e/,
// and exits non-zero on the first failure. Always stops the app it started.
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { frontendDir, repoRoot, startBackend } from './backend.mjs';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// axe-core, run in the page at every screenshot: no serious or critical accessibility violation.
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const shots = join(repoRoot, 'target', 'e2e');
const started = Date.now();
let backend;
let browser;
let page;
let stepNumber = 0;
const pageErrors = [];

function assert(condition, message) {
  if (!condition) throw new Error(`assertion failed: ${message}`);
}

async function step(name, fn) {
  stepNumber += 1;
  const label = `${String(stepNumber).padStart(2, '0')}. ${name}`;
  const t0 = Date.now();
  process.stdout.write(`… ${label}\n`);
  await fn();
  if (pageErrors.length) throw new Error(`page error: ${pageErrors.join('\n')}`);
  process.stdout.write(`✓ ${label} (${Date.now() - t0} ms)\n`);
}

async function shot(p, file, fullPage = true) {
  await p.screenshot({ path: join(shots, file), fullPage });
  await p.addScriptTag({ content: AXE });
  const violations = await p.evaluate(async () => {
    // With a dialog open, the page behind it is dimmed on purpose: judge the dialog.
    const dialog = document.querySelector('.modal.show');
    const { violations } = await window.axe.run(dialog ?? document, { resultTypes: ['violations'] });
    return violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`);
  });
  assert(violations.length === 0, `${file}: accessibility violations:\n    ${violations.join('\n    ')}`);
  // Every screen names itself in the browser's tab.
  const title = await p.title();
  assert(/^.+ · TaskFlow$/.test(title) && title !== 'TaskFlow', `${file} has a title of its own ("${title}")`);
  process.stdout.write(`  screenshot target/e2e/${file} ("${title}")\n`);
}

function watch(p) {
  p.on('pageerror', (error) => pageErrors.push(String(error)));
  return p;
}

async function shutdown() {
  await browser?.close().catch(() => {});
  await backend?.stop().catch(() => {});
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    shutdown().finally(() => process.exit(130));
  });
}

const column = (p, name) => p.getByRole('region', { name: new RegExp(`^${name}`) });

async function signUp(p, origin, { org, subdomain, owner, email, password }) {
  await p.goto(`${origin}/signup`);
  await p.getByRole('heading', { name: 'Create your organization' }).waitFor();
  await p.getByLabel('Organization name').fill(org);
  await p.getByLabel('Address', { exact: true }).fill(subdomain);
  await p.getByLabel('Your name').fill(owner);
  await p.getByLabel('Your email').fill(email);
  await p.getByLabel('Password').fill(password);
  await p.getByRole('button', { name: 'Create organization' }).click();
  await p.waitForURL(`http://${subdomain}.localhost:${backend.port}/`);
  await p.getByTestId('tenant-name').filter({ hasText: org }).waitFor();
}

async function logIn(p, subdomain, email, password) {
  await p.goto(`http://${subdomain}.localhost:${backend.port}/login`);
  await p.getByLabel('Email').fill(email);
  await p.getByLabel('Password').fill(password);
  await p.getByRole('button', { name: 'Log in' }).click();
  await p.getByRole('heading', { name: 'Projects', level: 1 }).waitFor();
}

async function createTask(p, { title, priority, assignee, due }) {
  await p.getByRole('button', { name: 'New task' }).click();
  const dialog = p.getByRole('dialog', { name: 'New task' });
  await dialog.getByLabel('Title').fill(title);
  if (priority) await dialog.getByLabel('Priority').selectOption({ label: priority });
  if (assignee) await dialog.getByLabel('Assignee').selectOption({ label: assignee });
  if (due) await dialog.getByLabel('Due date').fill(due);
  return dialog;
}

try {
  mkdirSync(shots, { recursive: true });
  rmSync(join(shots, 'failure.png'), { force: true });
  const acme = { org: 'Acme Rockets', subdomain: 'acme', owner: 'Ada Owner', email: 'ada@acme.test', password: 'launch-2030' };
  const globex = { org: 'Globex', subdomain: 'globex', owner: 'Hank Scorpio', email: 'hank@globex.test', password: 'volcano-lair' };
  let acmeOrigin;
  let projectUrl;
  let taskUrl;

  await step('start taskflow-app on SQLite, serving frontend/dist', async () => {
    assert(existsSync(join(frontendDir, 'dist', 'index.html')), 'frontend/dist is built (run `npm run build` first)');
    backend = await startBackend();
    acmeOrigin = `http://acme.localhost:${backend.port}`;
    process.stdout.write(`  app at http://localhost:${backend.port} (pid ${backend.pid})\n`);
  });

  await step('launch Chromium', async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--host-resolver-rules=MAP *.localhost 127.0.0.1'],
    });
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, acceptDownloads: true });
    page = watch(await context.newPage());
    page.setDefaultTimeout(10_000);
  });

  await step('the base host says what TaskFlow is, then leads to signup and the "go to your organization" form', async () => {
    await page.goto(`http://localhost:${backend.port}/`);
    await page.getByRole('heading', { name: 'TaskFlow', level: 1 }).waitFor();
    const picture = page.getByRole('img', { name: /A TaskFlow board/ });
    await picture.waitFor();
    assert(await picture.evaluate((img) => img.complete && img.naturalWidth > 0), 'the picture of the board loads');
    await shot(page, '00-landing.png');
    await page.getByRole('link', { name: 'Sign up your organization' }).click();
    await page.waitForURL(`http://localhost:${backend.port}/signup`);
    await page.getByLabel('Go to your organization').waitFor();
    await page.getByLabel('Organization name').fill(acme.org);
    await shot(page, '01-signup.png');
  });

  await step('sign up the first organization and continue on acme.localhost', async () => {
    await signUp(page, `http://localhost:${backend.port}`, acme);
    assert(!page.url().includes('token='), 'the token is gone from the address bar');
    await page.getByText('No projects yet').waitFor();
    await page.getByTestId('current-user').filter({ hasText: acme.owner }).waitFor();
  });

  await step('create a project, rename it', async () => {
    await page.getByRole('button', { name: 'New project' }).first().click();
    let dialog = page.getByRole('dialog', { name: 'New project' });
    await dialog.getByLabel('Name').fill('Website');
    await dialog.getByLabel('Description').fill('The new public website');
    await dialog.getByRole('button', { name: 'Create project' }).click();
    await page.getByRole('link', { name: 'Website', exact: true }).waitFor();
    await page.getByRole('button', { name: 'Rename Website' }).click();
    dialog = page.getByRole('dialog', { name: 'Rename project' });
    await dialog.getByLabel('Name').fill('Website relaunch');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('link', { name: 'Website relaunch' }).waitFor();
    await page.getByRole('button', { name: 'New project' }).first().click();
    dialog = page.getByRole('dialog', { name: 'New project' });
    await dialog.getByLabel('Name').fill('Hiring');
    await dialog.getByRole('button', { name: 'Create project' }).click();
    await page.getByRole('link', { name: 'Hiring' }).waitFor();
    await shot(page, '03-projects.png');
  });

  await step('delete a project', async () => {
    await page.getByRole('button', { name: 'Delete Hiring' }).click();
    await page.getByRole('dialog', { name: 'Delete project' }).getByRole('button', { name: 'Delete project' }).click();
    await page.getByRole('link', { name: 'Hiring' }).waitFor({ state: 'detached' });
  });

  await step('add a member and change a role', async () => {
    await page.getByRole('link', { name: 'Members' }).click();
    await page.getByRole('heading', { name: 'Add a member' }).waitFor();
    await page.getByLabel('Name').fill('Max Member');
    await page.getByLabel('Email').fill('max@acme.test');
    await page.getByLabel('Initial password').fill('max-password');
    await page.getByRole('button', { name: 'Add member' }).click();
    await page.getByText('Max Member was added.').waitFor();
    const role = page.getByLabel('Role of Max Member');
    assert((await role.inputValue()) === 'member', 'Max starts as a member');
    await Promise.all([
      page.waitForResponse((r) => r.url().includes('/api/v1/users/') && r.request().method() === 'PATCH' && r.ok()),
      role.selectOption('admin'),
    ]);
    await page.reload();
    assert((await page.getByLabel('Role of Max Member').inputValue()) === 'admin', 'the new role is saved');
    await shot(page, '07-members.png');
  });

  await step('create tasks on the board (in a modal)', async () => {
    await page.getByRole('link', { name: 'Projects' }).click();
    await page.getByRole('link', { name: 'Website relaunch' }).click();
    await page.getByRole('heading', { name: 'Website relaunch', level: 1 }).waitFor();
    projectUrl = page.url();
    await page.getByText('No tasks yet').waitFor();
    let dialog = await createTask(page, { title: 'Design mockups', priority: 'High', assignee: 'Ada Owner', due: '2030-06-30' });
    await shot(page, '05-task-modal.png', false);
    await dialog.getByRole('button', { name: 'Create task' }).click();
    await column(page, 'To do').getByText('Design mockups', { exact: true }).waitFor();
    dialog = await createTask(page, { title: 'Write copy', priority: 'Low', assignee: 'Max Member' });
    await dialog.getByRole('button', { name: 'Create task' }).click();
    await column(page, 'To do').getByText('Write copy', { exact: true }).waitFor();
    dialog = await createTask(page, { title: 'Set up hosting' });
    await dialog.getByRole('button', { name: 'Create task' }).click();
    await column(page, 'To do').getByText('Set up hosting', { exact: true }).waitFor();
  });

  await step('edit a task in the modal', async () => {
    await page.getByRole('button', { name: 'Edit “Set up hosting”' }).click();
    const dialog = page.getByRole('dialog', { name: 'Edit task' });
    await dialog.getByLabel('Description').fill('Static hosting with TLS');
    await dialog.getByLabel('Priority').selectOption({ label: 'High' });
    await dialog.getByRole('button', { name: 'Save task' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByRole('article', { name: 'Set up hosting' }).getByText('High').waitFor();
  });

  await step("an edit made against an old version shows the other person's change, then goes on top", async () => {
    await page.getByRole('button', { name: 'Edit “Set up hosting”' }).click();
    const dialog = page.getByRole('dialog', { name: 'Edit task' });
    await dialog.getByLabel('Title').waitFor();
    // Someone else renames the task while the form is open (the API, with a session's token).
    const renamed = await page.evaluate(async () => {
      const headers = { Authorization: `Bearer ${localStorage.getItem('taskflow.token')}`, 'Content-Type': 'application/json' };
      const project = location.pathname.split('/')[2];
      const found = await (await fetch(`/api/v1/projects/${project}/tasks?q=hosting`, { headers })).json();
      const id = found.items[0].id;
      const answer = await fetch(`/api/v1/tasks/${id}`, { method: 'PATCH', headers, body: JSON.stringify({ title: 'Set up hosting and DNS' }) });
      return answer.status;
    });
    assert(renamed === 200, `the other change is saved (${renamed})`);
    await dialog.getByLabel('Priority').selectOption({ label: 'Low' });
    await dialog.getByRole('button', { name: 'Save task' }).click();
    const conflict = dialog.getByRole('alert', { name: 'Someone else changed this task while you were editing' });
    await conflict.getByText('Title: Set up hosting → Set up hosting and DNS').waitFor();
    await shot(page, '05b-edit-conflict.png', false);
    await conflict.getByRole('button', { name: 'Save my changes on top' }).click();
    await dialog.waitFor({ state: 'detached' });
    const card = page.getByRole('article', { name: 'Set up hosting and DNS' });
    await card.getByText('Low').waitFor();
  });

  await step('move a task by drag and drop, another with the "move to" control', async () => {
    await page.getByRole('article', { name: 'Write copy' }).dragTo(column(page, 'In progress'));
    await column(page, 'In progress').getByText('Write copy', { exact: true }).waitFor();
    // By keyboard: the arrows choose in the menu without moving; Enter moves, and the focus
    // follows the card into its new column.
    await page.getByRole('button', { name: 'Move “Design mockups”, now To do' }).focus();
    await page.keyboard.press('Enter');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    assert((await column(page, 'To do').getByText('Design mockups', { exact: true }).count()) === 1, 'arrows alone move nothing');
    await page.keyboard.press('Enter');
    await column(page, 'Done').getByText('Design mockups', { exact: true }).waitFor();
    await column(page, 'Done').getByRole('button', { name: 'Move “Design mockups”, now Done' }).waitFor();
    const focused = await page.evaluate(() => [
      document.activeElement?.textContent,
      document.activeElement?.closest('section')?.getAttribute('data-status'),
    ]);
    assert(focused[0] === 'Move “Design mockups”, now Done' && focused[1] === 'done', `the focus follows the card (${focused})`);
    await page.reload();
    await column(page, 'In progress').getByText('Write copy', { exact: true }).waitFor();
    await column(page, 'Done').getByText('Design mockups', { exact: true }).waitFor();
    await column(page, 'To do').getByText('Set up hosting and DNS', { exact: true }).waitFor();
    await shot(page, '04-board.png');
  });

  await step('search and filter the board; the filters stay in the address', async () => {
    await page.getByLabel('Search').fill('mockups');
    await page.waitForURL(/[?&]q=mockups/);
    await page.getByRole('article', { name: 'Write copy' }).waitFor({ state: 'detached' });
    assert((await page.getByRole('article').count()) === 1, 'the search leaves one card');
    await page.reload();
    await page.getByRole('article', { name: 'Design mockups' }).waitFor();
    assert((await page.getByLabel('Search').inputValue()) === 'mockups', 'the search survives a reload');
    await page.getByLabel('Assignee').selectOption({ label: 'Me' });
    await page.getByRole('article', { name: 'Design mockups' }).waitFor();
    await shot(page, '06b-board-filtered.png', false);
    await page.getByRole('button', { name: 'Clear' }).click();
    await page.getByRole('article', { name: 'Write copy' }).waitFor();
  });

  await step('open a task and comment on it', async () => {
    await page.getByRole('link', { name: 'Design mockups' }).click();
    await page.getByRole('heading', { name: 'Design mockups', level: 1 }).waitFor();
    taskUrl = page.url();
    await page.getByText('No comments yet').waitFor();
    await page.getByLabel('Add a comment').fill('First draft is in the shared folder.');
    await page.getByRole('button', { name: 'Post comment' }).click();
    await page.getByRole('list', { name: 'Comments' }).getByText('First draft is in the shared folder.').waitFor();
    await page.reload();
    await page.getByRole('list', { name: 'Comments' }).getByText('First draft is in the shared folder.').waitFor();
    await shot(page, '06-task-detail.png');
  });

  await step('run a report and download the CSV', async () => {
    await page.goto(`${projectUrl}/reports`);
    await page.getByText('No exports yet').waitFor();
    await page.getByRole('button', { name: 'Start export' }).click();
    await page.getByRole('progressbar', { name: 'Export progress' }).waitFor();
    const downloadButton = page.getByRole('button', { name: 'Download CSV', exact: true });
    await downloadButton.waitFor({ timeout: 20_000 });
    const [download] = await Promise.all([page.waitForEvent('download'), downloadButton.click()]);
    const file = join(shots, 'report.csv');
    await download.saveAs(file);
    const csv = readFileSync(file, 'utf8');
    for (const title of ['Design mockups', 'Write copy', 'Set up hosting']) {
      assert(csv.includes(title), `the CSV names "${title}"`);
    }
    process.stdout.write(`  ${download.suggestedFilename()}: ${csv.trim().split('\n').length} lines\n`);
    // The export is listed under past exports as done, downloadable from there with the keyboard.
    const pastExports = page.getByRole('list', { name: 'Past exports' });
    const rows = pastExports.getByRole('listitem');
    await rows.filter({ hasText: 'Done' }).first().waitFor();
    assert((await rows.count()) === 1, 'past exports lists the one export');
    const listDownload = pastExports.getByRole('button', { name: /^Download CSV of the export started / });
    await listDownload.focus();
    const [again] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')]);
    await again.saveAs(join(shots, 'report-from-list.csv'));
    assert(readFileSync(join(shots, 'report-from-list.csv'), 'utf8') === csv, 'the listed export downloads the same CSV');
    // Let the progress bar's width transition finish before the picture.
    await page.waitForTimeout(700);
    await shot(page, '08-report.png');
  });

  await step('log out, and log back in on the subdomain', async () => {
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    await page.getByLabel('Email').fill(acme.email);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByText('Wrong email or password.').waitFor();
    await shot(page, '02-login.png');
    await page.getByLabel('Password').fill(acme.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('link', { name: 'Website relaunch' }).waitFor();
  });

  await step('sign up a second organization: it sees none of the first one', async () => {
    await signUp(page, `http://localhost:${backend.port}`, globex);
    await page.getByText('No projects yet').waitFor();
    assert((await page.getByText('Website relaunch').count()) === 0, 'Globex does not see Acme’s project');
    await shot(page, '09-second-org-empty.png');
  });

  await step("the first organization's project and task URLs are not found on the second's host", async () => {
    const globexProject = projectUrl.replace(acmeOrigin, `http://globex.localhost:${backend.port}`);
    await page.goto(globexProject);
    await page.getByText('Not found', { exact: true }).waitFor();
    assert((await page.getByText('Design mockups').count()) === 0, 'no Acme task shows on Globex');
    await shot(page, '11-second-org-not-found.png');
    await page.goto(taskUrl.replace(acmeOrigin, `http://globex.localhost:${backend.port}`));
    await page.getByText('Not found', { exact: true }).waitFor();
    assert((await page.getByText('Design mockups').count()) === 0, 'the Acme task does not show on Globex');
    await page.goto(`${globexProject}/reports`);
    await page.getByText('Not found', { exact: true }).waitFor();
  });

  await step('the new member logs in at phone width; the board columns stack', async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
    const p = watch(await phone.newPage());
    p.setDefaultTimeout(10_000);
    await logIn(p, 'acme', 'max@acme.test', 'max-password');
    await p.goto(projectUrl);
    await column(p, 'Done').getByText('Design mockups', { exact: true }).waitFor();
    const boxes = await Promise.all(['To do', 'In progress', 'Done'].map((n) => column(p, n).boundingBox()));
    assert(boxes.every((b) => b && b.width > 300), 'each column takes the full width');
    assert(boxes[0].y < boxes[1].y && boxes[1].y < boxes[2].y, 'the columns stack top to bottom');
    const scrollWidth = await p.evaluate(() => document.documentElement.scrollWidth);
    assert(scrollWidth <= 390, `no sideways scrolling (page is ${scrollWidth}px wide)`);
    await shot(p, '10-board-phone.png');
    await p.getByRole('button', { name: 'Toggle navigation' }).click();
    await p.locator('#main-nav.show').waitFor();
    await p.getByRole('button', { name: 'Log out' }).waitFor();
    await shot(p, '12-navbar-phone.png', false);
    await p.goto(`${projectUrl}/reports`);
    await p.getByRole('list', { name: 'Past exports' }).getByRole('button', { name: /^Download CSV/ }).waitFor();
    const reportsWidth = await p.evaluate(() => document.documentElement.scrollWidth);
    assert(reportsWidth <= 390, `the reports page does not scroll sideways (${reportsWidth}px wide)`);
    await phone.close();
  });

  await step('the theme follows a dark system, and the choice of light sticks', async () => {
    const dark = await browser.newContext({ colorScheme: 'dark', viewport: { width: 1280, height: 860 } });
    const p = watch(await dark.newPage());
    p.setDefaultTimeout(10_000);
    await logIn(p, 'acme', acme.email, acme.password);
    await p.goto(projectUrl);
    await column(p, 'Done').getByText('Design mockups', { exact: true }).waitFor();
    const theme = () => p.evaluate(() => document.documentElement.getAttribute('data-bs-theme'));
    assert((await theme()) === 'dark', 'a dark system gets the dark theme');
    await shot(p, '13-board-dark.png', false);
    await p.getByLabel('Theme').selectOption('light');
    assert((await theme()) === 'light', 'choosing light applies at once');
    await p.reload();
    await column(p, 'Done').getByText('Design mockups', { exact: true }).waitFor();
    assert((await theme()) === 'light', 'the choice survives a reload');
    await dark.close();
  });

  process.stdout.write(`\ne2e passed: ${stepNumber} steps in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  await shutdown();
  process.exit(0);
} catch (error) {
  process.stdout.write(`✗ step ${stepNumber} failed: ${error?.stack ?? error}\n`);
  if (page) await page.screenshot({ path: join(shots, 'failure.png'), fullPage: true }).catch(() => {});
  if (page) process.stdout.write(`  at ${page.url()}; screenshot target/e2e/failure.png\n`);
  await shutdown();
  process.exit(1);
}
