import { isAxiosError } from 'axios';
import { readBlobText } from './blob';

/** An error answer of the API, `{"error": {"code", "message", "fields"?}}`, or a failure to reach it. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly fields: Record<string, string>;

  constructor(status: number, code: string, message: string, fields: Record<string, string> = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.fields = fields;
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
    return new ApiError(status, code, message, fields);
  }
  if (error instanceof Error) return new ApiError(0, 'client_error', error.message);
  return new ApiError(0, 'client_error', String(error));
}

/** A sentence for the user, whatever was thrown. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return 'Something went wrong.';
}
