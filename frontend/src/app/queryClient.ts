import { QueryClient } from '@tanstack/react-query';
import { ApiError } from '../api/error';

/** A client error will not fix itself by asking again; other failures get one more try. */
function retry(failureCount: number, error: unknown): boolean {
  if (error instanceof ApiError && error.status >= 400 && error.status < 500) return false;
  return failureCount < 1;
}

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: { retry, staleTime: 10_000 },
      mutations: { retry: false },
    },
  });
}
