import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { api } from '../../api/client';
import type { Task } from '../../api/types';
import { renderAt } from '../../test/render';
import { createProject, createTask, enterTenant, signupTenant } from '../../test/tenant';
import { BoardPage } from './BoardPage';
import { TaskDetailPage } from './TaskDetailPage';

const column = (name: string) => screen.findByRole('region', { name: new RegExp(`^${name}`) });

describe('BoardPage', () => {
  it('shows a column per status with the tasks in it', async () => {
    const t = await signupTenant();
    enterTenant(t);
    const project = await createProject('Launch');
    await createTask(project.id, { title: 'Draft copy', priority: 'low', due_date: '2031-05-01', assignee_id: t.owner.id });
    await createTask(project.id, { title: 'Build page', status: 'in_progress' });
    renderAt(`/projects/${project.id}`, <BoardPage />, {}, '/projects/:projectId');

    expect(await screen.findByRole('heading', { name: 'Launch', level: 1 })).toBeInTheDocument();
    await within(await column('To do')).findByText('Draft copy');
    expect(within(await column('To do')).getByText('Olive Owner')).toBeInTheDocument();
    expect(within(await column('To do')).getByText('Low')).toBeInTheDocument();
    expect(within(await column('In progress')).getByText('Build page')).toBeInTheDocument();
    expect(within(await column('Done')).getByText('Nothing here')).toBeInTheDocument();
  });

  it('moves a card to another column with the "move to" control and saves it', async () => {
    const t = await signupTenant();
    enterTenant(t);
    const project = await createProject();
    const task = await createTask(project.id, { title: 'Review' });
    renderAt(`/projects/${project.id}`, <BoardPage />, {}, '/projects/:projectId');

    const user = userEvent.setup({ delay: null });
    await within(await column('To do')).findByText('Review');
    await user.click(screen.getByRole('button', { name: 'Move “Review”, now To do' }));
    await user.click(await screen.findByRole('button', { name: 'Move to Done' }));
    await within(await column('Done')).findByText('Review');
    // The focus follows the card into its new column.
    await waitFor(async () =>
      expect(within(await column('Done')).getByRole('button', { name: 'Move “Review”, now Done' })).toHaveFocus(),
    );
    await waitFor(async () => expect((await api.get<Task>(`/api/v1/tasks/${task.id}`)).data.status).toBe('done'));
  });

  it('creates a task in a modal that takes the focus', async () => {
    const t = await signupTenant();
    enterTenant(t);
    const project = await createProject();
    renderAt(`/projects/${project.id}`, <BoardPage />, {}, '/projects/:projectId');

    const user = userEvent.setup({ delay: null });
    expect(await screen.findByText('No tasks yet')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Add a task to In progress' }));
    const dialog = await screen.findByRole('dialog', { name: 'New task' });
    await waitFor(() => expect(within(dialog).getByLabelText('Title')).toHaveFocus());
    await user.type(within(dialog).getByLabelText('Title'), 'Pair on the parser');
    await user.selectOptions(within(dialog).getByLabelText('Priority'), 'High');
    await user.selectOptions(within(dialog).getByLabelText('Assignee'), 'Olive Owner');
    await user.click(within(dialog).getByRole('button', { name: 'Create task' }));

    await within(await column('In progress')).findByText('Pair on the parser');
    expect(within(await column('In progress')).getByText('High')).toBeInTheDocument();
    expect(within(await column('In progress')).getByText('Olive Owner')).toBeInTheDocument();
  });

  it("shows not found for another organization's project", async () => {
    const first = await signupTenant();
    enterTenant(first);
    const project = await createProject('Secret plans');
    const second = await signupTenant();
    enterTenant(second);
    renderAt(`/projects/${project.id}`, <BoardPage />, {}, '/projects/:projectId');

    expect(await screen.findByText('Not found')).toBeInTheDocument();
    expect(screen.queryByText('Secret plans')).not.toBeInTheDocument();
  });
});

describe('TaskDetailPage', () => {
  it('lists comments oldest first and adds one', async () => {
    const t = await signupTenant();
    enterTenant(t);
    const project = await createProject();
    const task = await createTask(project.id, { title: 'Pick a name', description: 'Short and memorable' });
    await api.post(`/api/v1/tasks/${task.id}/comments`, { body: 'How about Orbit?' });
    renderAt(`/projects/${project.id}/tasks/${task.id}`, <TaskDetailPage />, {}, '/projects/:projectId/tasks/:taskId');

    expect(await screen.findByRole('heading', { name: 'Pick a name', level: 1 })).toBeInTheDocument();
    expect(screen.getByText('Short and memorable')).toBeInTheDocument();
    const list = await screen.findByRole('list', { name: 'Comments' });
    expect(within(list).getByText('How about Orbit?')).toBeInTheDocument();

    const user = userEvent.setup({ delay: null });
    await user.type(screen.getByLabelText('Add a comment'), 'Orbit is taken.');
    await user.click(screen.getByRole('button', { name: 'Post comment' }));
    await waitFor(() =>
      expect(within(screen.getByRole('list', { name: 'Comments' })).getAllByRole('listitem').map((li) => li.textContent)).toEqual([
        expect.stringContaining('How about Orbit?'),
        expect.stringContaining('Orbit is taken.'),
      ]),
    );
    // The box empties once the post and the list's refetch behind it have both finished.
    await waitFor(() => expect(screen.getByLabelText('Add a comment')).toHaveValue(''));
  });

  it('searches and filters on the server, with the filters in the address', async () => {
    const t = await signupTenant();
    enterTenant(t);
    const project = await createProject('Launch');
    await createTask(project.id, { title: 'Launch pad', priority: 'high', assignee_id: t.owner.id });
    await createTask(project.id, { title: 'Paint', description: 'before the LAUNCH', priority: 'low' });
    await createTask(project.id, { title: 'Other', status: 'done' });
    renderAt(`/projects/${project.id}`, <BoardPage />, {}, '/projects/:projectId');
    const user = userEvent.setup({ delay: null });
    const cards = async () =>
      (await screen.findAllByRole('article')).map((a) => a.getAttribute('aria-label')).sort();

    await screen.findByText('Other');
    await user.type(screen.getByLabelText('Search'), 'launch');
    await waitFor(async () => expect(await cards()).toEqual(['Launch pad', 'Paint']));
    await user.selectOptions(screen.getByLabelText('Priority'), 'high');
    await waitFor(async () => expect(await cards()).toEqual(['Launch pad']));
    // The columns count what the filters let through.
    expect(within(await column('Done')).getByText('Nothing here')).toBeInTheDocument();
    await user.selectOptions(screen.getByLabelText('Priority'), 'low');
    await waitFor(async () => expect(await cards()).toEqual(['Paint']));
    await user.selectOptions(screen.getByLabelText('Assignee'), 'me');
    expect(await screen.findByText('No task matches these filters')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Clear' }));
    await waitFor(async () => expect(await cards()).toEqual(['Launch pad', 'Other', 'Paint']));
  });

  it('opens with the filters its address names', async () => {
    const t = await signupTenant();
    enterTenant(t);
    const project = await createProject('Launch');
    await createTask(project.id, { title: 'Mine', assignee_id: t.owner.id });
    await createTask(project.id, { title: 'Nobody’s' });
    renderAt(`/projects/${project.id}?assignee=me`, <BoardPage />, {}, '/projects/:projectId');
    await screen.findByText('Mine');
    expect(screen.getByLabelText('Assignee')).toHaveValue('me');
    expect(screen.queryByText('Nobody’s')).toBeNull();
  });

  it('answers the keyboard shortcuts n, / and ?, but not while typing', async () => {
    const t = await signupTenant();
    enterTenant(t);
    const project = await createProject('Keys');
    renderAt(`/projects/${project.id}`, <BoardPage />, {}, '/projects/:projectId');
    const user = userEvent.setup({ delay: null });
    await screen.findByText('No tasks yet');

    await user.keyboard('/');
    expect(screen.getByLabelText('Search')).toHaveFocus();
    await user.keyboard('n');
    expect(screen.getByLabelText('Search')).toHaveValue('n');
    expect(screen.queryByRole('dialog', { name: 'New task' })).toBeNull();
    await user.clear(screen.getByLabelText('Search'));
    (document.activeElement as HTMLElement).blur();

    await user.keyboard('n');
    const dialog = await screen.findByRole('dialog', { name: 'New task' });
    expect(within(dialog).getByLabelText('Title')).toHaveFocus();
    await user.keyboard('{Escape}');
    await waitFor(() => expect(screen.queryByRole('dialog', { name: 'New task' })).toBeNull());

    await user.keyboard('?');
    expect(await screen.findByRole('dialog', { name: 'Keyboard shortcuts' })).toBeInTheDocument();
  });
});
