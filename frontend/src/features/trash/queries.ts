import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/client';
import type { Project, Trash, TrashedProject } from '../../api/types';
import { ALL_PROJECTS, taskKeys } from '../board/queries';
import { projectKeys } from '../projects/queries';

/** The projects list's order: oldest first, as the API answers it. */
function byCreation(a: Project, b: Project): number {
  return a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id);
}

/**
 * The projects in the trash, most recently deleted first. Owners and admins only: a member's
 * request fails with a 403 `ApiError`.
 */
export function useTrash() {
  return useQuery({
    queryKey: projectKeys.trash(),
    queryFn: async () => (await api.get<Trash>('/api/v1/trash')).data.items,
  });
}

/**
 * Takes a project out of the trash (`POST /api/v1/trash/{id}/restore`): it leaves the trash's
 * list and is back in the projects list, with its board read afresh.
 */
export function useRestoreProject() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (id: string) =>
      (await api.post<Project>(`/api/v1/trash/${encodeURIComponent(id)}/restore`)).data,
    onSuccess: (project) => {
      queryClient.setQueryData(projectKeys.detail(project.id), project);
      queryClient.setQueryData<TrashedProject[]>(projectKeys.trash(), (items) =>
        items?.filter((p) => p.id !== project.id),
      );
      queryClient.setQueryData<Project[]>(projectKeys.list(), (list) =>
        list ? [...list.filter((p) => p.id !== project.id), project].sort(byCreation) : list,
      );
      return Promise.all([
        queryClient.invalidateQueries({ queryKey: projectKeys.list() }),
        queryClient.invalidateQueries({ queryKey: projectKeys.trash() }),
        // Its board and counts, and "My tasks", whose lists left its tasks out while it was
        // in the trash.
        queryClient.invalidateQueries({ queryKey: taskKeys.scope(project.id) }),
        queryClient.invalidateQueries({ queryKey: taskKeys.scope(ALL_PROJECTS) }),
        queryClient.invalidateQueries({ queryKey: [...taskKeys.counts(), project.id] }),
      ]);
    },
    // Someone else may have restored or purged it meanwhile: the trash is read again.
    onError: () => queryClient.invalidateQueries({ queryKey: projectKeys.trash() }),
  });
}

/**
 * Deletes a project in the trash for good (`DELETE /api/v1/trash/{id}`), with its tasks,
 * comments and reports. There is no undo.
 */
export function usePurgeProject() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (id: string) => {
      await api.delete(`/api/v1/trash/${encodeURIComponent(id)}`);
      return id;
    },
    onSuccess: (id) => {
      queryClient.setQueryData<TrashedProject[]>(projectKeys.trash(), (items) => items?.filter((p) => p.id !== id));
      return queryClient.invalidateQueries({ queryKey: projectKeys.trash() });
    },
    onError: () => queryClient.invalidateQueries({ queryKey: projectKeys.trash() }),
  });
}
