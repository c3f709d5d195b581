import { describe, expect, it } from 'vitest';
import type { Activity } from '../../api/types';
import { changesOf, formatValue, type Names } from './history';

const names: Names = { user: (id) => ({ u1: 'Ada Lovelace' } as Record<string, string>)[id], projectId: 'p1' };

describe('a task history', () => {
  it('reads values as people do', () => {
    expect(formatValue('status', 'in_progress', names)).toBe('In progress');
    expect(formatValue('priority', 'high', names)).toBe('High');
    expect(formatValue('assignee_id', 'u1', names)).toBe('Ada Lovelace');
    expect(formatValue('assignee_id', 'gone', names)).toBe('Former member');
    expect(formatValue('assignee_id', null, names)).toBe('Unassigned');
    expect(formatValue('due_date', null, names)).toBe('No due date');
    expect(formatValue('due_date', '2026-03-01', names)).toMatch(/2026/);
    expect(formatValue('project_id', 'p1', names)).toBe('This project');
  });

  it('lists the [before, after] of each changed field in a fixed order', () => {
    const entry: Activity = {
      id: 'a',
      actor_id: 'u1',
      kind: 'updated',
      created_at: '2026-01-01T00:00:00Z',
      changes: { priority: ['low', 'high'], status: ['todo', 'done'], odd: 'not a pair' } as unknown as Activity['changes'],
    };
    expect(changesOf(entry, names)).toEqual([
      { field: 'status', label: 'Status', before: 'To do', after: 'Done' },
      { field: 'priority', label: 'Priority', before: 'Low', after: 'High' },
    ]);
  });
});
