// Joining and recovering through the browser, in an organization of its own: an admin invites
// a person, who opens the link in a browser of their own and joins as a member; a revoked link
// fails clearly; repeated wrong passwords are throttled with the wait shown; "Log out" and "Log
// out everywhere" make the old token useless; a forgotten password is reset by the link the
// backend mails (to its log, as no SMTP relay is configured); a task's history. The tests run in
// order and share the organization the first one makes.
import { readFileSync } from 'node:fs';
import type { Browser, Page } from '@playwright/test';
import { expect, logIn, signUp, test, type Organization } from './fixtures';

const org: Organization = { org: 'Harbor Lights', subdomain: 'harbor', owner: 'Hana Owner', email: 'hana@harbor.test', password: 'lighthouse-2030' };
const nia = { name: 'Nia Newcomer', email: 'nia@harbor.test', password: 'nia-password-1' };

/**
 * What the API says of `token` now: the status of `GET /api/v1/me`, asked from the page (on
 * the organization's origin), as Node does not resolve `*.localhost`.
 */
async function statusOf(page: Page, token: string): Promise<number> {
  return page.evaluate(
    async (bearer) => (await fetch('/api/v1/me', { headers: { Authorization: `Bearer ${bearer}` } })).status,
    token,
  );
}

const storedToken = (page: Page) => page.evaluate(() => window.localStorage.getItem('taskflow.token'));

/** The last link to `path` the backend mailed to `email` (written to its log). */
async function mailedLink(email: string, path: string): Promise<string> {
  const logFile = process.env.TASKFLOW_E2E_LOG;
  if (!logFile) throw new Error('TASKFLOW_E2E_LOG is not set: run the suite with its global setup');
  let link: string | undefined;
  await expect
    .poll(
      () => {
        const log = readFileSync(logFile, 'utf8');
        const at = log.lastIndexOf(email);
        if (at === -1) return undefined;
        const match = log.slice(at).match(new RegExp(`https?://[^\\s"]+${path}#token=[A-Za-z0-9_-]+`));
        link = match?.[0];
        return link;
      },
      { message: `a mail to ${email} with a ${path} link in the backend's log` },
    )
    .toBeTruthy();
  return link!;
}

async function newPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext();
  return context.newPage();
}

