import { useEffect, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { getToken, onTokenChange } from '../../api/token';
import { meKey } from '../auth/queries';
import {
  applyProjectEvent,
  applyTaskEvent,
  PROJECT_EVENTS,
  resync,
  TASK_EVENTS,
  type ProjectEventData,
  type TaskEventData,
} from './apply';
import { readEventStream, StreamError, type StreamEvent } from './sse';

/** `connecting` before the first `ready`, `live` while the stream is open, `reconnecting` after it dropped. */
export type LiveStatus = 'connecting' | 'live' | 'reconnecting';

export interface LiveState {
  status: LiveStatus;
  /** How many task events this page has received (the end-to-end tests read it). */
  taskEvents: number;
}

export interface LiveOptions {
  /** The stream's address; the API's own by default. */
  url?: string;
  /** `fetch` itself by default. */
  fetch?: typeof fetch;
  /** The wait before the n-th retry in a row (from 0), in ms. */
  backoff?: (attempt: number) => number;
}

/** 1 s, 2 s, 4 s ... up to 30 s, each a little shorter or longer, so tabs do not come back at once. */
export function defaultBackoff(attempt: number): number {
  const base = Math.min(30_000, 1000 * 2 ** attempt);
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

const isTaskEvent = (name: string) => (TASK_EVENTS as readonly string[]).includes(name);
const isProjectEvent = (name: string) => (PROJECT_EVENTS as readonly string[]).includes(name);

/**
 * Holds the tenant's live stream (`GET /api/v1/events`) while `userId` is signed in, and puts
 * every event into the query cache: task events into the columns, counts and "My tasks" in
 * place, project events by reading the projects again, `resync` by reading everything again.
 * A dropped stream is opened again after a backoff, and at once when the token changes (a
 * login, another tab's); after a drop, everything is read again, since events were missed.
 * A token the stream refuses (401) has `me` read again, which takes the user to the login page.
 * Mount it once, in the app's shell.
 */
export function useLiveUpdates(userId: string | undefined, options: LiveOptions = {}): LiveState {
  const queryClient = useQueryClient();
  const [status, setStatus] = useState<LiveStatus>('connecting');
  const [taskEvents, setTaskEvents] = useState(0);
  const { url = '/api/v1/events', fetch: doFetch, backoff = defaultBackoff } = options;

  useEffect(() => {
    if (!userId) return;
    let stopped = false;
    let controller: AbortController | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let attempt = 0;
    let everReady = false;
    // Events are applied one after the other, in the order they came.
    let queue: Promise<unknown> = Promise.resolve();

    const handle = (event: StreamEvent) => {
      if (event.event === 'ready') {
        attempt = 0;
        setStatus('live');
        if (everReady) queue = queue.then(() => resync(queryClient));
        everReady = true;
        return;
      }
      if (event.event === 'resync') {
        queue = queue.then(() => resync(queryClient));
        return;
      }
      let data: unknown;
      try {
        data = JSON.parse(event.data);
      } catch {
        return;
      }
      if (isTaskEvent(event.event)) {
        setTaskEvents((n) => n + 1);
        queue = queue.then(() => applyTaskEvent(queryClient, event.event, data as TaskEventData)).catch(() => resync(queryClient));
      } else if (isProjectEvent(event.event)) {
        queue = queue.then(() => applyProjectEvent(queryClient, event.event, data as ProjectEventData));
      }
    };

    const connect = () => {
      clearTimeout(timer);
      controller?.abort();
      if (stopped) return;
      const token = getToken();
      if (!token) return;
      const mine = new AbortController();
      controller = mine;
      readEventStream({ url, token, signal: mine.signal, onEvent: handle, fetch: doFetch })
        .catch((error: unknown) => {
          if (error instanceof StreamError && error.status === 401) {
            // Someone else's token now, or none: `me` read again goes through the 401 handling.
            void queryClient.invalidateQueries({ queryKey: meKey });
            return 'refused';
          }
        })
        .then((outcome) => {
          if (stopped || controller !== mine) return;
          setStatus(everReady ? 'reconnecting' : 'connecting');
          if (outcome === 'refused') return; // until the token changes
          timer = setTimeout(connect, backoff(attempt++));
        });
    };

    const reconnectNow = () => {
      attempt = 0;
      connect();
    };
    const stopTokenWatch = onTokenChange(reconnectNow);
    window.addEventListener('online', reconnectNow);
    connect();
    return () => {
      stopped = true;
      clearTimeout(timer);
      controller?.abort();
      stopTokenWatch();
      window.removeEventListener('online', reconnectNow);
    };
  }, [userId, url, doFetch, backoff, queryClient]);

  return { status, taskEvents };
}
