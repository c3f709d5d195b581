import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, fetchAll } from '../../api/client';
import type { Project } from '../../api/types';

export const projectKeys = {
  all: ['projects'] as const,
  list: () => [...projectKeys.all, 'list'] as const,
  detail: (id: string) => [...projectKeys.all, 'detail', id] as const,
  /** The projects in the trash (`GET /api/v1/trash`), read by the trash screen. */
  trash: () => [...projectKeys.all, 'trash'] as const,
};

export function useProjects() {
  return useQuery({
    queryKey: projectKeys.list(),
    queryFn: () => fetchAll<Project>('/api/v1/projects'),
  });
}

export function useProject(id: string) {
  return useQuery({
    queryKey: projectKeys.detail(id),
    queryFn: async () => (await api.get<Project>(`/api/v1/projects/${encodeURIComponent(id)}`)).data,
  });
}

export interface ProjectInput {
  name: string;
  description?: string | null;
}

export function useCreateProject() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (input: ProjectInput) => (await api.post<Project>('/api/v1/projects', input)).data,
    onSuccess: (project) => {
      queryClient.setQueryData(projectKeys.detail(project.id), project);
      return queryClient.invalidateQueries({ queryKey: projectKeys.list() });
    },
  });
}

export function useUpdateProject() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ id, ...input }: ProjectInput & { id: string }) =>
      (await api.patch<Project>(`/api/v1/projects/${id}`, input)).data,
    onSuccess: (project) => {
      queryClient.setQueryData(projectKeys.detail(project.id), project);
      queryClient.setQueryData<Project[]>(projectKeys.list(), (list) =>
        list?.map((p) => (p.id === project.id ? project : p)),
      );
      return queryClient.invalidateQueries({ queryKey: projectKeys.list() });
    },
  });
}

/** Moves a project to the trash: out of the projects list, into the trash's. */
export function useDeleteProject() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (id: string) => {
      await api.delete(`/api/v1/projects/${id}`);
      return id;
    },
    onSuccess: (id) => {
      queryClient.setQueryData<Project[]>(projectKeys.list(), (list) => list?.filter((p) => p.id !== id));
      queryClient.removeQueries({ queryKey: projectKeys.detail(id) });
      return Promise.all([
        queryClient.invalidateQueries({ queryKey: projectKeys.list() }),
        queryClient.invalidateQueries({ queryKey: projectKeys.trash() }),
      ]);
    },
  });
}
