import { keepPreviousData, useInfiniteQuery } from '@tanstack/react-query';
import type { TaskDue, TaskSort, TaskStatus } from '../../api/types';
import { ALL_PROJECTS, fetchTaskPage, listParams, taskKeys, type ListParams } from '../board/queries';

/** What "My tasks" is narrowed to and ordered by. */
export interface MyTasksView {
  status?: TaskStatus;
  due?: TaskDue;
  sort: TaskSort;
}

/**
 * The caller's tasks in every project of the tenant (`GET /api/v1/tasks?assignee_id=me`), a page
 * at a time; the board's writes keep it up to date like its own columns.
 */
export function useMyTasks(view: MyTasksView) {
  const list: ListParams = { assignee_id: 'me', status: view.status, due: view.due, sort: view.sort };
  return useInfiniteQuery({
    queryKey: taskKeys.list(ALL_PROJECTS, list),
    queryFn: ({ pageParam, signal }) => fetchTaskPage('/api/v1/tasks', listParams(list), pageParam, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor,
    placeholderData: keepPreviousData,
    refetchOnWindowFocus: false,
  });
}
