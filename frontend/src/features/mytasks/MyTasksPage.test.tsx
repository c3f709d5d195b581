import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { api } from '../../api/client';
import type { User } from '../../api/types';
import { renderAt } from '../../test/render';
import { recordRequests } from '../../test/requests';
import { createProject, createTask, createTasks, enterTenant, signupTenant } from '../../test/tenant';
import { MyTasksPage } from './MyTasksPage';

/** The tasks listed, top to bottom, each as "title · project". */
async function listed() {
  const list = await screen.findByRole('list', { name: 'My tasks' });
  return within(list)
    .getAllByRole('listitem')
    .map((li) => `${within(li).getByRole('heading').textContent} · ${within(li).getByTestId('task-project').textContent}`);
}

describe('MyTasksPage', () => {
  it("lists only the caller's tasks, across projects, each with its project", async () => {
    const t = await signupTenant();
    enterTenant(t);
    const { data: member } = await api.post<User>('/api/v1/users', {
      email: `mia@${t.tenant.subdomain}.test`,
      name: 'Mia Member',
      password: 'password123',
      role: 'member',
    });
    const alpha = await createProject('Alpha');
    const beta = await createProject('Beta');
    const mine = await createTask(alpha.id, { title: 'Mine in Alpha', assignee_id: t.owner.id, priority: 'low' });
    await createTask(alpha.id, { title: 'Mia’s', assignee_id: member.id });
    await createTask(beta.id, { title: 'Mine in Beta', assignee_id: t.owner.id, status: 'done', priority: 'high' });
    await createTask(beta.id, { title: 'Nobody’s' });
    const other = await signupTenant();
    enterTenant(other);
    await createTask((await createProject('Elsewhere')).id, { title: 'Another organization’s', assignee_id: other.owner.id });
    enterTenant(t);
    const requests = recordRequests();
    renderAt('/my-tasks', <MyTasksPage />);

    expect(await screen.findByRole('heading', { name: 'My tasks', level: 1 })).toBeInTheDocument();
    await waitFor(async () => expect(await listed()).toEqual(['Mine in Alpha · Alpha', 'Mine in Beta · Beta']));
    expect(screen.getByRole('link', { name: 'Mine in Alpha' })).toHaveAttribute('href', `/projects/${alpha.id}/tasks/${mine.id}`);
    expect(requests).toContain('GET /api/v1/tasks?assignee_id=me&limit=50');
    await waitFor(() => expect(document.title).toBe('My tasks · TaskFlow'));

    const user = userEvent.setup({ delay: null });
    await user.selectOptions(screen.getByLabelText('Status'), 'Done');
    await waitFor(async () => expect(await listed()).toEqual(['Mine in Beta · Beta']));
    await user.selectOptions(screen.getByLabelText('Status'), '');
    await user.selectOptions(screen.getByLabelText('Sort'), 'Priority');
    await waitFor(async () => expect(await listed()).toEqual(['Mine in Beta · Beta', 'Mine in Alpha · Alpha']));
    await user.selectOptions(screen.getByLabelText('Due'), 'Overdue');
    expect(await screen.findByText('None of your tasks matches these filters')).toBeInTheDocument();
  });

  it('reads the next page on "Show more"', async () => {
    const t = await signupTenant();
    enterTenant(t);
    const project = await createProject('Many');
    await createTasks(project.id, 52, (i) => ({ title: `Mine ${String(i).padStart(2, '0')}`, assignee_id: t.owner.id }));
    renderAt('/my-tasks', <MyTasksPage />);

    const list = await screen.findByRole('list', { name: 'My tasks' });
    await within(list).findByText('Mine 01');
    expect(within(list).getAllByRole('listitem')).toHaveLength(50);
    const user = userEvent.setup({ delay: null });
    await user.click(screen.getByRole('button', { name: 'Show more' }));
    await within(list).findByText('Mine 52');
    expect(within(list).getAllByRole('listitem')).toHaveLength(52);
    expect(screen.queryByRole('button', { name: 'Show more' })).toBeNull();
    await waitFor(() => expect(screen.getByRole('link', { name: 'Mine 51' })).toHaveFocus());
  });
});
