import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter } from 'react-router';
import { describe, expect, it } from 'vitest';
import type { Task, TaskStatus, User } from '../../api/types';
import { TaskCard } from './TaskCard';

const task: Task = {
  id: 't1',
  project_id: 'p1',
  title: 'Write the launch post',
  description: null,
  status: 'todo',
  priority: 'high',
  assignee_id: 'u1',
  due_date: '2030-03-14',
  created_at: '2030-01-01T00:00:00Z',
  updated_at: '2030-01-01T00:00:00Z',
};

const ada: User = { id: 'u1', email: 'ada@example.test', name: 'Ada Lovelace', role: 'member', created_at: '2030-01-01T00:00:00Z' };

function renderCard(props: Partial<Parameters<typeof TaskCard>[0]> = {}) {
  const moves: [string, TaskStatus][] = [];
  const edits: string[] = [];
  render(
    <MemoryRouter>
      <TaskCard task={task} assignee={ada} onMove={(t, s) => moves.push([t.id, s])} onEdit={(t) => edits.push(t.id)} {...props} />
    </MemoryRouter>,
  );
  return { moves, edits };
}

describe('TaskCard', () => {
  it('shows the title as a link to the task, its priority, assignee and due date', () => {
    renderCard();
    expect(screen.getByRole('link', { name: 'Write the launch post' })).toHaveAttribute('href', '/projects/p1/tasks/t1');
    expect(screen.getByText('High')).toBeInTheDocument();
    expect(screen.getByText('Ada Lovelace')).toBeInTheDocument();
    expect(screen.getByText(/2030/)).toBeInTheDocument();
  });

  it('says when nobody is assigned and there is no due date', () => {
    renderCard({ task: { ...task, assignee_id: null, due_date: null }, assignee: undefined });
    expect(screen.getByText('Unassigned')).toBeInTheDocument();
    expect(screen.getByText('No due date')).toBeInTheDocument();
  });

  it('marks a past due date as overdue unless the task is done', () => {
    renderCard({ task: { ...task, due_date: '2001-01-01' } });
    expect(screen.getByText('(overdue)')).toBeInTheDocument();
  });

  it('moves by keyboard through the "move to" menu, only on Enter', async () => {
    const { moves } = renderCard();
    const user = userEvent.setup({ delay: null });
    await user.tab();
    await user.tab();
    expect(screen.getByRole('button', { name: 'Move “Write the launch post”, now To do' })).toHaveFocus();
    await user.keyboard('{Enter}');
    await user.keyboard('{ArrowDown}');
    await user.keyboard('{ArrowDown}');
    // Choosing with the arrows moves nothing yet.
    expect(moves).toEqual([]);
    expect(screen.getByRole('button', { name: 'Move to Done' })).toHaveFocus();
    await user.keyboard('{Enter}');
    expect(moves).toEqual([['t1', 'done']]);
  });

  it('opens the editor from a real button', async () => {
    const { edits } = renderCard();
    const user = userEvent.setup({ delay: null });
    await user.tab();
    await user.tab();
    await user.tab();
    expect(screen.getByRole('button', { name: 'Edit “Write the launch post”' })).toHaveFocus();
    await user.keyboard('{Enter}');
    expect(edits).toEqual(['t1']);
  });
});
