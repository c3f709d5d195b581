import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, fetchAll } from '../../api/client';
import type { Report } from '../../api/types';

export const reportKeys = {
  detail: (id: string) => ['reports', id] as const,
  project: (projectId: string) => ['reports', 'project', projectId] as const,
};

export function isFinished(report: Report | undefined): boolean {
  return report?.status === 'done' || report?.status === 'failed';
}

export function useStartReport(projectId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async () => (await api.post<Report>(`/api/v1/projects/${projectId}/reports`)).data,
    // The list stops polling once everything in it is finished: the new report must restart it.
    onSuccess: () => queryClient.invalidateQueries({ queryKey: reportKeys.project(projectId) }),
  });
}

// The API lists oldest first; people look for their latest export.
function newestFirst(reports: Report[]): Report[] {
  return [...reports].reverse();
}

/**
 * Every report of the project, newest first, read again every `interval` ms while any of them
 * is still queued or running.
 */
export function useProjectReports(projectId: string, interval = 1000) {
  return useQuery({
    queryKey: reportKeys.project(projectId),
    queryFn: () => fetchAll<Report>(`/api/v1/projects/${encodeURIComponent(projectId)}/reports`),
    select: newestFirst,
    staleTime: 0,
    refetchInterval: (query) => (query.state.data?.some((r) => !isFinished(r)) ? interval : false),
  });
}

/** The report, read again every `interval` ms until it is done or failed. */
export function useReport(id: string | null, interval = 500) {
  return useQuery({
    queryKey: reportKeys.detail(id ?? ''),
    queryFn: async () => (await api.get<Report>(`/api/v1/reports/${id}`)).data,
    enabled: id !== null,
    staleTime: 0,
    refetchInterval: (query) => (isFinished(query.state.data) ? false : interval),
  });
}

/** The finished report's CSV, fetched with the bearer token like every other call. */
export function useDownloadReport() {
  return useMutation({
    mutationFn: async (id: string) => {
      const { data, headers } = await api.get<Blob>(`/api/v1/reports/${id}/download`, { responseType: 'blob' });
      // Browsers hand back a Blob; Node's http adapter hands back the bytes.
      if (data instanceof Blob) return data;
      return new Blob([data as BlobPart], { type: String(headers['content-type'] ?? 'text/csv') });
    },
  });
}

/** Hands a blob to the browser as a file download. */
export function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
