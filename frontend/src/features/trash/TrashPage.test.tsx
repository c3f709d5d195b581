import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { api } from '../../api/client';
import { setToken } from '../../api/token';
import type { Page, Project, Trash } from '../../api/types';
import { Layout } from '../../app/Layout';
import { renderAt } from '../../test/render';
import { createProject, createTask, enterTenant, signupTenant, type TestTenant } from '../../test/tenant';
import { BoardPage } from '../board/BoardPage';
import { ProjectsPage } from '../projects/ProjectsPage';
import { formatDay } from './dates';
import { TrashPage } from './TrashPage';

/** A project with `tasks` tasks, moved to the trash through the API. */
async function trashedProject(name: string, tasks: string[] = []): Promise<Project> {
  const project = await createProject(name);
  for (const title of tasks) await createTask(project.id, { title });
  await api.delete(`/api/v1/projects/${project.id}`);
  return project;
}

async function liveProjectNames(): Promise<string[]> {
  const { data } = await api.get<Page<Project>>('/api/v1/projects');
  return data.items.map((p) => p.name);
}

async function trashNames(): Promise<string[]> {
  const { data } = await api.get<Trash>('/api/v1/trash');
  return data.items.map((p) => p.name);
}

/** Adds a member to `t` and continues as them. */
async function becomeMember(t: TestTenant): Promise<void> {
  const email = `mia@${t.tenant.subdomain}.test`;
  await api.post('/api/v1/users', { name: 'Mia Member', email, password: 'member-password', role: 'member' });
  const { data } = await api.post<{ token: string }>('/api/v1/auth/login', { email, password: 'member-password' });
  setToken(data.token);
}

