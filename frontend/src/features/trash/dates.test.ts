import { describe, expect, it } from 'vitest';
import { taskCount, timeAgo } from './dates';

describe('timeAgo', () => {
  const now = Date.parse('2027-01-10T12:00:00Z');

  it('says how long ago, in the largest whole unit', () => {
    expect(timeAgo('2027-01-10T11:59:30Z', now)).toBe('just now');
    expect(timeAgo('2027-01-10T11:59:00Z', now)).toBe('1 minute ago');
    expect(timeAgo('2027-01-10T11:15:00Z', now)).toBe('45 minutes ago');
    expect(timeAgo('2027-01-10T09:00:00Z', now)).toBe('3 hours ago');
    expect(timeAgo('2027-01-09T10:00:00Z', now)).toBe('yesterday');
    expect(timeAgo('2027-01-08T12:00:00Z', now)).toBe('2 days ago');
    expect(timeAgo('2026-12-12T12:00:00Z', now)).toBe('29 days ago');
  });

  it('reads a clock a little ahead of the server as just now', () => {
    expect(timeAgo('2027-01-10T12:00:05Z', now)).toBe('just now');
  });
});

describe('taskCount', () => {
  it('counts tasks in words', () => {
    expect(taskCount(0)).toBe('No tasks');
    expect(taskCount(1)).toBe('1 task');
    expect(taskCount(12)).toBe('12 tasks');
  });
});
