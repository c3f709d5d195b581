import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { api } from '../../api/client';
import { setToken } from '../../api/token';
import type { Me, Page, Project, Trash } from '../../api/types';
import { meKey } from '../auth/queries';
import { renderAt } from '../../test/render';
import { createProject, enterTenant, signupTenant } from '../../test/tenant';
import { TrashPage } from '../trash/TrashPage';
import { ProjectsPage } from './ProjectsPage';

describe('ProjectsPage', () => {
  it('starts empty, then creates, renames and deletes a project', async () => {
    const t = await signupTenant();
    enterTenant(t);
    renderAt('/', <ProjectsPage />);
    const user = userEvent.setup({ delay: null });

    expect(await screen.findByText('No projects yet')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'New project' }));
    let dialog = await screen.findByRole('dialog', { name: 'New project' });
    await user.type(within(dialog).getByLabelText('Name'), 'Mobile app');
    await user.type(within(dialog).getByLabelText('Description'), 'iOS and Android');
    await user.click(within(dialog).getByRole('button', { name: 'Create project' }));
    expect(await screen.findByRole('link', { name: 'Mobile app' })).toBeInTheDocument();
    expect(screen.getByText('iOS and Android')).toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'Rename Mobile app' }));
    dialog = await screen.findByRole('dialog', { name: 'Rename project' });
    const name = within(dialog).getByLabelText('Name');
    await user.clear(name);
    await user.type(name, 'Phone app');
    await user.click(within(dialog).getByRole('button', { name: 'Save' }));
    expect(await screen.findByRole('link', { name: 'Phone app' })).toBeInTheDocument();

    await user.click(await screen.findByRole('button', { name: 'Delete Phone app' }));
    dialog = await screen.findByRole('dialog', { name: 'Delete project' });
    await user.click(within(dialog).getByRole('button', { name: 'Delete project' }));
    expect(await screen.findByText('No projects yet')).toBeInTheDocument();
    const { data } = await api.get<Page<Project>>('/api/v1/projects');
    expect(data.items).toEqual([]);
  });

  it('offers to undo a deletion, and leads to the trash', async () => {
    const t = await signupTenant();
    enterTenant(t);
    await createProject('Hiring');
    renderAt('/', <ProjectsPage />, { '/trash': <TrashPage /> });
    const user = userEvent.setup({ delay: null });

    await user.click(await screen.findByRole('button', { name: 'Delete Hiring' }));
    let dialog = await screen.findByRole('dialog', { name: 'Delete project' });
    await user.click(within(dialog).getByRole('button', { name: 'Delete project' }));
    await waitFor(() => expect(screen.queryByRole('link', { name: 'Hiring' })).toBeNull());
    const status = screen.getByRole('status');
    expect(status).toHaveTextContent('Moved to the trash');
    expect(status).toHaveTextContent('Hiring is in the trash with its tasks, comments and reports.');
    // The card that had the focus is gone: the undo takes it.
    const undo = within(status).getByRole('button', { name: 'Undo' });
    await waitFor(() => expect(undo).toHaveFocus());

    await user.click(undo);
    expect(await within(status).findByText(/is back in your projects/)).toHaveTextContent('Hiring is back in your projects.');
    expect(await screen.findByRole('link', { name: 'Hiring' })).toBeInTheDocument();
    const { data: live } = await api.get<Page<Project>>('/api/v1/projects');
    expect(live.items.map((p) => p.name)).toEqual(['Hiring']);
    const { data: trash } = await api.get<Trash>('/api/v1/trash');
    expect(trash.items).toEqual([]);
    await user.click(within(status).getByRole('button', { name: 'Close' }));
    expect(screen.getByRole('status')).toBeEmptyDOMElement();

    // Deleted again, it is found in the trash.
    await user.click(screen.getByRole('button', { name: 'Delete Hiring' }));
    dialog = await screen.findByRole('dialog', { name: 'Delete project' });
    await user.click(within(dialog).getByRole('button', { name: 'Delete project' }));
    await user.click(await within(screen.getByRole('status')).findByRole('link', { name: 'Open the trash' }));
    expect(await screen.findByRole('heading', { name: 'Hiring' })).toBeInTheDocument();
  });

  it('offers a member no way to delete a project', async () => {
    const t = await signupTenant();
    enterTenant(t);
    await createProject('Kept');
    await api.post('/api/v1/users', { email: 'm@member.test', name: 'Mia Member', password: 'member-password', role: 'member' });
    const { data } = await api.post<{ token: string }>('/api/v1/auth/login', { email: 'm@member.test', password: 'member-password' });
    setToken(data.token);
    const { queryClient } = renderAt('/', <ProjectsPage />);

    await screen.findByRole('button', { name: 'Rename Kept' });
    // Once the page knows who is looking (a member), there is still no delete button.
    await waitFor(() => expect(queryClient.getQueryData<Me>(meKey)?.user.role).toBe('member'));
    expect(screen.queryByRole('button', { name: 'Delete Kept' })).toBeNull();
  });

  it("shows the API's message when a name is taken", async () => {
    const t = await signupTenant();
    enterTenant(t);
    await createProject('Taken');
    renderAt('/', <ProjectsPage />);
    const user = userEvent.setup({ delay: null });

    await screen.findByRole('link', { name: 'Taken' });
    await user.click(screen.getByRole('button', { name: 'New project' }));
    const dialog = await screen.findByRole('dialog', { name: 'New project' });
    await user.type(within(dialog).getByLabelText('Name'), 'Taken');
    await user.click(within(dialog).getByRole('button', { name: 'Create project' }));
    expect(await within(dialog).findByRole('alert')).toHaveTextContent('A project with this name already exists.');
    expect(screen.getByRole('dialog', { name: 'New project' })).toBeInTheDocument();
  });

  it('shows an error state when the list cannot be read', async () => {
    const t = await signupTenant();
    enterTenant(t);
    api.defaults.headers.common.Host = 'nobody-here.localhost';
    renderAt('/', <ProjectsPage />);
    await waitFor(() => expect(screen.getByRole('alert')).toBeInTheDocument());
    expect(screen.getByRole('alert')).toHaveTextContent('There is no organization at this address.');
    // Asking again would get the same answer: no "Try again" for it.
    expect(screen.queryByRole('button', { name: 'Try again' })).toBeNull();
  });
});
