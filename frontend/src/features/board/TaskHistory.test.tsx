import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { api } from '../../api/client';
import type { Task } from '../../api/types';
import { renderAt } from '../../test/render';
import { createProject, createTask, enterTenant, signupTenant } from '../../test/tenant';
import { TaskHistory } from './TaskHistory';

describe('TaskHistory', () => {
  it('shows who created the task and each change, from what to what, in words', async () => {
    const t = await signupTenant();
    enterTenant(t);
    const project = await createProject();
    const task = await createTask(project.id, { title: 'Write the brief' });
    const changed = (
      await api.patch<Task>(`/api/v1/tasks/${task.id}`, { status: 'in_progress', priority: 'high', assignee_id: t.owner.id })
    ).data;
    const users = new Map([[t.owner.id, { name: t.owner.name }]]);
    renderAt('/', <TaskHistory taskId={task.id} version={changed.updated_at} projectId={project.id} usersById={users} />);

    const list = await screen.findByRole('list', { name: 'History' });
    const entries = within(list).getAllByRole('listitem').filter((li) => li.parentElement === list);
    expect(entries).toHaveLength(2);
    expect(entries[0]).toHaveTextContent('Olive Owner created the task');
    expect(entries[1]).toHaveTextContent('Olive Owner changed');
    expect(entries[1]).toHaveTextContent('Status: To do → to In progress');
    expect(entries[1]).toHaveTextContent('Priority: Medium → to High');
    expect(entries[1]).toHaveTextContent('Assignee: Unassigned → to Olive Owner');
  });
});
