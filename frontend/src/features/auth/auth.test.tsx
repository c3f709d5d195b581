import { api } from '../../api/client';
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter } from 'react-router';
import { QueryClientProvider } from '@tanstack/react-query';
import { render } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { getToken, setToken } from '../../api/token';
import { TenantRoutes } from '../../app/App';
import { createQueryClient } from '../../app/queryClient';
import { createProject, enterTenant, signupTenant, type TestTenant } from '../../test/tenant';

function renderTenantApp(t: TestTenant, path = '/') {
  return render(
    <QueryClientProvider client={createQueryClient()}>
      <MemoryRouter initialEntries={[path]}>
        <TenantRoutes subdomain={t.tenant.subdomain} baseHost="localhost" />
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

describe('logging in', () => {
  it('sends a visitor without a token to the login page, then into the app', async () => {
    const t = await signupTenant();
    enterTenant(t);
    await createProject('Roadmap');
    window.localStorage.clear();
    renderTenantApp(t);

    expect(await screen.findByRole('heading', { name: 'Log in' })).toBeInTheDocument();
    const user = userEvent.setup({ delay: null });
    await user.type(screen.getByLabelText('Email'), t.owner.email);
    await user.type(screen.getByLabelText('Password'), 'wrong password');
    await user.click(screen.getByRole('button', { name: 'Log in' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Wrong email or password.');
    expect(getToken()).toBeNull();

    await user.clear(screen.getByLabelText('Password'));
    await user.type(screen.getByLabelText('Password'), t.password);
    await user.click(screen.getByRole('button', { name: 'Log in' }));
    expect(await screen.findByRole('link', { name: 'Roadmap' })).toBeInTheDocument();
    expect(getToken()).not.toBeNull();
    expect(await screen.findByTestId('tenant-name')).toHaveTextContent(t.tenant.name);
    expect(screen.getByTestId('current-user')).toHaveTextContent('Olive Owner');
  });

  it('a 401 from the API clears the token and shows the login page', async () => {
    const t = await signupTenant();
    enterTenant(t);
    setToken('expired.or.forged');
    renderTenantApp(t, '/members');

    expect(await screen.findByRole('heading', { name: 'Log in' })).toBeInTheDocument();
    expect(screen.getByText('Your session has ended. Please log in again.')).toBeInTheDocument();
    await waitFor(() => expect(getToken()).toBeNull());
  });

  it('logging out forgets the token and revokes it on the server', async () => {
    const t = await signupTenant();
    enterTenant(t);
    renderTenantApp(t);
    const user = userEvent.setup({ delay: null });
    await screen.findByText('No projects yet');
    await user.click(await screen.findByRole('button', { name: 'Log out' }));
    expect(await screen.findByRole('heading', { name: 'Log in' })).toBeInTheDocument();
    expect(getToken()).toBeNull();
    // The old token is refused from now on, by the real server.
    await waitFor(async () => {
      const status = await api
        .get('/api/v1/me', { headers: { Authorization: `Bearer ${t.token}` } })
        .then((r) => r.status)
        .catch((e: { status?: number }) => e.status);
      expect(status).toBe(401);
    });
  });
});
