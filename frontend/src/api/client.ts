import axios from 'axios';
import { ApiError, toApiError } from './error';
import { clearToken, getToken } from './token';
import type { Page } from './types';

/** The one HTTP client: relative URLs on the current origin, whose Host names the tenant. */
export const api = axios.create({
  headers: { Accept: 'application/json' },
});

type UnauthorizedHandler = () => void;

let onUnauthorized: UnauthorizedHandler = () => {
  window.location.assign('/login');
};

/** Who takes the user to the login page when a request comes back 401; returns the undo. */
export function setUnauthorizedHandler(handler: UnauthorizedHandler): () => void {
  const previous = onUnauthorized;
  onUnauthorized = handler;
  return () => {
    onUnauthorized = previous;
  };
}

const LOGIN_PATH = '/api/v1/auth/login';

api.interceptors.request.use((config) => {
  const token = getToken();
  if (token) config.headers.set('Authorization', `Bearer ${token}`);
  return config;
});

api.interceptors.response.use(
  (response) => response,
  async (error: unknown) => {
    const apiError = await toApiError(error);
    const url = axios.isAxiosError(error) ? (error.config?.url ?? '') : '';
    // A wrong password on the login form is a 401 too: that one is the form's to show.
    if (apiError.status === 401 && !url.endsWith(LOGIN_PATH)) {
      clearToken();
      onUnauthorized();
    }
    return Promise.reject(apiError);
  },
);

/** Follows `next_cursor` until the last page and returns every item. */
export async function fetchAll<T>(url: string, params: Record<string, string> = {}): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  do {
    const query: Record<string, string> = { ...params, limit: '200' };
    if (cursor) query.cursor = cursor;
    const { data }: { data: Page<T> } = await api.get<Page<T>>(url, { params: query });
    items.push(...data.items);
    cursor = data.next_cursor;
  } while (cursor);
  return items;
}

export { ApiError };
