import type { QueryClient } from '@tanstack/react-query';
import type { Task } from '../../api/types';
import { ALL_PROJECTS, applyTaskChange, cachedTask, taskKeys } from '../board/queries';
import { projectKeys } from '../projects/queries';

/** The data of `task.created`, `task.updated` and `task.deleted`. */
export interface TaskEventData {
  task_id: string;
  project_id: string;
  actor_id: string;
  /** The task as it is now; null once deleted. */
  task: Task | null;
}

/** The data of `project.created`, `project.updated`, `project.deleted` and `project.restored`. */
export interface ProjectEventData {
  project_id: string;
  actor_id: string;
}

export const TASK_EVENTS = ['task.created', 'task.updated', 'task.deleted'] as const;
export const PROJECT_EVENTS = ['project.created', 'project.updated', 'project.deleted', 'project.restored'] as const;

/** Everything read of tasks and projects is read again: events may have been missed. */
export function resync(queryClient: QueryClient) {
  return Promise.all([
    queryClient.invalidateQueries({ queryKey: taskKeys.all }),
    queryClient.invalidateQueries({ queryKey: projectKeys.all }),
  ]);
}

/**
 * Resolves once this tab has no write on its way (or after `timeout` ms): a write's own
 * answer goes into the cache in its `onSuccess`, and an event of the same change applied in
 * between would count it twice or be undone by it.
 */
export function writesSettled(queryClient: QueryClient, timeout = 10_000): Promise<void> {
  if (queryClient.isMutating() === 0) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      unsubscribe();
      resolve();
    };
    const timer = setTimeout(done, timeout);
    const unsubscribe = queryClient.getMutationCache().subscribe(() => {
      if (queryClient.isMutating() === 0) done();
    });
  });
}

/**
 * Puts a task event into the cache in place, the way this page's own writes do: the task
 * moves between the cached columns and "My tasks", changes where it is, or leaves them; no
 * list is read again. Events are applied, never skipped, even the caller's own (the same user's
 * other tabs need them): once this tab's writes have settled, a change it made itself is
 * already in the cache, and applying it again finds the task as it is and changes nothing. An
 * event older than the cached task (`updated_at`) is left out. The project's counts are read
 * again, to be sure of them whichever came first.
 */
export async function applyTaskEvent(queryClient: QueryClient, name: string, data: TaskEventData) {
  await writesSettled(queryClient);
  const cached = cachedTask(queryClient, data.task_id);
  if (name === 'task.deleted' || data.task === null) {
    if (cached) await applyTaskChange(queryClient, cached, null);
    else queryClient.removeQueries({ queryKey: taskKeys.detail(data.task_id), exact: true });
  } else {
    const task = data.task;
    const newer = !cached || Date.parse(task.updated_at) >= Date.parse(cached.updated_at);
    // Not cached: created, or not on any list read so far; the counts are read again below.
    if (newer) await applyTaskChange(queryClient, cached ?? undefined, task);
  }
  await queryClient.invalidateQueries({ queryKey: [...taskKeys.counts(), data.project_id] });
}

/** A project event: the projects list and the project are read again (and its tasks, once it is back). */
export function applyProjectEvent(queryClient: QueryClient, name: string, data: ProjectEventData) {
  const id = data.project_id;
  const reads = [
    queryClient.invalidateQueries({ queryKey: projectKeys.list() }),
    queryClient.invalidateQueries({ queryKey: projectKeys.detail(id) }),
  ];
  if (name === 'project.deleted' || name === 'project.restored') {
    reads.push(
      queryClient.invalidateQueries({ queryKey: projectKeys.trash() }),
      queryClient.invalidateQueries({ queryKey: taskKeys.scope(id) }),
      queryClient.invalidateQueries({ queryKey: taskKeys.scope(ALL_PROJECTS) }),
      queryClient.invalidateQueries({ queryKey: [...taskKeys.counts(), id] }),
    );
  }
  return Promise.all(reads);
}
