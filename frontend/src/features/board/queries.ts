import {
  keepPreviousData,
  notifyManager,
  useInfiniteQuery,
  useMutation,
  useQuery,
  useQueryClient,
  type InfiniteData,
  type Query,
  type QueryClient,
} from '@tanstack/react-query';
import { api, fetchAll } from '../../api/client';
import { ApiError } from '../../api/error';
import type { Comment, Me, Page, Task, TaskCounts, TaskDue, TaskPriority, TaskSort, TaskStatus } from '../../api/types';
import { meKey } from '../auth/queries';

/** How many tasks a column, or any other list of tasks, asks for at a time. */
export const PAGE_SIZE = 50;

/** What the board is narrowed to; the server does the filtering (`?q&priority&assignee_id&due`). */
export interface TaskFilters {
  q?: string;
  priority?: TaskPriority;
  /** A user's id, or `me`. */
  assignee_id?: string;
  due?: TaskDue;
}

/** The filters that are set, as query parameters. */
export function filterParams(filters: TaskFilters): Record<string, string> {
  const params: Record<string, string> = {};
  if (filters.q?.trim()) params.q = filters.q.trim();
  if (filters.priority) params.priority = filters.priority;
  if (filters.assignee_id) params.assignee_id = filters.assignee_id;
  if (filters.due) params.due = filters.due;
  return params;
}

/** One list of tasks: the filters, one status or every one, and the order. */
export interface ListParams extends TaskFilters {
  status?: TaskStatus;
  sort?: TaskSort;
}

/** A list's parameters as the server takes them; the default order (`created`) is left out. */
export function listParams(list: ListParams): Record<string, string> {
  const params = filterParams(list);
  if (list.status) params.status = list.status;
  if (list.sort && list.sort !== 'created') params.sort = list.sort;
  return params;
}

/** The scope of the lists over every project of the tenant (`GET /api/v1/tasks`). */
export const ALL_PROJECTS = 'all';

export const taskKeys = {
  all: ['tasks'] as const,
  lists: () => [...taskKeys.all, 'list'] as const,
  /** Every list of a project, or of all projects with [`ALL_PROJECTS`]. */
  scope: (scope: string) => [...taskKeys.lists(), scope] as const,
  /** One list, paged: `['tasks', 'list', scope, params]`, whose params are [`listParams`]'s. */
  list: (scope: string, list: ListParams) => [...taskKeys.scope(scope), listParams(list)] as const,
  counts: () => [...taskKeys.all, 'counts'] as const,
  /** A project's counts per status under `filters`: `['tasks', 'counts', projectId, params]`. */
  projectCounts: (projectId: string, filters: TaskFilters = {}) =>
    [...taskKeys.counts(), projectId, filterParams(filters)] as const,
  detail: (id: string) => [...taskKeys.all, 'detail', id] as const,
  comments: (id: string) => [...taskKeys.all, 'comments', id] as const,
};

/** A list's pages as the cache holds them. */
export type TaskPages = InfiniteData<Page<Task>>;

/** Reads one page of a list of tasks: the first without a cursor, the next with the last's. */
export async function fetchTaskPage(
  url: string,
  params: Record<string, string>,
  cursor: string | null,
  signal?: AbortSignal,
): Promise<Page<Task>> {
  const query: Record<string, string> = { ...params, limit: String(PAGE_SIZE) };
  if (cursor) query.cursor = cursor;
  return (await api.get<Page<Task>>(url, { params: query, signal })).data;
}

/**
 * The tasks of a list's loaded pages, in order, each once: a task put at the top after a write
 * may come again on a later page, which then does not show it twice.
 */
export function loadedTasks(data: TaskPages | undefined): Task[] {
  if (!data) return [];
  const seen = new Set<string>();
  const tasks: Task[] = [];
  for (const page of data.pages) {
    for (const task of page.items) {
      if (seen.has(task.id)) continue;
      seen.add(task.id);
      tasks.push(task);
    }
  }
  return tasks;
}

