// The whole product through the browser: two organizations signed up through the UI, every
// screen visited and photographed, on a desktop, at phone width and in a dark system. The tests
// run in order and share the data the first one makes.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { column, expect, logIn, shotsDir, signUp, test, type Organization } from './fixtures';

const acme: Organization = { org: 'Acme Rockets', subdomain: 'acme', owner: 'Ada Owner', email: 'ada@acme.test', password: 'launch-2030' };
const globex: Organization = { org: 'Globex', subdomain: 'globex', owner: 'Hank Scorpio', email: 'hank@globex.test', password: 'volcano-lair' };
const max = { name: 'Max Member', email: 'max@acme.test', password: 'max-password' };

interface NewTask {
  title: string;
  priority?: string;
  assignee?: string;
  due?: string;
}

async function createTask(page: Page, { title, priority, assignee, due }: NewTask) {
  await page.getByRole('button', { name: 'New task' }).click();
  const dialog = page.getByRole('dialog', { name: 'New task' });
  await dialog.getByLabel('Title').fill(title);
  if (priority) await dialog.getByLabel('Priority').selectOption({ label: priority });
  if (assignee) await dialog.getByLabel('Assignee').selectOption({ label: assignee });
  if (due) await dialog.getByLabel('Due date').fill(due);
  return dialog;
}

