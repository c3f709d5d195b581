import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { api } from '../../api/client';
import { setToken } from '../../api/token';
import type { Page, User } from '../../api/types';
import { renderAt } from '../../test/render';
import { enterTenant, signupTenant } from '../../test/tenant';
import { MembersPage } from './MembersPage';

describe('MembersPage', () => {
  it('lets an owner add a member and change a role', async () => {
    const t = await signupTenant();
    enterTenant(t);
    renderAt('/members', <MembersPage />);
    const user = userEvent.setup({ delay: null });

    await screen.findByText(t.owner.email);
    // The form appears once the page knows the viewer is an owner, which may be after the list.
    const heading = await screen.findByRole('heading', { name: 'Add a member' });
    const form = heading.closest('form')?.parentElement ?? document.body;
    await user.type(within(form).getByLabelText('Name'), 'Max Member');
    await user.type(within(form).getByLabelText('Email'), `max@${t.tenant.subdomain}.test`);
    await user.type(within(form).getByLabelText('Initial password'), 'password123');
    await user.click(within(form).getByRole('button', { name: 'Add member' }));
    expect(await screen.findByText('Max Member was added.')).toBeInTheDocument();
    const role = await screen.findByLabelText('Role of Max Member');
    expect(role).toHaveValue('member');

    await user.selectOptions(role, 'admin');
    await waitFor(async () => {
      const { data } = await api.get<Page<User>>('/api/v1/users');
      expect(data.items.find((u) => u.name === 'Max Member')?.role).toBe('admin');
    });
    expect(screen.getByLabelText('Role of Max Member')).toHaveValue('admin');
  });

  it('lets an owner remove a member after a second click, never themselves', async () => {
    const t = await signupTenant();
    enterTenant(t);
    await api.post('/api/v1/users', { email: `gone@${t.tenant.subdomain}.test`, name: 'Gus Gone', password: 'password123', role: 'member' });
    renderAt('/members', <MembersPage />);
    const user = userEvent.setup({ delay: null });

    const remove = await screen.findByRole('button', { name: 'Remove Gus Gone' });
    expect(screen.queryByRole('button', { name: 'Remove Olive Owner' })).toBeNull();
    await user.click(remove);
    // The first click only asks.
    const { data: before } = await api.get<Page<User>>('/api/v1/users');
    expect(before.items.map((u) => u.name)).toContain('Gus Gone');
    await user.click(screen.getByRole('button', { name: 'Remove Gus Gone for good' }));
    await waitFor(() => expect(screen.queryByText('Gus Gone')).toBeNull());
    const { data: after } = await api.get<Page<User>>('/api/v1/users');
    expect(after.items.map((u) => u.name)).toEqual(['Olive Owner']);
  });

  it('shows members a read-only list', async () => {
    const t = await signupTenant();
    enterTenant(t);
    const email = `mia@${t.tenant.subdomain}.test`;
    await api.post('/api/v1/users', { name: 'Mia Member', email, password: 'password123', role: 'member' });
    const { data } = await api.post<{ token: string }>('/api/v1/auth/login', { email, password: 'password123' });
    setToken(data.token);
    renderAt('/members', <MembersPage />);

    expect(await screen.findByText('Only owners and admins can add members or change roles.')).toBeInTheDocument();
    expect(await screen.findByText('Olive Owner')).toBeInTheDocument();
    expect(screen.queryByRole('combobox')).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Add member' })).not.toBeInTheDocument();
  });

  it("shows the API's message when the email is taken", async () => {
    const t = await signupTenant();
    enterTenant(t);
    renderAt('/members', <MembersPage />);
    const user = userEvent.setup({ delay: null });
    await screen.findByText(t.owner.email);
    await user.type(await screen.findByLabelText('Name'), 'Twin');
    await user.type(screen.getByLabelText('Email'), t.owner.email);
    await user.type(screen.getByLabelText('Initial password'), 'password123');
    await user.click(screen.getByRole('button', { name: 'Add member' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('A user with this email already exists.');
  });
});