/**
 * One column of a board: a project's tasks with `status` under `filters`, in `sort` order, a
 * page at a time (`fetchNextPage` for the next). It is read once and then kept up to date by
 * this page's own writes, not read again on every window focus.
 */
export function useColumnTasks(projectId: string, status: TaskStatus, filters: TaskFilters, sort: TaskSort) {
  const list: ListParams = { ...filters, status, sort };
  return useInfiniteQuery({
    queryKey: taskKeys.list(projectId, list),
    queryFn: ({ pageParam, signal }) =>
      fetchTaskPage(`/api/v1/projects/${encodeURIComponent(projectId)}/tasks`, listParams(list), pageParam, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor,
    // While another filter or order is read, the column keeps showing the last answer.
    placeholderData: keepPreviousData,
    refetchOnWindowFocus: false,
  });
}

/** How many of a project's tasks each column holds under `filters`, as the server counts. */
export function useTaskCounts(projectId: string, filters: TaskFilters = {}) {
  return useQuery({
    queryKey: taskKeys.projectCounts(projectId, filters),
    queryFn: async ({ signal }) =>
      (
        await api.get<TaskCounts>(`/api/v1/projects/${encodeURIComponent(projectId)}/tasks/counts`, {
          params: filterParams(filters),
          signal,
        })
      ).data,
    placeholderData: keepPreviousData,
  });
}

export function useTask(id: string) {
  return useQuery({
    queryKey: taskKeys.detail(id),
    queryFn: async () => (await api.get<Task>(`/api/v1/tasks/${encodeURIComponent(id)}`)).data,
  });
}

function addDays(isoDate: string, days: number): string {
  const [y, m, d] = isoDate.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/**
 * Whether the server lists `task` under `params` (a list's or a count's, as in their keys),
 * the way it filters: every word of `q` in the title or the description, ignoring case; the
 * status, priority and assignee; the due date against today in UTC. `undefined` when the page
 * cannot tell (`assignee_id=me` before it knows who the caller is). Only a task the page itself
 * wrote is tested, to know which cached lists and counts it belongs to; lists come filtered
 * from the server.
 */
export function taskMatches(
  task: Task,
  params: Record<string, string | undefined>,
  meId: string | undefined,
  today: Date = new Date(),
): boolean | undefined {
  if (params.status && task.status !== params.status) return false;
  if (params.priority && task.priority !== params.priority) return false;
  if (params.due) {
    const day = today.toISOString().slice(0, 10);
    const due = task.due_date;
    const fits =
      params.due === 'none'
        ? due === null
        : params.due === 'overdue'
          ? due !== null && due < day && task.status !== 'done'
          : due !== null && due >= day && due <= addDays(day, 6);
    if (!fits) return false;
  }
  if (params.q) {
    const title = task.title.toLowerCase();
    const description = (task.description ?? '').toLowerCase();
    const words = params.q.toLowerCase().split(/\s+/).filter(Boolean);
    if (!words.every((w) => title.includes(w) || description.includes(w))) return false;
  }
  if (params.assignee_id) {
    const assignee = params.assignee_id === 'me' ? meId : params.assignee_id;
    if (assignee === undefined) return undefined;
    if (task.assignee_id !== assignee) return false;
  }
  return true;
}

function withoutTask(data: TaskPages, id: string): TaskPages {
  return { ...data, pages: data.pages.map((page) => ({ ...page, items: page.items.filter((t) => t.id !== id) })) };
}

function withTaskReplaced(data: TaskPages, task: Task): TaskPages {
  return {
    ...data,
    pages: data.pages.map((page) => ({ ...page, items: page.items.map((t) => (t.id === task.id ? task : t)) })),
  };
}

function withTaskFirst(data: TaskPages, task: Task): TaskPages {
  const [first, ...rest] = withoutTask(data, task.id).pages;
  if (!first) return data;
  return { ...data, pages: [{ ...first, items: [task, ...first.items] }, ...rest] };
}

/** The task as a cached list or the task's own query holds it, if any does. */
export function cachedTask(queryClient: QueryClient, id: string): Task | undefined {
  for (const [, data] of queryClient.getQueriesData<TaskPages>({ queryKey: taskKeys.lists() })) {
    for (const page of data?.pages ?? []) {
      const found = page.items.find((t) => t.id === id);
      if (found) return found;
    }
  }
  return queryClient.getQueryData<Task>(taskKeys.detail(id));
}

/** A query being read again while it has data, whose answer would undo a change made now. */
const busyWithData = (query: Query) => query.state.data !== undefined && query.state.fetchStatus === 'fetching';

/**
 * Puts one change of a task into every cached list and count, without reading any list again:
 * `before` is the task as it was (`null`: it did not exist; `undefined`: unknown), `after` as
 * it is now (`null`: deleted). A list it leaves drops it; a list it stays in replaces it where
 * it is; a list it enters gets it at the top of its first page. Counts move by one where it
 * left or entered; a count that cannot be worked out is read again.
 */
export async function applyTaskChange(queryClient: QueryClient, before: Task | null | undefined, after: Task | null) {
  const id = after?.id ?? before?.id;
  if (!id) return;
  const meId = queryClient.getQueryData<Me>(meKey)?.user.id;
  // A page on its way would land on top of this change and undo it: back to what it was.
  await Promise.all([
    queryClient.cancelQueries({ queryKey: taskKeys.lists(), predicate: busyWithData }),
    queryClient.cancelQueries({ queryKey: taskKeys.counts(), predicate: busyWithData }),
  ]);

  // Every list and count changes before the screen is drawn again.
  notifyManager.batch(() => writeTaskChange(queryClient, id, before, after, meId));
}

function writeTaskChange(
  queryClient: QueryClient,
  id: string,
  before: Task | null | undefined,
  after: Task | null,
  meId: string | undefined,
) {
  const leaving: (() => void)[] = [];
  for (const [key, data] of queryClient.getQueriesData<TaskPages>({ queryKey: taskKeys.lists() })) {
    if (!data) continue;
    const [, , scope, params] = key as readonly [string, string, string, Record<string, string>];
    const fits = after && (scope === ALL_PROJECTS || after.project_id === scope) ? taskMatches(after, params, meId) : false;
    const present = data.pages.some((page) => page.items.some((t) => t.id === id));
    if (present && fits === false) leaving.push(() => queryClient.setQueryData<TaskPages>(key, withoutTask(data, id)));
    else if (present && after) queryClient.setQueryData<TaskPages>(key, withTaskReplaced(data, after));
    else if (!present && fits === true && after) queryClient.setQueryData<TaskPages>(key, withTaskFirst(data, after));
  }
  // Out of the old lists only once in the new ones.
  for (const leave of leaving) leave();

  for (const [key, counts] of queryClient.getQueriesData<TaskCounts>({ queryKey: taskKeys.counts() })) {
    if (!counts) continue;
    const [, , projectId, params] = key as readonly [string, string, string, Record<string, string>];
    const was =
      before === undefined ? undefined : before !== null && before.project_id === projectId && taskMatches(before, params, meId);
    const is = after !== null && after.project_id === projectId && taskMatches(after, params, meId);
    if (was === undefined || is === undefined) {
      void queryClient.invalidateQueries({ queryKey: key, exact: true });
      continue;
    }
    if (!was && !is) continue;
    const next = { ...counts };
    if (was && before) next[before.status] = Math.max(0, next[before.status] - 1);
    if (is && after) next[after.status] += 1;
    queryClient.setQueryData<TaskCounts>(key, next);
  }

  if (after) queryClient.setQueryData(taskKeys.detail(after.id), after);
  else queryClient.removeQueries({ queryKey: taskKeys.detail(id), exact: true });
}

/** Puts a task as the server now has it into every cached list and count (see [`applyTaskChange`]). */
export function putTask(queryClient: QueryClient, task: Task) {
  return applyTaskChange(queryClient, cachedTask(queryClient, task.id), task);
}

/** What a task form sends: a task's own fields, without the ones the server sets. */
export type TaskInput = Pick<Task, 'title' | 'description' | 'status' | 'priority' | 'assignee_id' | 'due_date'>;

/** Creates a task; it appears at the top of its column, wherever the board is scrolled. */
export function useCreateTask(projectId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (input: TaskInput) =>
      (await api.post<Task>(`/api/v1/projects/${projectId}/tasks`, input)).data,
    onSuccess: (task) => applyTaskChange(queryClient, null, task),
  });
}

