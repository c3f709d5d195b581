import { act, waitFor } from '@testing-library/react';
import { QueryClient } from '@tanstack/react-query';
import { describe, expect, it } from 'vitest';
import { api } from '../../api/client';
import { ApiError } from '../../api/error';
import type { Me, Task, TaskCounts, TaskStatus } from '../../api/types';
import { renderHookWithClient } from '../../test/render';
import { listReads, recordRequests } from '../../test/requests';
import { createProject, createTask, enterTenant, signupTenant } from '../../test/tenant';
import { meKey } from '../auth/queries';
import {
  ALL_PROJECTS,
  applyTaskChange,
  loadedTasks,
  taskKeys,
  taskMatches,
  useColumnTasks,
  useMoveTask,
  type TaskPages,
} from './queries';

let serial = 0;
function makeTask(over: Partial<Task> = {}): Task {
  serial += 1;
  return {
    id: `t${serial}`,
    project_id: 'p1',
    title: `Task ${serial}`,
    description: null,
    status: 'todo',
    priority: 'medium',
    assignee_id: null,
    due_date: null,
    created_at: '2030-01-01T00:00:00Z',
    updated_at: '2030-01-01T00:00:00Z',
    ...over,
  };
}

/** Pages as the server would have answered them, each but the last with a cursor. */
function pages(...items: Task[][]): TaskPages {
  return {
    pages: items.map((page, i) => ({ items: page, next_cursor: i < items.length - 1 ? `c${i + 1}` : null })),
    pageParams: items.map((_, i) => (i === 0 ? null : `c${i}`)),
  };
}

const ids = (data: TaskPages | undefined) => data?.pages.map((page) => page.items.map((t) => t.id));

describe('taskMatches', () => {
  const today = new Date('2030-06-10T12:00:00Z');

  it('tells overdue, this week and no due date apart as the server does, in UTC', () => {
    const due = (due_date: string | null, status: TaskStatus = 'todo') => makeTask({ due_date, status });
    expect(taskMatches(due('2030-06-09'), { due: 'overdue' }, undefined, today)).toBe(true);
    expect(taskMatches(due('2030-06-09', 'done'), { due: 'overdue' }, undefined, today)).toBe(false);
    expect(taskMatches(due('2030-06-10'), { due: 'overdue' }, undefined, today)).toBe(false);
    expect(taskMatches(due('2030-06-10'), { due: 'week' }, undefined, today)).toBe(true);
    expect(taskMatches(due('2030-06-16'), { due: 'week' }, undefined, today)).toBe(true);
    expect(taskMatches(due('2030-06-17'), { due: 'week' }, undefined, today)).toBe(false);
    expect(taskMatches(due(null), { due: 'week' }, undefined, today)).toBe(false);
    expect(taskMatches(due(null), { due: 'none' }, undefined, today)).toBe(true);
    expect(taskMatches(due('2030-06-09'), { due: 'none' }, undefined, today)).toBe(false);
  });

  it('wants every word of the search in the title or the description, ignoring case', () => {
    const task = makeTask({ title: 'Launch the site', description: 'Before FRIDAY' });
    expect(taskMatches(task, { q: 'launch friday' }, undefined)).toBe(true);
    expect(taskMatches(task, { q: 'launch monday' }, undefined)).toBe(false);
  });

  it('cannot tell whether a task is "mine" before it knows who the caller is', () => {
    const task = makeTask({ assignee_id: 'u1' });
    expect(taskMatches(task, { assignee_id: 'me' }, undefined)).toBeUndefined();
    expect(taskMatches(task, { assignee_id: 'me' }, 'u1')).toBe(true);
    expect(taskMatches(task, { assignee_id: 'me', priority: 'high' }, undefined)).toBe(false);
    expect(taskMatches(task, { assignee_id: 'u2' }, undefined)).toBe(false);
  });
});

