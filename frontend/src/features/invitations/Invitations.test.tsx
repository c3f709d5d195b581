import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { api } from '../../api/client';
import { getToken, setToken } from '../../api/token';
import type { CreatedInvitation, Me } from '../../api/types';
import { renderAt } from '../../test/render';
import { enterTenant, signupTenant } from '../../test/tenant';
import { MembersPage } from '../members/MembersPage';
import { AcceptInvitePage } from './AcceptInvitePage';

describe('invitations', () => {
  it('an owner invites by email and role, sees the link once, and revokes another', async () => {
    const t = await signupTenant();
    enterTenant(t);
    renderAt('/members', <MembersPage />);
    const user = userEvent.setup({ delay: null });

    expect(await screen.findByText('No pending invitations')).toBeInTheDocument();
    await user.type(screen.getByLabelText('Address to invite'), 'Ada@Example.test');
    await user.selectOptions(screen.getByLabelText('Invite as'), 'admin');
    await user.click(screen.getByRole('button', { name: 'Create invitation link' }));

    const link = (await screen.findByLabelText('Invitation link')) as HTMLInputElement;
    expect(link.value).toMatch(/\/invite#token=.+/);
    expect(screen.getByText(/is invited as admin/)).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Copy link' }));
    expect(await screen.findByRole('button', { name: 'Copied' })).toBeInTheDocument();

    const table = await screen.findByRole('table', { name: 'Pending invitations' });
    const row = await within(table).findByRole('row', { name: /ada@example\.test/ });
    expect(row).toHaveTextContent('Admin');
    expect(row).toHaveTextContent('Olive Owner');

    // The first click asks, the second withdraws.
    await user.click(within(row).getByRole('button', { name: /Revoke the invitation of ada@example.test/ }));
    await user.click(within(row).getByRole('button', { name: /Revoke for good/ }));
    expect(await screen.findByText('No pending invitations')).toBeInTheDocument();
    const token = new URL(link.value).hash.replace('#token=', '');
    const preview = await api.post('/api/v1/invitations/preview', { token }).catch((e: { status?: number }) => e.status);
    expect(preview).toBe(404);
  });

  it('the invitee previews the invitation, joins with a name and password, and is signed in', async () => {
    const t = await signupTenant();
    enterTenant(t);
    const { data } = await api.post<CreatedInvitation>('/api/v1/invitations', { email: 'bo@example.test', role: 'member' });
    window.localStorage.clear();
    renderAt(data.path, <AcceptInvitePage />, { '/': <h1>Projects</h1> }, '/invite');
    const user = userEvent.setup({ delay: null });

    expect(await screen.findByText(t.tenant.name, { selector: 'strong' })).toBeInTheDocument();
    expect(screen.getByTestId('invite-email')).toHaveTextContent('bo@example.test');
    expect(screen.getByText(/as a member/)).toBeInTheDocument();
    await user.type(screen.getByLabelText('Your name'), 'Bo Builder');
    await user.type(screen.getByLabelText('Choose a password'), 'bo-password-1');
    await user.click(screen.getByRole('button', { name: `Join ${t.tenant.name}` }));

    expect(await screen.findByRole('heading', { name: 'Projects' })).toBeInTheDocument();
    const token = getToken();
    expect(token).not.toBeNull();
    const me = (await api.get<Me>('/api/v1/me')).data;
    expect(me.user).toMatchObject({ email: 'bo@example.test', name: 'Bo Builder', role: 'member' });

    // The link works once.
    setToken(t.token);
    const again = await api.post('/api/v1/invitations/preview', { token: data.token }).catch((e: { status?: number }) => e.status);
    expect(again).toBe(404);
  });

  it('a used, withdrawn or missing link says so', async () => {
    const t = await signupTenant();
    enterTenant(t);
    window.localStorage.clear();
    renderAt('/invite#token=not-a-real-token', <AcceptInvitePage />, {}, '/invite');
    expect(await screen.findByText('This invitation link does not work')).toBeInTheDocument();
    await waitFor(() => expect(screen.queryByLabelText('Your name')).toBeNull());
  });
});