/** A task as the server has it now, with the `ETag` a change made against it sends back. */
export interface TaskVersion {
  task: Task;
  etag: string | null;
}

/** Reads a task and its version, fresh: the base of an edit. */
export async function fetchTaskVersion(id: string): Promise<TaskVersion> {
  const response = await api.get<Task>(`/api/v1/tasks/${encodeURIComponent(id)}`);
  const etag = response.headers['etag'];
  return { task: response.data, etag: typeof etag === 'string' ? etag : null };
}

/** The fields of `input` that differ from `base`: what an edit changes, and all it sends. */
export function changedFields(base: Task, input: TaskInput): Partial<TaskInput> {
  const changes: Partial<TaskInput> = {};
  for (const key of Object.keys(input) as (keyof TaskInput)[]) {
    if (input[key] !== base[key]) Object.assign(changes, { [key]: input[key] });
  }
  return changes;
}

export interface UpdateTask {
  id: string;
  /** Only the fields the user changed. */
  changes: Partial<TaskInput>;
  /** The version the changes were made against: a later change by someone else is a 412. */
  etag: string | null;
}

/** Saves an edit; the task changes in place in every list, or moves to its new column. */
export function useUpdateTask() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ id, changes, etag }: UpdateTask) =>
      (
        await api.patch<Task>(`/api/v1/tasks/${id}`, changes, {
          headers: etag ? { 'If-Match': etag } : {},
        })
      ).data,
    onSuccess: (task) => putTask(queryClient, task),
  });
}

