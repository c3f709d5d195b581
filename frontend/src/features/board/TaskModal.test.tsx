import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { api } from '../../api/client';
import type { Task } from '../../api/types';
import { renderAt } from '../../test/render';
import { createProject, createTask, enterTenant, signupTenant } from '../../test/tenant';
import { TaskModal } from './TaskModal';

const current = async (id: string) => (await api.get<Task>(`/api/v1/tasks/${id}`)).data;

/** Someone else's change, made straight on the server while the form is open. */
async function changeBehindTheForm(id: string, changes: Partial<Task>) {
  await api.patch(`/api/v1/tasks/${id}`, changes);
}

describe('TaskModal editing', () => {
  it('sends only the fields the user changed', async () => {
    const t = await signupTenant();
    enterTenant(t);
    const project = await createProject();
    const task = await createTask(project.id, { title: 'Launch', priority: 'low' });
    let closed = false;
    renderAt('/', <TaskModal projectId={project.id} task={task} users={[t.owner]} onClose={() => (closed = true)} />);

    const user = userEvent.setup({ delay: null });
    await user.selectOptions(await screen.findByLabelText('Status'), 'done');
    await user.click(screen.getByRole('button', { name: 'Save task' }));
    await waitFor(() => expect(closed).toBe(true));
    const saved = await current(task.id);
    expect(saved.status).toBe('done');
    expect(saved.title).toBe('Launch');
    expect(saved.priority).toBe('low');
  });

  it("shows another person's change instead of overwriting it, and puts the user's on top when asked", async () => {
    const t = await signupTenant();
    enterTenant(t);
    const project = await createProject();
    const task = await createTask(project.id, { title: 'Launch', priority: 'low' });
    let closed = false;
    renderAt('/', <TaskModal projectId={project.id} task={task} users={[t.owner]} onClose={() => (closed = true)} />);

    const user = userEvent.setup({ delay: null });
    const title = await screen.findByLabelText('Title');
    // The owner renames the task and raises its priority while this form is open.
    await changeBehindTheForm(task.id, { title: 'Launch v2', priority: 'high' });
    await user.selectOptions(screen.getByLabelText('Status'), 'in_progress');
    await user.click(screen.getByRole('button', { name: 'Save task' }));

    const alert = await screen.findByRole('alert', { name: 'Someone else changed this task while you were editing' });
    const theirs = within(alert).getByRole('list', { name: 'Their changes' });
    expect(theirs).toHaveTextContent('Title: Launch → Launch v2');
    expect(theirs).toHaveTextContent('Priority: Low → High');
    expect(within(alert).getByText(/Your changes \(Status\) are not saved yet/)).toBeInTheDocument();
    // Nothing of the stale form reached the server.
    expect(await current(task.id)).toMatchObject({ title: 'Launch v2', priority: 'high', status: 'todo' });
    expect(title).toHaveValue('Launch');
    expect(closed).toBe(false);

    await user.click(within(alert).getByRole('button', { name: 'Save my changes on top' }));
    await waitFor(() => expect(closed).toBe(true));
    expect(await current(task.id)).toMatchObject({ title: 'Launch v2', priority: 'high', status: 'in_progress' });
  });

  it("keeps the other person's change when the user discards theirs", async () => {
    const t = await signupTenant();
    enterTenant(t);
    const project = await createProject();
    const task = await createTask(project.id, { title: 'Launch' });
    let closed = false;
    renderAt('/', <TaskModal projectId={project.id} task={task} users={[t.owner]} onClose={() => (closed = true)} />);

    const user = userEvent.setup({ delay: null });
    const title = await screen.findByLabelText('Title');
    await changeBehindTheForm(task.id, { title: 'Renamed by the owner' });
    await user.clear(title);
    await user.type(title, 'Renamed by me');
    await user.click(screen.getByRole('button', { name: 'Save task' }));
    const alert = await screen.findByRole('alert', { name: 'Someone else changed this task while you were editing' });
    await user.click(within(alert).getByRole('button', { name: 'Keep theirs, discard mine' }));
    await waitFor(() => expect(closed).toBe(true));
    expect((await current(task.id)).title).toBe('Renamed by the owner');
  });
});
