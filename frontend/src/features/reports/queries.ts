import { useMutation, useQuery } from '@tanstack/react-query';
import { api } from '../../api/client';
import type { Report } from '../../api/types';

export const reportKeys = {
  detail: (id: string) => ['reports', id] as const,
};

export function isFinished(report: Report | undefined): boolean {
  return report?.status === 'done' || report?.status === 'failed';
}

export function useStartReport(projectId: string) {
  return useMutation({
    mutationFn: async () => (await api.post<Report>(`/api/v1/projects/${projectId}/reports`)).data,
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