test.describe.serial('every screen', () => {
  // Made by the first test, visited again by the others.
  let projectUrl = '';
  let taskUrl = '';

  test('on a desktop, two organizations', async ({ page, app, shot }) => {
    const acmeOrigin = app.tenant(acme.subdomain);
    const globexOrigin = app.tenant(globex.subdomain);

    await test.step('the base host says what TaskFlow is, then leads to signup and the "go to your organization" form', async () => {
      await page.goto(`${app.base}/`);
      await expect(page.getByRole('heading', { name: 'TaskFlow', level: 1 })).toBeVisible();
      const picture = page.getByRole('img', { name: /A TaskFlow board/ });
      await expect(picture).toBeVisible();
      await expect
        .poll(() => picture.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0), {
          message: 'the picture of the board loads',
        })
        .toBe(true);
      await shot(page, '00-landing.png');
      await page.getByRole('link', { name: 'Sign up your organization' }).click();
      await expect(page).toHaveURL(`${app.base}/signup`);
      await expect(page.getByLabel('Go to your organization')).toBeVisible();
      await page.getByLabel('Organization name').fill(acme.org);
      await shot(page, '01-signup.png');
    });

    await test.step('sign up the first organization and continue on acme.localhost', async () => {
      await signUp(page, app, acme);
      await expect(page, 'the token is gone from the address bar').not.toHaveURL(/token=/);
      await expect(page.getByText('No projects yet')).toBeVisible();
      await expect(page.getByTestId('current-user').filter({ hasText: acme.owner })).toBeVisible();
    });

    await test.step('create a project, rename it', async () => {
      await page.getByRole('button', { name: 'New project' }).first().click();
      let dialog = page.getByRole('dialog', { name: 'New project' });
      await dialog.getByLabel('Name').fill('Website');
      await dialog.getByLabel('Description').fill('The new public website');
      await dialog.getByRole('button', { name: 'Create project' }).click();
      await expect(page.getByRole('link', { name: 'Website', exact: true })).toBeVisible();
      await page.getByRole('button', { name: 'Rename Website' }).click();
      dialog = page.getByRole('dialog', { name: 'Rename project' });
      await dialog.getByLabel('Name').fill('Website relaunch');
      await dialog.getByRole('button', { name: 'Save' }).click();
      await expect(page.getByRole('link', { name: 'Website relaunch' })).toBeVisible();
      await page.getByRole('button', { name: 'New project' }).first().click();
      dialog = page.getByRole('dialog', { name: 'New project' });
      await dialog.getByLabel('Name').fill('Hiring');
      await dialog.getByRole('button', { name: 'Create project' }).click();
      await expect(page.getByRole('link', { name: 'Hiring' })).toBeVisible();
      await shot(page, '03-projects.png');
    });

    await test.step('delete a project', async () => {
      await page.getByRole('button', { name: 'Delete Hiring' }).click();
      await page.getByRole('dialog', { name: 'Delete project' }).getByRole('button', { name: 'Delete project' }).click();
      await expect(page.getByRole('link', { name: 'Hiring' })).not.toBeAttached();
    });

    await test.step('add a member and change a role', async () => {
      await page.getByRole('link', { name: 'Members' }).click();
      await expect(page.getByRole('heading', { name: 'Add a member' })).toBeVisible();
      await page.getByLabel('Name').fill(max.name);
      await page.getByLabel('Email').fill(max.email);
      await page.getByLabel('Initial password').fill(max.password);
      await page.getByRole('button', { name: 'Add member' }).click();
      await expect(page.getByText('Max Member was added.')).toBeVisible();
      const role = page.getByLabel('Role of Max Member');
      await expect(role, 'Max starts as a member').toHaveValue('member');
      const saved = page.waitForResponse((r) => r.url().includes('/api/v1/users/') && r.request().method() === 'PATCH' && r.ok());
      await role.selectOption('admin');
      await saved;
      await page.reload();
      await expect(page.getByLabel('Role of Max Member'), 'the new role is saved').toHaveValue('admin');
      await shot(page, '07-members.png');
    });

    await test.step('create tasks on the board (in a modal)', async () => {
      await page.getByRole('link', { name: 'Projects' }).click();
      await page.getByRole('link', { name: 'Website relaunch' }).click();
      await expect(page.getByRole('heading', { name: 'Website relaunch', level: 1 })).toBeVisible();
      projectUrl = page.url();
      await expect(page.getByText('No tasks yet')).toBeVisible();
      let dialog = await createTask(page, { title: 'Design mockups', priority: 'High', assignee: 'Ada Owner', due: '2030-06-30' });
      await shot(page, '05-task-modal.png', { fullPage: false });
      await dialog.getByRole('button', { name: 'Create task' }).click();
      await expect(column(page, 'To do').getByText('Design mockups', { exact: true })).toBeVisible();
      dialog = await createTask(page, { title: 'Write copy', priority: 'Low', assignee: 'Max Member' });
      await dialog.getByRole('button', { name: 'Create task' }).click();
      await expect(column(page, 'To do').getByText('Write copy', { exact: true })).toBeVisible();
      dialog = await createTask(page, { title: 'Set up hosting' });
      await dialog.getByRole('button', { name: 'Create task' }).click();
      await expect(column(page, 'To do').getByText('Set up hosting', { exact: true })).toBeVisible();
    });

    await test.step('edit a task in the modal', async () => {
      await page.getByRole('button', { name: 'Edit “Set up hosting”' }).click();
      const dialog = page.getByRole('dialog', { name: 'Edit task' });
      await dialog.getByLabel('Description').fill('Static hosting with TLS');
      await dialog.getByLabel('Priority').selectOption({ label: 'High' });
      await dialog.getByRole('button', { name: 'Save task' }).click();
      await expect(dialog).not.toBeAttached();
      await expect(page.getByRole('article', { name: 'Set up hosting' }).getByText('High')).toBeVisible();
    });

    await test.step("an edit made against an old version shows the other person's change, then goes on top", async () => {
      await page.getByRole('button', { name: 'Edit “Set up hosting”' }).click();
      const dialog = page.getByRole('dialog', { name: 'Edit task' });
      await expect(dialog.getByLabel('Title')).toBeVisible();
      // Someone else renames the task while the form is open (the API, with a session's token).
      const renamed = await page.evaluate(async () => {
        const headers = { Authorization: `Bearer ${localStorage.getItem('taskflow.token')}`, 'Content-Type': 'application/json' };
        const project = location.pathname.split('/')[2];
        const found = (await (await fetch(`/api/v1/projects/${project}/tasks?q=hosting`, { headers })).json()) as { items: { id: string }[] };
        const id = found.items[0].id;
        const answer = await fetch(`/api/v1/tasks/${id}`, { method: 'PATCH', headers, body: JSON.stringify({ title: 'Set up hosting and DNS' }) });
        return answer.status;
      });
      expect(renamed, 'the other change is saved').toBe(200);
      await dialog.getByLabel('Priority').selectOption({ label: 'Low' });
      await dialog.getByRole('button', { name: 'Save task' }).click();
      const conflict = dialog.getByRole('alert', { name: 'Someone else changed this task while you were editing' });
      await expect(conflict.getByText('Title: Set up hosting → Set up hosting and DNS')).toBeVisible();
      await shot(page, '05b-edit-conflict.png', { fullPage: false });
      await conflict.getByRole('button', { name: 'Save my changes on top' }).click();
      await expect(dialog).not.toBeAttached();
      await expect(page.getByRole('article', { name: 'Set up hosting and DNS' }).getByText('Low')).toBeVisible();
    });

    await test.step('move a task by drag and drop, another with the "move to" control', async () => {
      await page.getByRole('article', { name: 'Write copy' }).dragTo(column(page, 'In progress'));
      await expect(column(page, 'In progress').getByText('Write copy', { exact: true })).toBeVisible();
      // By keyboard: the arrows choose in the menu without moving; Enter moves, and the focus
      // follows the card into its new column.
      await page.getByRole('button', { name: 'Move “Design mockups”, now To do' }).focus();
      await page.keyboard.press('Enter');
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('ArrowDown');
      await expect(column(page, 'To do').getByText('Design mockups', { exact: true }), 'arrows alone move nothing').toHaveCount(1);
      await page.keyboard.press('Enter');
      await expect(column(page, 'Done').getByText('Design mockups', { exact: true })).toBeVisible();
      await expect(column(page, 'Done').getByRole('button', { name: 'Move “Design mockups”, now Done' })).toBeVisible();
      const moved = page.locator('section[data-status="done"]').getByRole('button', { name: 'Move “Design mockups”, now Done', exact: true });
      await expect(moved, 'the focus follows the card').toBeFocused();
      await expect(moved).toHaveText('Move “Design mockups”, now Done');
      await page.reload();
      await expect(column(page, 'In progress').getByText('Write copy', { exact: true })).toBeVisible();
      await expect(column(page, 'Done').getByText('Design mockups', { exact: true })).toBeVisible();
      await expect(column(page, 'To do').getByText('Set up hosting and DNS', { exact: true })).toBeVisible();
      await shot(page, '04-board.png');
    });

    await test.step('search and filter the board; the filters stay in the address', async () => {
      await page.getByLabel('Search').fill('mockups');
      await expect(page).toHaveURL(/[?&]q=mockups/);
      await expect(page.getByRole('article', { name: 'Write copy' })).not.toBeAttached();
      await expect(page.getByRole('article'), 'the search leaves one card').toHaveCount(1);
      await page.reload();
      await expect(page.getByRole('article', { name: 'Design mockups' })).toBeVisible();
      await expect(page.getByLabel('Search'), 'the search survives a reload').toHaveValue('mockups');
      await page.getByLabel('Assignee').selectOption({ label: 'Me' });
      await expect(page.getByRole('article', { name: 'Design mockups' })).toBeVisible();
      await shot(page, '06b-board-filtered.png', { fullPage: false });
      await page.getByRole('button', { name: 'Clear' }).click();
      await expect(page.getByRole('article', { name: 'Write copy' })).toBeVisible();
    });

    await test.step('open a task and comment on it', async () => {
      await page.getByRole('link', { name: 'Design mockups' }).click();
      await expect(page.getByRole('heading', { name: 'Design mockups', level: 1 })).toBeVisible();
      taskUrl = page.url();
      await expect(page.getByText('No comments yet')).toBeVisible();
      await page.getByLabel('Add a comment').fill('First draft is in the shared folder.');
      await page.getByRole('button', { name: 'Post comment' }).click();
      const comment = page.getByRole('list', { name: 'Comments' }).getByText('First draft is in the shared folder.');
      await expect(comment).toBeVisible();
      await page.reload();
      await expect(comment).toBeVisible();
      await shot(page, '06-task-detail.png');
    });

    await test.step('run a report and download the CSV', async () => {
      await page.goto(`${projectUrl}/reports`);
      await expect(page.getByText('No exports yet')).toBeVisible();
      await page.getByRole('button', { name: 'Start export' }).click();
      await expect(page.getByRole('progressbar', { name: 'Export progress' })).toBeVisible();
      const downloadButton = page.getByRole('button', { name: 'Download CSV', exact: true });
      await expect(downloadButton).toBeVisible({ timeout: 20_000 });
      const downloading = page.waitForEvent('download');
      await downloadButton.click();
      const download = await downloading;
      const file = join(shotsDir, 'report.csv');
      await download.saveAs(file);
      const csv = readFileSync(file, 'utf8');
      for (const title of ['Design mockups', 'Write copy', 'Set up hosting']) {
        expect(csv, `the CSV names "${title}"`).toContain(title);
      }
      // The export is listed under past exports as done, downloadable from there with the keyboard.
      const pastExports = page.getByRole('list', { name: 'Past exports' });
      const rows = pastExports.getByRole('listitem');
      await expect(rows.filter({ hasText: 'Done' }).first()).toBeVisible();
      await expect(rows, 'past exports lists the one export').toHaveCount(1);
      await pastExports.getByRole('button', { name: /^Download CSV of the export started / }).focus();
      const downloadingAgain = page.waitForEvent('download');
      await page.keyboard.press('Enter');
      const again = await downloadingAgain;
      await again.saveAs(join(shotsDir, 'report-from-list.csv'));
      expect(readFileSync(join(shotsDir, 'report-from-list.csv'), 'utf8'), 'the listed export downloads the same CSV').toBe(csv);
      // Let the progress bar's width transition finish before the picture.
      await page.waitForTimeout(700);
      await shot(page, '08-report.png');
    });

    await test.step('log out, and log back in on the subdomain', async () => {
      await page.getByRole('button', { name: 'Log out' }).click();
      await expect(page.getByRole('heading', { name: 'Log in' })).toBeVisible();
      await page.getByLabel('Email').fill(acme.email);
      await page.getByLabel('Password').fill('not the password');
      await page.getByRole('button', { name: 'Log in' }).click();
      await expect(page.getByText('Wrong email or password.')).toBeVisible();
      await shot(page, '02-login.png');
      await page.getByLabel('Password').fill(acme.password);
      await page.getByRole('button', { name: 'Log in' }).click();
      await expect(page.getByRole('link', { name: 'Website relaunch' })).toBeVisible();
    });

    await test.step('sign up a second organization: it sees none of the first one', async () => {
      await signUp(page, app, globex);
      await expect(page.getByText('No projects yet')).toBeVisible();
      await expect(page.getByText('Website relaunch'), 'Globex does not see Acme’s project').toHaveCount(0);
      await shot(page, '09-second-org-empty.png');
    });

    await test.step("the first organization's project and task URLs are not found on the second's host", async () => {
      const globexProject = projectUrl.replace(acmeOrigin, globexOrigin);
      await page.goto(globexProject);
      await expect(page.getByText('Not found', { exact: true })).toBeVisible();
      await expect(page.getByText('Design mockups'), 'no Acme task shows on Globex').toHaveCount(0);
      await shot(page, '11-second-org-not-found.png');
      await page.goto(taskUrl.replace(acmeOrigin, globexOrigin));
      await expect(page.getByText('Not found', { exact: true })).toBeVisible();
      await expect(page.getByText('Design mockups'), 'the Acme task does not show on Globex').toHaveCount(0);
      await page.goto(`${globexProject}/reports`);
      await expect(page.getByText('Not found', { exact: true })).toBeVisible();
    });
  });

  test.describe('at phone width', () => {
    test.use({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });

    test('the new member logs in at phone width; the board columns stack', async ({ page, app, shot }) => {
      await logIn(page, app, acme.subdomain, max.email, max.password);
      await page.goto(projectUrl);
      await expect(column(page, 'Done').getByText('Design mockups', { exact: true })).toBeVisible();
      const boxes = await Promise.all(['To do', 'In progress', 'Done'].map((name) => column(page, name).boundingBox()));
      for (const box of boxes) expect(box?.width, 'each column takes the full width').toBeGreaterThan(300);
      const [todo, inProgress, done] = boxes.map((box) => box?.y ?? Number.NaN);
      expect(todo, 'the columns stack top to bottom').toBeLessThan(inProgress);
      expect(inProgress, 'the columns stack top to bottom').toBeLessThan(done);
      const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
      expect(scrollWidth, 'no sideways scrolling').toBeLessThanOrEqual(390);
      await shot(page, '10-board-phone.png');
      await page.getByRole('button', { name: 'Toggle navigation' }).click();
      await expect(page.locator('#main-nav.show')).toBeVisible();
      await expect(page.getByRole('button', { name: 'Log out' })).toBeVisible();
      await shot(page, '12-navbar-phone.png', { fullPage: false });
      await page.goto(`${projectUrl}/reports`);
      await expect(page.getByRole('list', { name: 'Past exports' }).getByRole('button', { name: /^Download CSV/ })).toBeVisible();
      const reportsWidth = await page.evaluate(() => document.documentElement.scrollWidth);
      expect(reportsWidth, 'the reports page does not scroll sideways').toBeLessThanOrEqual(390);
    });
  });

  test.describe('in a dark system', () => {
    test.use({ colorScheme: 'dark' });

    test('the theme follows a dark system, and the choice of light sticks', async ({ page, app, shot }) => {
      await logIn(page, app, acme.subdomain, acme.email, acme.password);
      await page.goto(projectUrl);
      await expect(column(page, 'Done').getByText('Design mockups', { exact: true })).toBeVisible();
      const html = page.locator('html');
      await expect(html, 'a dark system gets the dark theme').toHaveAttribute('data-bs-theme', 'dark');
      await shot(page, '13-board-dark.png', { fullPage: false });
      await page.getByLabel('Theme').selectOption('light');
      await expect(html, 'choosing light applies at once').toHaveAttribute('data-bs-theme', 'light');
      await page.reload();
      await expect(column(page, 'Done').getByText('Design mockups', { exact: true })).toBeVisible();
      await expect(html, 'the choice survives a reload').toHaveAttribute('data-bs-theme', 'light');
    });
  });
});