describe('applyTaskChange', () => {
  /** A cache as a board of project p1 leaves it, with My tasks read too. */
  function boardCache() {
    const queryClient = new QueryClient();
    const [a, b, c] = [makeTask(), makeTask(), makeTask()];
    const d = makeTask({ status: 'done' });
    const high = makeTask({ priority: 'high', assignee_id: 'u1' });
    const keys = {
      todo: taskKeys.list('p1', { status: 'todo', sort: 'created' }),
      done: taskKeys.list('p1', { status: 'done', sort: 'created' }),
      todoHigh: taskKeys.list('p1', { status: 'todo', priority: 'high', sort: 'created' }),
      other: taskKeys.list('p2', { status: 'todo', sort: 'created' }),
      mine: taskKeys.list(ALL_PROJECTS, { assignee_id: 'me', sort: 'created' }),
      counts: taskKeys.projectCounts('p1'),
      countsHigh: taskKeys.projectCounts('p1', { priority: 'high' }),
    };
    queryClient.setQueryData<Me>(meKey, { user: { id: 'u1' }, tenant: {} } as Me);
    queryClient.setQueryData(keys.todo, pages([a, b], [c, high]));
    queryClient.setQueryData(keys.done, pages([d]));
    queryClient.setQueryData(keys.todoHigh, pages([high]));
    queryClient.setQueryData(keys.other, pages([]));
    queryClient.setQueryData(keys.mine, pages([high]));
    queryClient.setQueryData<TaskCounts>(keys.counts, { todo: 4, in_progress: 0, done: 1 });
    queryClient.setQueryData<TaskCounts>(keys.countsHigh, { todo: 1, in_progress: 0, done: 0 });
    const list = (key: readonly unknown[]) => ids(queryClient.getQueryData<TaskPages>(key));
    const counts = (key: readonly unknown[]) => queryClient.getQueryData<TaskCounts>(key);
    return { queryClient, keys, list, counts, a, b, c, d, high };
  }

  it('puts a new task at the top of its column and of the lists whose filters it meets, counted', async () => {
    const { queryClient, keys, list, counts, a, b, c, d, high } = boardCache();
    const created = makeTask({ assignee_id: 'u1' });
    await applyTaskChange(queryClient, null, created);

    expect(list(keys.todo)).toEqual([[created.id, a.id, b.id], [c.id, high.id]]);
    expect(list(keys.done)).toEqual([[d.id]]);
    expect(list(keys.todoHigh)).toEqual([[high.id]]);
    expect(list(keys.other)).toEqual([[]]);
    expect(list(keys.mine)).toEqual([[created.id, high.id]]);
    expect(counts(keys.counts)).toEqual({ todo: 5, in_progress: 0, done: 1 });
    expect(counts(keys.countsHigh)).toEqual({ todo: 1, in_progress: 0, done: 0 });
    expect(queryClient.getQueryData(taskKeys.detail(created.id))).toEqual(created);
  });

  it('moves a task out of its old column, wherever it was loaded, to the top of the new one', async () => {
    const { queryClient, keys, list, counts, a, b, c, d, high } = boardCache();
    await applyTaskChange(queryClient, c, { ...c, status: 'done' });

    expect(list(keys.todo)).toEqual([[a.id, b.id], [high.id]]);
    expect(list(keys.done)).toEqual([[c.id, d.id]]);
    expect(counts(keys.counts)).toEqual({ todo: 3, in_progress: 0, done: 2 });

    await applyTaskChange(queryClient, high, { ...high, status: 'in_progress' });
    expect(list(keys.todoHigh)).toEqual([[]]);
    // My tasks has every status: the task stays where it is, changed.
    expect(list(keys.mine)).toEqual([[high.id]]);
    expect(queryClient.getQueryData<TaskPages>(keys.mine)?.pages[0].items[0].status).toBe('in_progress');
    expect(counts(keys.countsHigh)).toEqual({ todo: 0, in_progress: 1, done: 0 });
  });

  it('changes a task in place, and drops it from a list whose filter it no longer meets', async () => {
    const { queryClient, keys, list, counts, a, b, c, high } = boardCache();
    await applyTaskChange(queryClient, b, { ...b, title: 'Renamed' });
    expect(list(keys.todo)).toEqual([[a.id, b.id], [c.id, high.id]]);
    expect(queryClient.getQueryData<TaskPages>(keys.todo)?.pages[0].items[1].title).toBe('Renamed');

    await applyTaskChange(queryClient, high, { ...high, priority: 'low', assignee_id: null });
    expect(list(keys.todo)).toEqual([[a.id, b.id], [c.id, high.id]]);
    expect(list(keys.todoHigh)).toEqual([[]]);
    expect(list(keys.mine)).toEqual([[]]);
    expect(counts(keys.counts)).toEqual({ todo: 4, in_progress: 0, done: 1 });
    expect(counts(keys.countsHigh)).toEqual({ todo: 0, in_progress: 0, done: 0 });
  });

  it('drops a deleted task from every list and count', async () => {
    const { queryClient, keys, list, counts, a, b, c, high } = boardCache();
    queryClient.setQueryData(taskKeys.detail(high.id), high);
    await applyTaskChange(queryClient, high, null);
    expect(list(keys.todo)).toEqual([[a.id, b.id], [c.id]]);
    expect(list(keys.todoHigh)).toEqual([[]]);
    expect(list(keys.mine)).toEqual([[]]);
    expect(counts(keys.counts)).toEqual({ todo: 3, in_progress: 0, done: 1 });
    expect(counts(keys.countsHigh)).toEqual({ todo: 0, in_progress: 0, done: 0 });
    expect(queryClient.getQueryData(taskKeys.detail(high.id))).toBeUndefined();
  });

  it('reads the counts again when it cannot know what the task was before', async () => {
    const { queryClient, keys, counts, c } = boardCache();
    await applyTaskChange(queryClient, undefined, { ...c, status: 'done' });
    expect(counts(keys.counts)).toEqual({ todo: 4, in_progress: 0, done: 1 });
    expect(queryClient.getQueryState(keys.counts)?.isInvalidated).toBe(true);
  });

  it('shows a task put on top and then read again on a later page once', () => {
    const [a, b] = [makeTask(), makeTask()];
    expect(loadedTasks(pages([b, a], [a])).map((t) => t.id)).toEqual([b.id, a.id]);
  });
});