test.describe.serial('joining and recovering', () => {
  let inviteOther = '';

  test('an admin invites a person, who joins from the link as a member', async ({ page, app, shot, browser }) => {
    let link = '';
    await test.step('sign up, and invite Nia as a member from the members screen', async () => {
      await signUp(page, app, org);
      await page.getByRole('link', { name: 'Members' }).click();
      await expect(page.getByRole('heading', { name: 'Members', level: 1 })).toBeVisible();
      await expect(page.getByText('No pending invitations')).toBeVisible();
      await page.getByLabel('Address to invite').fill(nia.email);
      await page.getByLabel('Invite as').selectOption('member');
      await page.getByRole('button', { name: 'Create invitation link' }).click();
      const field = page.getByLabel('Invitation link');
      await expect(field).toHaveValue(new RegExp(`^${app.tenant(org.subdomain)}/invite#token=`));
      link = await field.inputValue();
      await page.getByRole('button', { name: 'Copy link' }).click();
      await expect(page.getByRole('button', { name: 'Copied' }).or(page.getByText('Copying is not available here'))).toBeVisible();
      const pending = page.getByRole('table', { name: 'Pending invitations' });
      await expect(pending.getByRole('row', { name: new RegExp(nia.email) })).toContainText('Member');
      await shot(page, '30-invitations.png');
    });

    await test.step('a second invitation, kept for the revoke test', async () => {
      await page.getByLabel('Address to invite').fill('ole@harbor.test');
      await page.getByRole('button', { name: 'Create invitation link' }).click();
      await expect(page.getByLabel('Invitation link')).toHaveValue(/invite#token=/);
      inviteOther = await page.getByLabel('Invitation link').inputValue();
    });

    await test.step('Nia opens the link in a browser of her own and joins', async () => {
      const invitee = await newPage(browser);
      await invitee.goto(link);
      await expect(invitee.getByRole('heading', { name: 'Join your team', level: 1 })).toBeVisible();
      await expect(invitee.getByText(`Hana Owner invites you to ${org.org} on TaskFlow, as a member.`)).toBeVisible();
      await expect(invitee.getByTestId('invite-email')).toHaveText(nia.email);
      await shot(invitee, '31-accept-invitation.png');
      await invitee.getByLabel('Your name').fill(nia.name);
      await invitee.getByLabel('Choose a password').fill(nia.password);
      await invitee.getByRole('button', { name: `Join ${org.org}` }).click();
      await expect(invitee).toHaveURL(`${app.tenant(org.subdomain)}/`);
      await expect(invitee.getByRole('heading', { name: 'Projects', level: 1 })).toBeVisible();
      await expect(invitee.getByTestId('current-user')).toContainText(nia.name);
      await invitee.getByRole('link', { name: 'Members' }).click();
      await expect(invitee.getByText('Only owners and admins can add members or change roles.')).toBeVisible();
      await expect(invitee.getByRole('row', { name: new RegExp(nia.email) })).toContainText('Member');
      // The link worked once.
      await invitee.goto(link);
      await expect(invitee.getByText('This invitation link does not work')).toBeVisible();
      await invitee.context().close();
    });

    await test.step('the owner sees Nia among the members, no longer invited', async () => {
      await page.reload();
      await expect(page.getByRole('table', { name: 'Members of this organization' }).getByRole('row', { name: new RegExp(nia.email) })).toBeVisible();
      await expect(page.getByRole('table', { name: 'Pending invitations' }).getByRole('row', { name: new RegExp(nia.email) })).toHaveCount(0);
    });
  });

  test('a revoked invitation link fails clearly', async ({ page, app, shot, browser }) => {
    await logIn(page, app, org.subdomain, org.email, org.password);
    await page.getByRole('link', { name: 'Members' }).click();
    const row = page.getByRole('table', { name: 'Pending invitations' }).getByRole('row', { name: /ole@harbor\.test/ });
    await row.getByRole('button', { name: 'Revoke the invitation of ole@harbor.test' }).click();
    await row.getByRole('button', { name: 'Revoke for good the invitation of ole@harbor.test' }).click();
    await expect(page.getByText('No pending invitations')).toBeVisible();

    const invitee = await newPage(browser);
    await invitee.goto(inviteOther);
    await expect(invitee.getByRole('heading', { name: 'This invitation link does not work' })).toBeVisible();
    await expect(invitee.getByText('It was already used, withdrawn, or it has expired.')).toBeVisible();
    await expect(invitee.getByLabel('Your name')).toHaveCount(0);
    await shot(invitee, '32-invitation-revoked.png');
    await invitee.context().close();
  });

  test('"Log out" and "Log out everywhere" make the old tokens useless', async ({ page, app, browser }) => {
    await logIn(page, app, org.subdomain, nia.email, nia.password);
    const first = await storedToken(page);
    expect(first).toBeTruthy();
    expect(await statusOf(page, first!)).toBe(200);
    await page.getByRole('button', { name: 'Log out' }).click();
    await expect(page.getByRole('heading', { name: 'Log in' })).toBeVisible();
    expect(await storedToken(page)).toBeNull();
    expect(await statusOf(page, first!), 'a logged-out token is refused').toBe(401);

    // Two sessions: "Log out everywhere" on one ends the other too.
    const other = await newPage(browser);
    await logIn(other, app, org.subdomain, nia.email, nia.password);
    const otherToken = await storedToken(other);
    await logIn(page, app, org.subdomain, nia.email, nia.password);
    const second = await storedToken(page);
    await page.goto(`${app.tenant(org.subdomain)}/account`);
    await page.getByRole('button', { name: 'Log out everywhere' }).click();
    await expect(page.getByText('You are logged out on every device.')).toBeVisible();
    expect(await statusOf(page, second!)).toBe(401);
    expect(await statusOf(page, otherToken!)).toBe(401);
    await other.context().close();
  });

  test('a forgotten password is reset by the mailed link', async ({ page, app, shot }) => {
    const newPassword = 'a-fresh-lighthouse-9';
    await page.goto(`${app.tenant(org.subdomain)}/login`);
    await page.getByRole('link', { name: 'Forgot password?' }).click();
    await expect(page).toHaveURL(`${app.tenant(org.subdomain)}/forgot-password`);
    await expect(page.getByRole('heading', { name: 'Reset your password', level: 1 })).toBeVisible();
    await shot(page, '33-forgot-password.png');
    await page.getByLabel('Email').fill(nia.email);
    await page.getByRole('button', { name: 'Send me a reset link' }).click();
    await expect(page.getByRole('status')).toContainText(`If an account exists for ${nia.email}, a link to choose a new password was sent to it.`);
    await shot(page, '34-reset-link-sent.png');

    const link = await mailedLink(nia.email, '/reset-password');
    expect(link.startsWith(`${app.tenant(org.subdomain)}/reset-password#token=`)).toBe(true);
    await page.goto(link);
    await expect(page.getByRole('heading', { name: 'Choose a new password', level: 1 })).toBeVisible();
    await shot(page, '35-reset-password.png');
    await page.getByLabel('New password', { exact: true }).fill(newPassword);
    await page.getByLabel('New password, again').fill(newPassword);
    await page.getByRole('button', { name: 'Set new password' }).click();
    await expect(page).toHaveURL(`${app.tenant(org.subdomain)}/login`);
    await expect(page.getByText('Your password is changed. Log in with the new one.')).toBeVisible();
    await shot(page, '36-login-after-reset.png');

    // The old password is gone, the new one works, and the link works once.
    await page.getByLabel('Email').fill(nia.email);
    await page.getByLabel('Password').fill(nia.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect(page.getByText('Wrong email or password.')).toBeVisible();
    await logIn(page, app, org.subdomain, nia.email, newPassword);
    nia.password = newPassword;
    await page.goto(link);
    await page.getByLabel('New password', { exact: true }).fill('yet-another-one-1');
    await page.getByLabel('New password, again').fill('yet-another-one-1');
    await page.getByRole('button', { name: 'Set new password' }).click();
    await expect(page.getByText(/This reset link does not work/)).toBeVisible();
  });

  test("a task's history names who changed what", async ({ page, app, shot }) => {
    await logIn(page, app, org.subdomain, org.email, org.password);
    await page.getByRole('button', { name: 'New project' }).first().click();
    const dialog = page.getByRole('dialog', { name: 'New project' });
    await dialog.getByLabel('Name').fill('Beacon');
    await dialog.getByRole('button', { name: 'Create project' }).click();
    await page.getByRole('link', { name: 'Beacon' }).click();
    await page.getByRole('button', { name: 'New task' }).click();
    const task = page.getByRole('dialog', { name: 'New task' });
    await task.getByLabel('Title').fill('Polish the lens');
    await task.getByRole('button', { name: 'Create task' }).click();
    await page.getByRole('link', { name: 'Polish the lens' }).first().click();
    await expect(page.getByRole('heading', { name: 'Polish the lens', level: 1 })).toBeVisible();
    const history = page.getByRole('list', { name: 'History' });
    await expect(history).toContainText('Hana Owner created the task');
    await page.getByLabel('Status').selectOption('in_progress');
    await expect(history).toContainText('Status: To do → to In progress');
    await shot(page, '37-task-history.png');
  });

  test('repeated wrong passwords are throttled, with the wait shown', async ({ page, app, shot }) => {
    await page.goto(`${app.tenant(org.subdomain)}/login`);
    await page.getByLabel('Email').fill(org.email);
    const alert = page.getByRole('alert');
    for (let i = 0; i < 6; i++) {
      await page.getByLabel('Password').fill(`wrong password ${i}`);
      await page.getByRole('button', { name: 'Log in' }).click();
      await expect(alert).toBeVisible();
      if ((await alert.textContent())?.includes('Too many failed attempts')) break;
      await expect(alert).toHaveText('Wrong email or password.');
    }
    await expect(alert).toHaveText(/Too many failed attempts\. For your safety, logging in is paused: try again in \d+ (seconds|minutes?)\./);
    // Even the right password waits.
    await page.getByLabel('Password').fill(org.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect(alert).toContainText('Too many failed attempts');
    await shot(page, '38-login-throttled.png');
  });

  test.describe('in a dark system', () => {
    test.use({ colorScheme: 'dark' });

    test('the new screens read in the dark theme', async ({ page, app, shot }) => {
      await page.goto(`${app.tenant(org.subdomain)}/forgot-password`);
      await expect(page.locator('html')).toHaveAttribute('data-bs-theme', 'dark');
      await shot(page, '39-forgot-password-dark.png');
      await page.goto(`${app.tenant(org.subdomain)}/invite#token=nothing`);
      await expect(page.getByText('This invitation link does not work')).toBeVisible();
      await shot(page, '40-invitation-dark.png');
      await logIn(page, app, org.subdomain, nia.email, nia.password);
      await page.getByRole('link', { name: 'Beacon' }).click();
      await page.getByRole('link', { name: 'Polish the lens' }).first().click();
      await expect(page.getByRole('list', { name: 'History' })).toContainText('Status: To do → to In progress');
      await shot(page, '41-task-history-dark.png');
    });
  });
});
