// How the trash tells its dates: when a project was deleted, in words, and the day it goes.

const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** How long before `now` the instant `iso` was: `just now`, `5 minutes ago`, `yesterday`, `3 days ago`. */
export function timeAgo(iso: string, now: number = Date.now()): string {
  const elapsed = Math.max(0, now - Date.parse(iso));
  if (elapsed < MINUTE) return 'just now';
  if (elapsed < HOUR) return relative.format(-Math.floor(elapsed / MINUTE), 'minute');
  if (elapsed < DAY) return relative.format(-Math.floor(elapsed / HOUR), 'hour');
  return relative.format(-Math.floor(elapsed / DAY), 'day');
}

/** The day of the instant `iso`, in the reader's locale: `Jan 6, 2027`. */
export function formatDay(iso: string): string {
  return new Date(iso).toLocaleDateString(undefined, { dateStyle: 'medium' });
}

/** The date and time of the instant `iso`, in the reader's locale. */
export function formatInstant(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** `No tasks`, `1 task`, `12 tasks`. */
export function taskCount(tasks: number): string {
  if (tasks === 0) return 'No tasks';
  return tasks === 1 ? '1 task' : `${tasks} tasks`;
}