/** A board of one project with one task, its three columns read. */
async function boardWithOneTask() {
  const t = await signupTenant();
  enterTenant(t);
  const project = await createProject();
  const task = await createTask(project.id, { title: 'Ship it' });
  const rendered = renderHookWithClient(() => ({
    todo: useColumnTasks(project.id, 'todo', {}, 'created'),
    inProgress: useColumnTasks(project.id, 'in_progress', {}, 'created'),
    done: useColumnTasks(project.id, 'done', {}, 'created'),
    move: useMoveTask(),
  }));
  await waitFor(() => {
    const { todo, inProgress, done } = rendered.result.current;
    expect([todo, inProgress, done].every((c) => c.isSuccess)).toBe(true);
  });
  return { project, task, ...rendered };
}

const STATUSES: TaskStatus[] = ['todo', 'in_progress', 'done'];

/** Every column the task has been in, in the cache, in order (`gone` once in none). */
function recordColumns(queryClient: QueryClient, projectId: string, taskId: string) {
  const seen: (TaskStatus | 'gone')[] = [];
  const note = () => {
    const status =
      STATUSES.find((s) =>
        loadedTasks(queryClient.getQueryData<TaskPages>(taskKeys.list(projectId, { status: s, sort: 'created' }))).some(
          (t) => t.id === taskId,
        ),
      ) ?? 'gone';
    if (seen[seen.length - 1] !== status) seen.push(status);
  };
  note();
  const unsubscribe = queryClient.getQueryCache().subscribe(note);
  return { seen, unsubscribe };
}

describe('useMoveTask', () => {
  it('moves the card at once and keeps it there once the server agrees, reading no list again', async () => {
    const { project, task, result, queryClient } = await boardWithOneTask();
    const { seen, unsubscribe } = recordColumns(queryClient, project.id, task.id);
    const requests = recordRequests();

    let settled!: Promise<Task>;
    act(() => {
      settled = result.current.move.mutateAsync({ id: task.id, status: 'done' });
    });
    await waitFor(() => expect(loadedTasks(result.current.done.data).map((t) => t.title)).toEqual(['Ship it']));
    expect(loadedTasks(result.current.todo.data)).toEqual([]);
    await act(() => settled);
    await waitFor(() => expect(result.current.move.isSuccess).toBe(true));
    unsubscribe();

    expect(seen).toEqual(['todo', 'done']);
    expect(listReads(requests, project.id)).toEqual([]);
    const { data: stored } = await api.get<Task>(`/api/v1/tasks/${task.id}`);
    expect(stored.status).toBe('done');
  });

  it('takes the card off the board when the server no longer has the task', async () => {
    const { project, task, result, queryClient } = await boardWithOneTask();
    // Someone else deletes the task meanwhile: the board still shows it, the server has it no more.
    await api.delete(`/api/v1/tasks/${task.id}`);
    const { seen, unsubscribe } = recordColumns(queryClient, project.id, task.id);

    await act(async () => {
      await result.current.move.mutateAsync({ id: task.id, status: 'in_progress' }).catch(() => undefined);
    });
    await waitFor(() => expect(result.current.move.isError).toBe(true));
    unsubscribe();

    expect(result.current.move.error).toBeInstanceOf(ApiError);
    expect(result.current.move.error).toMatchObject({ status: 404, code: 'not_found' });
    // Optimistically moved, then gone.
    expect(seen).toEqual(['todo', 'in_progress', 'gone']);
  });

  it('puts the card back in its old column when the server rejects the move', async () => {
    const { project, task, result, queryClient } = await boardWithOneTask();
    const { seen, unsubscribe } = recordColumns(queryClient, project.id, task.id);
    await act(async () => {
      await result.current.move.mutateAsync({ id: task.id, status: 'archived' as TaskStatus }).catch(() => undefined);
    });
    await waitFor(() => expect(result.current.move.isError).toBe(true));
    unsubscribe();
    expect(result.current.move.error).toMatchObject({ status: 422, fields: { status: expect.any(String) } });
    expect(loadedTasks(result.current.todo.data).map((x) => x.status)).toEqual(['todo']);
    expect(seen).toEqual(['todo', 'gone', 'todo']);
  });
});
