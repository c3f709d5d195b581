// The `text/event-stream` format over `fetch`.
//
// Why not the browser's EventSource: it cannot send an `Authorization` header, and the stream
// (`GET /api/v1/events`) takes the same bearer token as every other request (a token in the
// URL would end up in logs). Why not @microsoft/fetch-event-source: it has seen no release
// since 2021, brings its own retry and page-visibility policies that this app would have to
// work around (it closes the stream while the tab is hidden, by default), and the format is
// small: the parser below follows the WHATWG rules (any line ending, `:` comments, `event`,
// `data` on several lines, `id`, `retry`) in some sixty lines, and the reconnecting lives in
// useLiveUpdates, with the app's own backoff and the token of the moment.

/** One event of the stream, once its blank line came. */
export interface StreamEvent {
  /** `message` when the event names none. */
  event: string;
  data: string;
  id: string | null;
}

/**
 * Feeds chunks of text to `onEvent`, one call per complete event: a `feed(chunk)` per piece
 * of the body, as it comes, in any size (a line or an event may be split across chunks).
 */
export function createEventStreamParser(onEvent: (event: StreamEvent) => void) {
  let buffer = '';
  let event = '';
  let data: string[] = [];
  let id: string | null = null;
  let sawCR = false;

  const line = (text: string) => {
    if (text === '') {
      if (data.length > 0) onEvent({ event: event || 'message', data: data.join('\n'), id });
      event = '';
      data = [];
      return;
    }
    if (text.startsWith(':')) return; // a comment: the server's keep-alive
    const colon = text.indexOf(':');
    const field = colon === -1 ? text : text.slice(0, colon);
    let value = colon === -1 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
    else if (field === 'id' && !value.includes('\0')) id = value;
    // `retry` and unknown fields: the reconnecting is the caller's own.
  };

  return {
    feed(chunk: string) {
      let text = chunk;
      // A CR ended the last chunk: an LF starting this one belongs to it.
      if (sawCR && text.startsWith('\n')) text = text.slice(1);
      sawCR = false;
      buffer += text;
      let start = 0;
      for (let i = 0; i < buffer.length; i++) {
        const c = buffer[i];
        if (c !== '\n' && c !== '\r') continue;
        line(buffer.slice(start, i));
        if (c === '\r') {
          if (i + 1 === buffer.length) sawCR = true;
          else if (buffer[i + 1] === '\n') i++;
        }
        start = i + 1;
      }
      buffer = buffer.slice(start);
    },
  };
}

/** Why a stream could not be opened: the server's status (401: the token is no good). */
export class StreamError extends Error {
  constructor(readonly status: number) {
    super(`event stream answered ${status}`);
  }
}

export interface OpenStream {
  url: string;
  token: string;
  signal: AbortSignal;
  onEvent: (event: StreamEvent) => void;
  /** `fetch` itself unless told otherwise (the unit tests name the tenant's Host). */
  fetch?: typeof fetch;
}

/**
 * Reads the stream at `url` until it ends (resolves), fails or is aborted (rejects): a
 * `StreamError` when the answer is not a 200 event stream.
 */
export async function readEventStream({ url, token, signal, onEvent, fetch: doFetch = fetch }: OpenStream): Promise<void> {
  const response = await doFetch(url, {
    headers: { Accept: 'text/event-stream', Authorization: `Bearer ${token}` },
    cache: 'no-store',
    signal,
  });
  const type = response.headers.get('content-type') ?? '';
  if (!response.ok || !response.body || !type.startsWith('text/event-stream')) {
    await response.body?.cancel().catch(() => undefined);
    throw new StreamError(response.ok ? 0 : response.status);
  }
  const parser = createEventStreamParser(onEvent);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      parser.feed(value);
    }
  } finally {
    reader.releaseLock();
  }
}
