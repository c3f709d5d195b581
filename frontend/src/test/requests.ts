import { onTestFinished } from 'vitest';
import { api } from '../api/client';

/**
 * Records every request the app's client sends from now to the end of the test, as
 * `GET /api/v1/...?a=1&b=2`.
 */
export function recordRequests(): string[] {
  const seen: string[] = [];
  const id = api.interceptors.request.use((config) => {
    const query = new URLSearchParams(config.params as Record<string, string> | undefined).toString();
    seen.push(`${(config.method ?? 'get').toUpperCase()} ${config.url}${query ? `?${query}` : ''}`);
    return config;
  });
  onTestFinished(() => api.interceptors.request.eject(id));
  return seen;
}

/** The reads of a project's task lists among `seen` (not its counts, not single tasks). */
export function listReads(seen: string[], projectId: string): string[] {
  return seen.filter((r) => r.startsWith(`GET /api/v1/projects/${projectId}/tasks?`) || r === `GET /api/v1/projects/${projectId}/tasks`);
}
