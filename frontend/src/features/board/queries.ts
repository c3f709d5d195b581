import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, fetchAll } from '../../api/client';
import type { Comment, Task, TaskPriority, TaskStatus } from '../../api/types';

/** What the board is narrowed to; the server does the filtering (`?q&priority&assignee_id`). */
export interface TaskFilters {
  q?: string;
  priority?: TaskPriority;
  /** A user's id, or `me`. */
  assignee_id?: string;
}

/** The filters that are set, as query parameters. */
export function filterParams(filters: TaskFilters): Record<string, string> {
  const params: Record<string, string> = {};
  if (filters.q?.trim()) params.q = filters.q.trim();
  if (filters.priority) params.priority = filters.priority;
  if (filters.assignee_id) params.assignee_id = filters.assignee_id;
  return params;
}

export const taskKeys = {
  all: ['tasks'] as const,
  list: (projectId: string) => [...taskKeys.all, 'list', projectId] as const,
  /** The list under `filters`; without any, the list itself (which creates and moves update). */
  filtered: (projectId: string, filters: TaskFilters = {}) => {
    const params = filterParams(filters);
    return Object.keys(params).length === 0 ? taskKeys.list(projectId) : ([...taskKeys.list(projectId), params] as const);
  },
  detail: (id: string) => [...taskKeys.all, 'detail', id] as const,
  comments: (id: string) => [...taskKeys.all, 'comments', id] as const,
};

export function useTasks(projectId: string, filters: TaskFilters = {}) {
  return useQuery({
    queryKey: taskKeys.filtered(projectId, filters),
    queryFn: () => fetchAll<Task>(`/api/v1/projects/${encodeURIComponent(projectId)}/tasks`, filterParams(filters)),
    // While a new search runs, the board keeps showing the last answer instead of a spinner.
    placeholderData: (previous) => previous,
  });
}

export function useTask(id: string) {
  return useQuery({
    queryKey: taskKeys.detail(id),
    queryFn: async () => (await api.get<Task>(`/api/v1/tasks/${encodeURIComponent(id)}`)).data,
  });
}

/** What a task form sends: a task's own fields, without the ones the server sets. */
export type TaskInput = Pick<Task, 'title' | 'description' | 'status' | 'priority' | 'assignee_id' | 'due_date'>;

function replaceTask(list: Task[] | undefined, task: Task): Task[] | undefined {
  return list?.map((t) => (t.id === task.id ? task : t));
}

export function useCreateTask(projectId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (input: TaskInput) =>
      (await api.post<Task>(`/api/v1/projects/${projectId}/tasks`, input)).data,
    onSuccess: (task) => {
      queryClient.setQueryData<Task[]>(taskKeys.list(projectId), (list) => (list ? [...list, task] : list));
      queryClient.setQueryData(taskKeys.detail(task.id), task);
      return queryClient.invalidateQueries({ queryKey: taskKeys.list(projectId) });
    },
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

export function useUpdateTask() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ id, changes, etag }: UpdateTask) =>
      (
        await api.patch<Task>(`/api/v1/tasks/${id}`, changes, {
          headers: etag ? { 'If-Match': etag } : {},
        })
      ).data,
    onSuccess: (task) => {
      queryClient.setQueryData(taskKeys.detail(task.id), task);
      queryClient.setQueryData<Task[]>(taskKeys.list(task.project_id), (list) => replaceTask(list, task));
      return queryClient.invalidateQueries({ queryKey: taskKeys.list(task.project_id) });
    },
  });
}

export interface MoveTask {
  id: string;
  status: TaskStatus;
}

/**
 * Moves a card to another column at once, before the server answers; if the server refuses,
 * the board goes back to what it was, and either way it is read again afterwards.
 */
export function useMoveTask(projectId: string, filters: TaskFilters = {}) {
  const queryClient = useQueryClient();
  const listKey = taskKeys.filtered(projectId, filters);
  return useMutation({
    mutationFn: async ({ id, status }: MoveTask) => (await api.patch<Task>(`/api/v1/tasks/${id}`, { status })).data,
    onMutate: async ({ id, status }) => {
      await queryClient.cancelQueries({ queryKey: listKey });
      await queryClient.cancelQueries({ queryKey: taskKeys.detail(id) });
      const previousList = queryClient.getQueryData<Task[]>(listKey);
      const previousTask = queryClient.getQueryData<Task>(taskKeys.detail(id));
      queryClient.setQueryData<Task[]>(listKey, (list) => list?.map((t) => (t.id === id ? { ...t, status } : t)));
      if (previousTask) queryClient.setQueryData<Task>(taskKeys.detail(id), { ...previousTask, status });
      return { previousList, previousTask };
    },
    onError: (_error, { id }, context) => {
      if (context?.previousList) queryClient.setQueryData(listKey, context.previousList);
      if (context?.previousTask) queryClient.setQueryData(taskKeys.detail(id), context.previousTask);
    },
    onSettled: (_data, _error, { id }) =>
      Promise.all([
        // Every list of the project, filtered or not: the card may enter or leave one.
        queryClient.invalidateQueries({ queryKey: taskKeys.list(projectId) }),
        queryClient.invalidateQueries({ queryKey: taskKeys.detail(id) }),
      ]),
  });
}

export function useDeleteTask() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (task: Task) => {
      await api.delete(`/api/v1/tasks/${task.id}`);
      return task;
    },
    onSuccess: (task) => {
      queryClient.setQueryData<Task[]>(taskKeys.list(task.project_id), (list) => list?.filter((t) => t.id !== task.id));
      queryClient.removeQueries({ queryKey: taskKeys.detail(task.id) });
      return queryClient.invalidateQueries({ queryKey: taskKeys.list(task.project_id) });
    },
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
