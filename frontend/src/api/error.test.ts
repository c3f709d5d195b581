import { describe, expect, it } from 'vitest';
import { formatWait, retryAfterSeconds } from './error';

describe('retryAfterSeconds', () => {
  it('reads seconds or an HTTP date', () => {
    expect(retryAfterSeconds('120')).toBe(120);
    expect(retryAfterSeconds(30)).toBe(30);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterSeconds('Thu, 01 Jan 2026 00:01:30 GMT', now)).toBe(90);
    expect(retryAfterSeconds(undefined)).toBeNull();
    expect(retryAfterSeconds('soon')).toBeNull();
  });
});

describe('formatWait', () => {
  it('says a wait in words', () => {
    expect(formatWait(1)).toBe('1 second');
    expect(formatWait(45)).toBe('45 seconds');
    expect(formatWait(60)).toBe('1 minute');
    expect(formatWait(299)).toBe('5 minutes');
  });
});
