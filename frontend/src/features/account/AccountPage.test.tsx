import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { api } from '../../api/client';
import { getToken } from '../../api/token';
import { renderAt } from '../../test/render';
import { enterTenant, signupTenant } from '../../test/tenant';
import { AccountPage } from './AccountPage';

/** What the real server says of a token now. */
const statusOf = (token: string) =>
  api
    .get('/api/v1/me', { headers: { Authorization: `Bearer ${token}` } })
    .then((r) => r.status)
    .catch((e: { status?: number }) => e.status);

describe('AccountPage', () => {
  it('refuses a wrong current password, then changes it and ends the session', async () => {
    const t = await signupTenant();
    enterTenant(t);
    renderAt('/account', <AccountPage />, { '/login': <h1>Log in</h1> });
    const user = userEvent.setup({ delay: null });

    await user.type(screen.getByLabelText('Current password'), 'not my password');
    await user.type(screen.getByLabelText('New password'), 'a brand new password');
    await user.click(screen.getByRole('button', { name: 'Change password' }));
    expect(await screen.findByText('is not your current password')).toBeInTheDocument();
    expect(await statusOf(t.token)).toBe(200);

    await user.clear(screen.getByLabelText('Current password'));
    await user.type(screen.getByLabelText('Current password'), t.password);
    await user.click(screen.getByRole('button', { name: 'Change password' }));
    expect(await screen.findByRole('heading', { name: 'Log in' })).toBeInTheDocument();
    expect(getToken()).toBeNull();
    expect(await statusOf(t.token)).toBe(401);
  });

  it('logs out everywhere', async () => {
    const t = await signupTenant();
    enterTenant(t);
    const other = (await api.post<{ token: string }>('/api/v1/auth/login', { email: t.owner.email, password: t.password })).data.token;
    renderAt('/account', <AccountPage />, { '/login': <h1>Log in</h1> });
    const user = userEvent.setup({ delay: null });
    await user.click(screen.getByRole('button', { name: 'Log out everywhere' }));
    expect(await screen.findByRole('heading', { name: 'Log in' })).toBeInTheDocument();
    await waitFor(async () => expect(await statusOf(other)).toBe(401));
    expect(await statusOf(t.token)).toBe(401);
  });
});