export interface MoveTask {
  id: string;
  status: TaskStatus;
}

/**
 * Moves a card to another column at once, before the server answers: out of its old column's
 * pages, to the top of the new one's, both counts adjusted. If the server refuses, the card goes
 * back to its old column; if the task is gone (404), it leaves the board. No list is read again.
 */
export function useMoveTask() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ id, status }: MoveTask) => (await api.patch<Task>(`/api/v1/tasks/${id}`, { status })).data,
    onMutate: async ({ id, status }) => {
      await queryClient.cancelQueries({ queryKey: taskKeys.detail(id), exact: true });
      const before = cachedTask(queryClient, id);
      const moved = before ? { ...before, status } : undefined;
      if (before && moved) await applyTaskChange(queryClient, before, moved);
      return { before, moved };
    },
    onError: async (error, _move, context) => {
      if (!context?.moved) return;
      if (error instanceof ApiError && error.isNotFound) await applyTaskChange(queryClient, context.moved, null);
      else await applyTaskChange(queryClient, context.moved, context.before ?? null);
    },
    onSuccess: (task, _move, context) => applyTaskChange(queryClient, context?.moved, task),
  });
}

/** Deletes a task; it leaves every list, and the counts drop by one. */
export function useDeleteTask() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (task: Task) => {
      await api.delete(`/api/v1/tasks/${task.id}`);
      return task;
    },
    onSuccess: (task) => applyTaskChange(queryClient, cachedTask(queryClient, task.id) ?? task, null),
  });
}

export function useComments(taskId: string) {
  return useQuery({
    queryKey: taskKeys.comments(taskId),
    queryFn: () => fetchAll<Comment>(`/api/v1/tasks/${encodeURIComponent(taskId)}/comments`),
  });
}

export function useAddComment(taskId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (body: string) => (await api.post<Comment>(`/api/v1/tasks/${taskId}/comments`, { body })).data,
    onSuccess: (comment) => {
      queryClient.setQueryData<Comment[]>(taskKeys.comments(taskId), (list) => (list ? [...list, comment] : [comment]));
      return queryClient.invalidateQueries({ queryKey: taskKeys.comments(taskId) });
    },
  });
}
