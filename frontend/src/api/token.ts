const KEY = 'taskflow.token';

export function getToken(): string | null {
  return window.localStorage.getItem(KEY);
}

const CHANGED = 'taskflow:token';

export function setToken(token: string): void {
  window.localStorage.setItem(KEY, token);
  window.dispatchEvent(new Event(CHANGED));
}

export function clearToken(): void {
  window.localStorage.removeItem(KEY);
  window.dispatchEvent(new Event(CHANGED));
}

/** Calls `listener` whenever the token changes, in this tab or another; returns the undo. */
export function onTokenChange(listener: () => void): () => void {
  const storage = (e: StorageEvent) => {
    if (e.key === KEY || e.key === null) listener();
  };
  window.addEventListener(CHANGED, listener);
  window.addEventListener('storage', storage);
  return () => {
    window.removeEventListener(CHANGED, listener);
    window.removeEventListener('storage', storage);
  };
}

/** The pages whose link holds a one-time token in its fragment (`/invite#token=...`). */
export const ONE_TIME_LINK_PATHS = ['/invite', '/reset-password'];

/** The `token` of a one-time link's fragment (`#token=...`), or null. */
export function fragmentToken(hash: string): string | null {
  return new URLSearchParams(hash.replace(/^#/, '')).get('token') || null;
}

/**
 * Signup happens on the base host and the app continues on the tenant's subdomain, another
 * origin with its own localStorage: the token travels in the URL fragment (never sent to a
 * server) and is moved into storage, and out of the address bar, on arrival.
 */
export function takeTokenFromFragment(location: Location = window.location): boolean {
  // An invitation's or a password reset's link carries its own one-time token, not a session.
  if (ONE_TIME_LINK_PATHS.includes(location.pathname)) return false;
  const params = new URLSearchParams(location.hash.replace(/^#/, ''));
  const token = params.get('token');
  if (!token) return false;
  setToken(token);
  window.history.replaceState(null, '', location.pathname + location.search);
  return true;
}
