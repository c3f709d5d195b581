import { QueryClient } from '@tanstack/react-query';
import { describe, expect, it } from 'vitest';
import type { Task, TaskCounts } from '../../api/types';
import { applyTaskChange, loadedTasks, taskKeys, type TaskPages } from '../board/queries';
import { applyTaskEvent } from './apply';

const at = (minute: number) => `2030-01-01T00:${String(minute).padStart(2, '0')}:00Z`;

function task(over: Partial<Task> = {}): Task {
  return {
    id: 't1',
    project_id: 'p1',
    title: 'Write the plan',
    description: null,
    status: 'todo',
    priority: 'medium',
    assignee_id: null,
    due_date: null,
    created_at: at(0),
    updated_at: at(0),
    ...over,
  };
}

const empty = (): TaskPages => ({ pages: [{ items: [], next_cursor: null }], pageParams: [null] });

/** A client holding a board's columns, its counts, and "My tasks", as the screens leave them. */
function board(counts: TaskCounts = { todo: 0, in_progress: 0, done: 0 }) {
  const queryClient = new QueryClient({ defaultOptions: { queries: { staleTime: Infinity } } });
  for (const status of ['todo', 'in_progress', 'done'] as const) {
    queryClient.setQueryData(taskKeys.list('p1', { status }), empty());
  }
  queryClient.setQueryData(taskKeys.projectCounts('p1'), counts);
  const column = (status: string) => loadedTasks(queryClient.getQueryData(taskKeys.list('p1', { status: status as Task['status'] }))).map((t) => `${t.title} (${t.status})`);
  const countsState = () => queryClient.getQueryState(taskKeys.projectCounts('p1'));
  return { queryClient, column, countsState };
}

const event = (t: Task | null, id = 't1') => ({ task_id: id, project_id: 'p1', actor_id: 'u1', task: t });

describe('applyTaskEvent', () => {
  it('puts a created, moved and deleted task into the columns in place and has the counts read again', async () => {
    const { queryClient, column, countsState } = board();
    await applyTaskEvent(queryClient, 'task.created', event(task()));
    expect(column('todo')).toEqual(['Write the plan (todo)']);
    expect(countsState()?.isInvalidated).toBe(true);

    await applyTaskEvent(queryClient, 'task.updated', event(task({ status: 'done', updated_at: at(1) })));
    expect(column('todo')).toEqual([]);
    expect(column('done')).toEqual(['Write the plan (done)']);
    expect(queryClient.getQueryData<Task>(taskKeys.detail('t1'))?.status).toBe('done');

    await applyTaskEvent(queryClient, 'task.deleted', event(null));
    expect(column('done')).toEqual([]);
    expect(queryClient.getQueryData(taskKeys.detail('t1'))).toBeUndefined();
  });

  it('is idempotent: a change this tab already made, or the same event twice, changes nothing more', async () => {
    const { queryClient, column } = board({ todo: 0, in_progress: 0, done: 0 });
    // The tab's own create went in first, counted once.
    await applyTaskChange(queryClient, null, task());
    expect(queryClient.getQueryData(taskKeys.projectCounts('p1'))).toEqual({ todo: 1, in_progress: 0, done: 0 });
    await applyTaskEvent(queryClient, 'task.created', event(task()));
    await applyTaskEvent(queryClient, 'task.created', event(task()));
    expect(column('todo')).toEqual(['Write the plan (todo)']);
    expect(queryClient.getQueryData(taskKeys.projectCounts('p1'))).toEqual({ todo: 1, in_progress: 0, done: 0 });
  });

  it('leaves out an event older than the task the cache holds', async () => {
    const { queryClient, column } = board();
    await applyTaskChange(queryClient, null, task({ status: 'done', updated_at: at(5) }));
    await applyTaskEvent(queryClient, 'task.updated', event(task({ status: 'in_progress', updated_at: at(3) })));
    expect(column('done')).toEqual(['Write the plan (done)']);
    expect(column('in_progress')).toEqual([]);
  });
});
