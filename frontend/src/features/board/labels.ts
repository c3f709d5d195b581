import type { TaskDue, TaskPriority, TaskSort, TaskStatus } from '../../api/types';
import type { TaskInput } from './queries';

export const STATUSES: TaskStatus[] = ['todo', 'in_progress', 'done'];
export const PRIORITIES: TaskPriority[] = ['low', 'medium', 'high'];
export const DUES: TaskDue[] = ['overdue', 'week', 'none'];
export const SORTS: TaskSort[] = ['created', 'due', 'priority'];

export const STATUS_LABEL: Record<TaskStatus, string> = {
  todo: 'To do',
  in_progress: 'In progress',
  done: 'Done',
};

export const PRIORITY_LABEL: Record<TaskPriority, string> = {
  low: 'Low',
  medium: 'Medium',
  high: 'High',
};

export const DUE_LABEL: Record<TaskDue, string> = {
  overdue: 'Overdue',
  week: 'Due this week',
  none: 'No due date',
};

export const SORT_LABEL: Record<TaskSort, string> = {
  created: 'Oldest first',
  due: 'Due date',
  priority: 'Priority',
};

/** `value` if it is one of `values` (a query parameter the page understands), else nothing. */
export function oneOf<T extends string>(values: readonly T[], value: string | null): T | undefined {
  return values.find((v) => v === value);
}

/** A count as the reader's locale groups digits: `1,234`. */
export function formatCount(count: number): string {
  return count.toLocaleString();
}

export const PRIORITY_VARIANT: Record<TaskPriority, string> = {
  low: 'secondary',
  medium: 'info',
  high: 'danger',
};

/**
 * The text colour of each priority's badge, chosen for WCAG AA contrast (4.5:1): white on grey
 * (4.7:1) and on red (4.5:1), dark on cyan (white on cyan is 2:1).
 */
export const PRIORITY_TEXT: Record<TaskPriority, 'dark' | 'white'> = {
  low: 'white',
  medium: 'dark',
  high: 'white',
};

/** `2026-03-01` as the reader's locale writes a date, without shifting it by the time zone. */
export function formatDueDate(date: string): string {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d)).toLocaleDateString(undefined, { timeZone: 'UTC', dateStyle: 'medium' });
}

export function isOverdue(date: string, today = new Date()): boolean {
  const iso = today.toISOString().slice(0, 10);
  return date < iso;
}

/** The label of each field a user edits on a task, in the form's order. */
export const TASK_FIELD_LABEL: Record<keyof TaskInput, string> = {
  title: 'Title',
  description: 'Description',
  status: 'Status',
  priority: 'Priority',
  assignee_id: 'Assignee',
  due_date: 'Due date',
};
