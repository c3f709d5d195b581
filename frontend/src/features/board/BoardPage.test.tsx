import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { api } from '../../api/client';
import type { Task } from '../../api/types';
import { renderAt } from '../../test/render';
import { listReads, recordRequests } from '../../test/requests';
import { createProject, createTask, createTasks, enterTenant, signupTenant } from '../../test/tenant';
import { BoardPage } from './BoardPage';
import { TaskDetailPage } from './TaskDetailPage';

const column = (name: string) => screen.findByRole('region', { name: new RegExp(`^${name}`) });
/** The titles of a column's cards, top to bottom. */
const titles = async (name: string) =>
  within(await column(name))
    .queryAllByRole('article')
    .map((a) => a.getAttribute('aria-label'));
const pad = (i: number) => String(i).padStart(2, '0');
/** `days` from today in UTC, as a due date. */
const day = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

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

describe('BoardPage with many tasks', () => {
  it('shows each column\'s first page, and reads the next page of that column on "Show more"', async () => {
    const t = await signupTenant();
    enterTenant(t);
    const project = await createProject('Big');
    await createTasks(project.id, 55, (i) => ({ title: `Task ${pad(i)}` }));
    await createTask(project.id, { title: 'Finished', status: 'done' });
    const requests = recordRequests();
    renderAt(`/projects/${project.id}`, <BoardPage />, {}, '/projects/:projectId');

    await within(await column('To do')).findByText('Task 01');
    let todo = await titles('To do');
    expect(todo).toHaveLength(50);
    expect(todo[49]).toBe('Task 50');
    expect(await titles('Done')).toEqual(['Finished']);
    expect(within(await column('Done')).queryByRole('button', { name: /^Show more/ })).toBeNull();
    // One request a column, at the same time, each for its own status.
    expect(listReads(requests, project.id).sort()).toEqual(
      ['done', 'in_progress', 'todo'].map((s) => `GET /api/v1/projects/${project.id}/tasks?status=${s}&limit=50`),
    );

    const user = userEvent.setup({ delay: null });
    await user.click(screen.getByRole('button', { name: 'Show more in To do' }));
    await within(await column('To do')).findByText('Task 55');
    todo = await titles('To do');
    expect(todo).toHaveLength(55);
    expect(todo.slice(48)).toEqual(['Task 49', 'Task 50', 'Task 51', 'Task 52', 'Task 53', 'Task 54', 'Task 55']);
    expect(screen.queryByRole('button', { name: 'Show more in To do' })).toBeNull();
    // The focus goes on to the first card the page brought.
    await waitFor(() => expect(screen.getByRole('link', { name: 'Task 51' })).toHaveFocus());
    const reads = listReads(requests, project.id).filter((r) => r.includes('status=todo'));
    expect(reads).toHaveLength(2);
    expect(reads[1]).toMatch(/&cursor=./);
  });

  it('counts each column on the server, under the filters', async () => {
    const t = await signupTenant();
    enterTenant(t);
    const project = await createProject();
    await createTasks(project.id, 3, (i) => ({ title: `Todo ${i}`, priority: i === 1 ? 'high' : 'low' }));
    await createTasks(project.id, 2, (i) => ({ title: `Doing ${i}`, status: 'in_progress' }));
    renderAt(`/projects/${project.id}`, <BoardPage />, {}, '/projects/:projectId');

    const todo = await column('To do');
    expect(await within(todo).findByRole('heading', { name: 'To do 3 tasks' })).toBeInTheDocument();
    expect(await screen.findByTestId('count-in_progress')).toHaveTextContent('2');
    expect(await screen.findByTestId('count-done')).toHaveTextContent('0');
    const user = userEvent.setup({ delay: null });
    await user.selectOptions(screen.getByLabelText('Priority'), 'high');
    await waitFor(() => expect(screen.getByTestId('count-todo')).toHaveTextContent('1'));
    expect(screen.getByTestId('count-in_progress')).toHaveTextContent('0');
    expect(within(todo).getByRole('heading', { name: 'To do 1 task' })).toBeInTheDocument();
  });

  it('puts a new task at the top of its column and moves cards, counted, without reading the lists again', async () => {
    const t = await signupTenant();
    enterTenant(t);
    const project = await createProject();
    await createTasks(project.id, 55, (i) => ({ title: `Task ${pad(i)}` }));
    renderAt(`/projects/${project.id}`, <BoardPage />, {}, '/projects/:projectId');
    await within(await column('To do')).findByText('Task 01');
    await waitFor(() => expect(screen.getByTestId('count-todo')).toHaveTextContent('55'));
    const requests = recordRequests();

    const user = userEvent.setup({ delay: null });
    await user.click(screen.getByRole('button', { name: 'Add a task to To do' }));
    const dialog = await screen.findByRole('dialog', { name: 'New task' });
    await user.type(within(dialog).getByLabelText('Title'), 'Fresh one');
    await user.click(within(dialog).getByRole('button', { name: 'Create task' }));
    // Newest of 56, it would come last in the oldest-first order: it shows first instead.
    await waitFor(async () => expect((await titles('To do'))[0]).toBe('Fresh one'));
    expect(screen.getByRole('article', { name: 'Fresh one' })).toHaveAttribute('data-fresh', 'true');
    expect(await titles('To do')).toHaveLength(51);
    expect(screen.getByTestId('count-todo')).toHaveTextContent('56');

    await user.click(screen.getByRole('button', { name: 'Move “Task 02”, now To do' }));
    await user.click(await screen.findByRole('button', { name: 'Move to Done' }));
    await waitFor(async () => expect(await titles('Done')).toEqual(['Task 02']));
    expect(await titles('To do')).not.toContain('Task 02');
    await waitFor(() => expect(screen.getByTestId('count-done')).toHaveTextContent('1'));
    expect(screen.getByTestId('count-todo')).toHaveTextContent('55');

    // The edit form moves a card too.
    await user.click(screen.getByRole('button', { name: 'Edit “Fresh one”' }));
    // The form opens once the task's current version is read.
    await user.selectOptions(await screen.findByLabelText('Status'), 'in_progress');
    await user.click(within(screen.getByRole('dialog', { name: 'Edit task' })).getByRole('button', { name: 'Save task' }));
    await waitFor(async () => expect(await titles('In progress')).toEqual(['Fresh one']));
    expect(await titles('To do')).not.toContain('Fresh one');
    expect(screen.getByTestId('count-in_progress')).toHaveTextContent('1');
    expect(screen.getByTestId('count-todo')).toHaveTextContent('54');

    expect(listReads(requests, project.id)).toEqual([]);
    const { data: stored } = await api.get<Task>(`/api/v1/tasks/${(await screen.findByRole('article', { name: 'Task 02' })).dataset.taskId}`);
    expect(stored.status).toBe('done');
  });

  it('has the server filter by due date and sort, the choice kept in the address', async () => {
    const t = await signupTenant();
    enterTenant(t);
    const project = await createProject();
    await createTask(project.id, { title: 'Later, low', priority: 'low', due_date: day(30) });
    await createTask(project.id, { title: 'Late, high', priority: 'high', due_date: day(-2) });
    await createTask(project.id, { title: 'Undated, medium', priority: 'medium' });
    await createTask(project.id, { title: 'Soon, medium', priority: 'medium', due_date: day(3) });
    await createTask(project.id, { title: 'Late but done', status: 'done', due_date: day(-5) });
    const requests = recordRequests();
    renderAt(`/projects/${project.id}?sort=priority`, <BoardPage />, {}, '/projects/:projectId');

    await within(await column('To do')).findByText('Later, low');
    expect(screen.getByLabelText('Sort')).toHaveValue('priority');
    expect(await titles('To do')).toEqual(['Late, high', 'Undated, medium', 'Soon, medium', 'Later, low']);
    const user = userEvent.setup({ delay: null });
    await user.selectOptions(screen.getByLabelText('Sort'), 'Due date');
    await waitFor(async () => expect(await titles('To do')).toEqual(['Late, high', 'Soon, medium', 'Later, low', 'Undated, medium']));
    await user.selectOptions(screen.getByLabelText('Due'), 'Overdue');
    await waitFor(async () => expect(await titles('To do')).toEqual(['Late, high']));
    expect(within(await column('Done')).getByText('Nothing here')).toBeInTheDocument();
    await user.selectOptions(screen.getByLabelText('Due'), 'Due this week');
    await waitFor(async () => expect(await titles('To do')).toEqual(['Soon, medium']));
    await user.selectOptions(screen.getByLabelText('Due'), 'No due date');
    await waitFor(async () => expect(await titles('To do')).toEqual(['Undated, medium']));
    await waitFor(() => expect(screen.getByTestId('count-todo')).toHaveTextContent('1'));
    expect(screen.getByTestId('count-done')).toHaveTextContent('0');

    const reads = listReads(requests, project.id);
    expect(reads).toContain(`GET /api/v1/projects/${project.id}/tasks?status=todo&sort=priority&limit=50`);
    expect(reads).toContain(`GET /api/v1/projects/${project.id}/tasks?due=overdue&status=todo&sort=due&limit=50`);
    expect(requests).toContain(`GET /api/v1/projects/${project.id}/tasks/counts?due=none`);
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
