import type { Activity, TaskPriority, TaskStatus } from '../../api/types';
import { formatDueDate, PRIORITY_LABEL, STATUS_LABEL, TASK_FIELD_LABEL } from './labels';

/** The fields of a task's history, in the order the page lists them, with their labels. */
export const FIELD_LABEL: Record<string, string> = { ...TASK_FIELD_LABEL, project_id: 'Project' };

const FIELDS = Object.keys(FIELD_LABEL);

export interface Names {
  /** A user's name by id. */
  user(id: string): string | undefined;
  /** The task's project now, to tell a move from it or to it. */
  projectId?: string;
}

/** One field's value as a person reads it: `In progress`, `High`, `Ada Lovelace`, `Mar 1, 2026`. */
export function formatValue(field: string, value: unknown, names: Names): string {
  if (value === null || value === undefined || value === '') {
    if (field === 'assignee_id') return 'Unassigned';
    if (field === 'due_date') return 'No due date';
    return 'Empty';
  }
  const text = String(value);
  switch (field) {
    case 'status':
      return STATUS_LABEL[text as TaskStatus] ?? text;
    case 'priority':
      return PRIORITY_LABEL[text as TaskPriority] ?? text;
    case 'assignee_id':
      return names.user(text) ?? 'Former member';
    case 'due_date':
      return /^\d{4}-\d{2}-\d{2}$/.test(text) ? formatDueDate(text) : text;
    case 'project_id':
      return text === names.projectId ? 'This project' : 'Another project';
    default:
      return text;
  }
}

export interface Change {
  field: string;
  label: string;
  before: string;
  after: string;
}

/** The `[before, after]` pairs of an `updated` entry, known fields first, in their order. */
export function changesOf(entry: Activity, names: Names): Change[] {
  const changes = (entry.changes ?? {}) as Record<string, unknown>;
  const keys = Object.keys(changes).sort((a, b) => rank(a) - rank(b));
  return keys.flatMap((field) => {
    const pair = changes[field];
    if (!Array.isArray(pair) || pair.length !== 2) return [];
    return [
      {
        field,
        label: FIELD_LABEL[field] ?? field,
        before: formatValue(field, pair[0], names),
        after: formatValue(field, pair[1], names),
      },
    ];
  });
}

function rank(field: string): number {
  const i = FIELDS.indexOf(field);
  return i === -1 ? FIELDS.length : i;
}
