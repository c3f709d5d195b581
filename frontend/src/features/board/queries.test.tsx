import { act, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { api } from '../../api/client';
import { ApiError } from '../../api/error';
import type { Task, TaskStatus } from '../../api/types';
import { renderHookWithClient } from '../../test/render';
import { createProject, createTask, enterTenant, signupTenant } from '../../test/tenant';
import { taskKeys, useMoveTask, useTasks } from './queries';

async function boardWithOneTask() {
  const t = await signupTenant();
  enterTenant(t);
  const project = await createProject();
  const task = await createTask(project.id, { title: 'Ship it' });
  const rendered = renderHookWithClient(() => ({ tasks: useTasks(project.id), move: useMoveTask(project.id) }));
  await waitFor(() => expect(rendered.result.current.tasks.isSuccess).toBe(true));
  return { project, task, ...rendered };
}

/** Every status the task has had in the board's cache, in order (`gone` once it left the list). */
function recordStatuses(queryClient: ReturnType<typeof renderHookWithClient>['queryClient'], projectId: string, taskId: string) {
  const seen: (TaskStatus | 'gone')[] = [];
  const note = () => {
    const list = queryClient.getQueryData<Task[]>(taskKeys.list(projectId));
    if (!list) return;
    const status = list.find((x) => x.id === taskId)?.status ?? 'gone';
    if (seen[seen.length - 1] !== status) seen.push(status);
  };
  note();
  const unsubscribe = queryClient.getQueryCache().subscribe(note);
  return { seen, unsubscribe };
}

describe('useMoveTask', () => {
  it('moves the card at once and keeps it there once the server agrees', async () => {
    const { project, task, result, queryClient } = await boardWithOneTask();
    const { seen, unsubscribe } = recordStatuses(queryClient, project.id, task.id);

    let settled!: Promise<Task>;
    act(() => {
      settled = result.current.move.mutateAsync({ id: task.id, status: 'done' });
    });
    await waitFor(() => expect(result.current.tasks.data?.[0].status).toBe('done'));
    await act(() => settled);
    await waitFor(() => expect(result.current.move.isSuccess).toBe(true));
    unsubscribe();

    expect(seen).toEqual(['todo', 'done']);
    const { data: stored } = await api.get<Task>(`/api/v1/tasks/${task.id}`);
    expect(stored.status).toBe('done');
  });

  it('puts the card back in its old column when the server refuses the move', async () => {
    const { project, task, result, queryClient } = await boardWithOneTask();
    // Someone else deletes the task meanwhile: the board still shows it, the server has it no more.
    await api.delete(`/api/v1/tasks/${task.id}`);
    const { seen, unsubscribe } = recordStatuses(queryClient, project.id, task.id);

    await act(async () => {
      await result.current.move.mutateAsync({ id: task.id, status: 'in_progress' }).catch(() => undefined);
    });
    await waitFor(() => expect(result.current.move.isError).toBe(true));
    await waitFor(() => expect(result.current.tasks.data).toEqual([]));
    unsubscribe();

    expect(result.current.move.error).toBeInstanceOf(ApiError);
    expect(result.current.move.error).toMatchObject({ status: 404, code: 'not_found' });
    // Optimistically moved, rolled back to its old column, then dropped by the refetch.
    expect(seen).toEqual(['todo', 'in_progress', 'todo', 'gone']);
  });

  it('rolls back a move the server rejects as invalid, leaving the card where it was', async () => {
    const { task, result } = await boardWithOneTask();
    await act(async () => {
      await result.current.move.mutateAsync({ id: task.id, status: 'archived' as TaskStatus }).catch(() => undefined);
    });
    await waitFor(() => expect(result.current.move.isError).toBe(true));
    expect(result.current.move.error).toMatchObject({ status: 422, fields: { status: expect.any(String) } });
    expect(result.current.tasks.data?.map((x) => x.status)).toEqual(['todo']);
  });
});
