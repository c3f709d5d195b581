import { isAxiosError } from 'axios';
import { readBlobText } from './blob';

/** An error answer of the API, `{"error": {"code", "message", "fields"?}}`, or a failure to reach it. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly fields: Record<string, string>;
  /** On a 429: how many seconds to wait, from `Retry-After`; null when the server did not say. */
  readonly retryAfter: number | null;

  constructor(
    status: number,
    code: string,
    message: string,
    fields: Record<string, string> = {},
    retryAfter: number | null = null,
  ) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.fields = fields;
    this.retryAfter = retryAfter;
  }

  get isNotFound(): boolean {
    return this.status === 404;
  }
}

interface ErrorBody {
  error?: { code?: unknown; message?: unknown; fields?: unknown };
}

async function readBody(data: unknown): Promise<unknown> {
  if (typeof Blob !== 'undefined' && data instanceof Blob) {
    const text = await readBlobText(data);
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  if (typeof data === 'string') {
    try {
      return JSON.parse(data);
    } catch {
      return data;
    }
  }
  return data;
}

const FALLBACK: Record<number, string> = {
  401: 'Your session has ended. Please log in again.',
  403: 'You are not allowed to do that.',
  404: 'Not found.',
  429: 'Too many requests. Please wait a moment and try again.',
  503: 'The service is unavailable. Please try again shortly.',
};

/**
 * The seconds of a `Retry-After` header: a number of seconds, or an HTTP date (counted from
 * now); null when absent or unreadable.
 */
export function retryAfterSeconds(header: unknown, now: number = Date.now()): number | null {
  if (typeof header !== 'string' && typeof header !== 'number') return null;
  const text = String(header).trim();
  if (/^\d+$/.test(text)) return Number(text);
  const date = Date.parse(text);
  if (Number.isNaN(date)) return null;
  return Math.max(0, Math.ceil((date - now) / 1000));
}

function headerOf(headers: unknown, name: string): unknown {
  if (!headers || typeof headers !== 'object') return undefined;
  const h = headers as { get?: (n: string) => unknown } & Record<string, unknown>;
  return typeof h.get === 'function' ? h.get(name) : h[name];
}

/** A wait in words: `45 seconds`, `1 minute`, `5 minutes`. */
export function formatWait(seconds: number): string {
  if (seconds < 60) {
    const s = Math.max(1, Math.round(seconds));
    return s === 1 ? '1 second' : `${s} seconds`;
  }
  const minutes = Math.ceil(seconds / 60);
  return minutes === 1 ? '1 minute' : `${minutes} minutes`;
}

/** Turns whatever axios threw into an {@link ApiError} carrying the API's own message. */
export async function toApiError(error: unknown): Promise<ApiError> {
  if (error instanceof ApiError) return error;
  if (isAxiosError(error)) {
    if (!error.response) {
      return new ApiError(0, 'network_error', 'Cannot reach the server. Check your connection and try again.');
    }
    const { status } = error.response;
    const body = (await readBody(error.response.data)) as ErrorBody | undefined;
    const detail = body && typeof body === 'object' ? body.error : undefined;
    const code = typeof detail?.code === 'string' ? detail.code : `http_${status}`;
    const message =
      typeof detail?.message === 'string' && detail.message
        ? detail.message
        : (FALLBACK[status] ?? `The server answered ${status}.`);
    const fields =
      detail?.fields && typeof detail.fields === 'object'
        ? Object.fromEntries(
            Object.entries(detail.fields as Record<string, unknown>).map(([k, v]) => [k, String(v)]),
          )
        : {};
    return new ApiError(status, code, message, fields, retryAfterSeconds(headerOf(error.response.headers, 'retry-after')));
  }
  if (error instanceof Error) return new ApiError(0, 'client_error', error.message);
  return new ApiError(0, 'client_error', String(error));
}

/**
 * What each error code means to a person. The server's own message is kept only where it says
 * something specific that these cannot (which value is taken); every other code reads the same
 * wherever it happens.
 */
const FRIENDLY: Record<string, string> = {
  bad_request: 'That link or request is not valid. Check the address, or go back and try again.',
  unauthorized: 'Your session has ended. Please log in again.',
  forbidden: 'Your role does not allow this. Ask an owner or an admin of your organization.',
  tenant_suspended: 'This organization is suspended. Contact your administrator.',
  tenant_not_found: 'There is no organization at this address.',
  not_found: 'This does not exist, or no longer does.',
  method_not_allowed: 'That cannot be done here.',
  request_timeout: 'Sending took too long. Check your connection and try again.',
  precondition_failed: 'Someone else changed this meanwhile. Reload to see their change, then try again.',
  payload_too_large: 'That is too large to send (the limit is 1 MiB).',
  validation_failed: 'Some fields need fixing: see the messages below them.',
  rate_limited: 'Too many attempts in a short time. Wait a few minutes, then try again.',
  unavailable: 'TaskFlow is briefly unavailable. Try again in a moment.',
  internal_error: 'Something went wrong on our side. Try again later.',
};

/** `the name is taken` → `The name is taken.` */
function sentence(text: string): string {
  const trimmed = text.trim();
  if (!trimmed) return trimmed;
  const capital = trimmed[0].toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

/** A sentence for the user, whatever was thrown. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) {
    // A conflict names what is taken: the server's words are the useful ones.
    if (error.code === 'conflict') return sentence(error.message);
    return FRIENDLY[error.code] ?? sentence(error.message);
  }
  if (error instanceof Error) return sentence(error.message);
  return 'Something went wrong.';
}

/** Whether trying the same request again could succeed (not for a bad link or a missing thing). */
export function isRetryable(error: unknown): boolean {
  if (!(error instanceof ApiError)) return true;
  return error.status === 0 || error.status >= 500 || error.status === 408 || error.status === 429;
}