describe('TrashPage', () => {
  it('says when the trash is empty', async () => {
    enterTenant(await signupTenant());
    renderAt('/trash', <TrashPage />);
    expect(await screen.findByText('The trash is empty')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Back to projects' })).toHaveAttribute('href', '/');
  });

  it('lists a deleted project with its tasks, when it was deleted and when it goes', async () => {
    enterTenant(await signupTenant());
    await trashedProject('Old website', ['Pick fonts', 'Write copy']);
    await trashedProject('Empty idea');
    const { data } = await api.get<Trash>('/api/v1/trash');
    renderAt('/trash', <TrashPage />);

    const list = await screen.findByRole('list', { name: 'Projects in the trash' });
    const rows = within(list).getAllByRole('listitem');
    // Most recently deleted first.
    expect(rows.map((row) => within(row).getByRole('heading').textContent)).toEqual(['Empty idea', 'Old website']);
    const old = rows[1];
    const purgeAt = data.items.find((p) => p.name === 'Old website')?.purge_at ?? '';
    expect(old).toHaveTextContent(`2 tasks · Deleted just now · Purged on ${formatDay(purgeAt)}`);
    expect(rows[0]).toHaveTextContent('No tasks');
    expect(within(old).getByRole('button', { name: 'Restore “Old website”' })).toBeEnabled();
    expect(within(old).getByRole('button', { name: 'Delete forever “Old website”' })).toBeEnabled();
  });

  it('restores a project: it leaves the trash and is back in the projects list, board and all', async () => {
    enterTenant(await signupTenant());
    await trashedProject('Launch plan', ['Book the venue']);
    renderAt('/trash', <TrashPage />, { '/': <ProjectsPage />, '/projects/:projectId': <BoardPage /> });
    const user = userEvent.setup({ delay: null });

    await user.click(await screen.findByRole('button', { name: 'Restore “Launch plan”' }));
    const notice = await screen.findByText(/is back in your projects/);
    expect(notice.closest('[role="status"]')).toHaveTextContent('Launch plan is back in your projects');
    expect(await screen.findByText('The trash is empty')).toBeInTheDocument();
    expect(await liveProjectNames()).toEqual(['Launch plan']);
    expect(await trashNames()).toEqual([]);

    await user.click(screen.getByRole('link', { name: 'Open its board' }));
    expect(await screen.findByRole('heading', { name: 'Launch plan', level: 1 })).toBeInTheDocument();
    expect(await screen.findByText('Book the venue')).toBeInTheDocument();
    await user.click(screen.getByRole('link', { name: 'Projects' }));
    expect(await screen.findByRole('link', { name: 'Launch plan' })).toBeInTheDocument();
  });

  it('deletes a project forever after a confirmation naming it; its name is free again', async () => {
    enterTenant(await signupTenant());
    await trashedProject('Scrapped', ['One task']);
    await trashedProject('Kept for now');
    renderAt('/trash', <TrashPage />);
    const user = userEvent.setup({ delay: null });

    await user.click(await screen.findByRole('button', { name: 'Delete forever “Scrapped”' }));
    let dialog = await screen.findByRole('dialog', { name: 'Delete “Scrapped” forever' });
    expect(dialog).toHaveTextContent('Scrapped will be deleted for good, with everything in it: 1 task with their comments');
    expect(dialog).toHaveTextContent('This cannot be undone.');
    // Cancel keeps it.
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(await trashNames()).toContain('Scrapped');

    await user.click(screen.getByRole('button', { name: 'Delete forever “Scrapped”' }));
    dialog = await screen.findByRole('dialog', { name: 'Delete “Scrapped” forever' });
    await user.click(within(dialog).getByRole('button', { name: 'Delete forever' }));
    expect(await screen.findByText(/was deleted for good/)).toHaveTextContent('Scrapped was deleted for good.');
    await waitFor(() => expect(screen.queryByRole('heading', { name: 'Scrapped' })).toBeNull());
    expect(screen.getByRole('heading', { name: 'Kept for now' })).toBeInTheDocument();
    expect(await trashNames()).toEqual(['Kept for now']);
    // Gone for good: the name is free, and the old project cannot come back.
    expect((await api.post<Project>('/api/v1/projects', { name: 'Scrapped' })).status).toBe(201);
  });

  it('shows why a restore failed when the project is no longer in the trash', async () => {
    enterTenant(await signupTenant());
    const project = await trashedProject('Raced');
    renderAt('/trash', <TrashPage />);
    const user = userEvent.setup({ delay: null });

    const restore = await screen.findByRole('button', { name: 'Restore “Raced”' });
    // Someone else purges it meanwhile.
    await api.delete(`/api/v1/trash/${project.id}`);
    await user.click(restore);
    expect(await screen.findByRole('alert')).toHaveTextContent('This does not exist, or no longer does.');
    expect(await screen.findByText('The trash is empty')).toBeInTheDocument();
  });

  it('tells a member that only owners and admins see the trash', async () => {
    const t = await signupTenant();
    enterTenant(t);
    await trashedProject('Secret');
    await becomeMember(t);
    renderAt('/trash', <TrashPage />);

    expect(await screen.findByText('Only owners and admins can see the trash.')).toBeInTheDocument();
    expect(screen.queryByText('Secret')).toBeNull();
    expect(screen.queryByRole('button', { name: /Restore/ })).toBeNull();
  });

  it('shows an error state when the trash cannot be read', async () => {
    enterTenant(await signupTenant());
    api.defaults.headers.common.Host = 'nobody-here.localhost';
    renderAt('/trash', <TrashPage />);
    expect(await screen.findByRole('alert')).toHaveTextContent('There is no organization at this address.');
  });
});

describe('the navbar', () => {
  it('links the trash for an owner', async () => {
    enterTenant(await signupTenant());
    renderAt('/', <Layout />);
    expect(await screen.findByRole('link', { name: 'Trash' })).toHaveAttribute('href', '/trash');
  });

  it('has no trash link for a member', async () => {
    const t = await signupTenant();
    enterTenant(t);
    await becomeMember(t);
    renderAt('/', <Layout />);
    expect(await screen.findByTestId('current-user')).toHaveTextContent('Mia Member (Member)');
    expect(screen.getByRole('link', { name: 'Members' })).toBeInTheDocument();
    expect(screen.queryByRole('link', { name: 'Trash' })).toBeNull();
  });
});
