import { useState, type FormEvent } from 'react';
import { Button, Col, Form, Modal, Row } from 'react-bootstrap';
import type { Task, TaskPriority, TaskStatus, User } from '../../api/types';
import { fieldError, MutationError } from '../../components/QueryState';
import { PRIORITIES, PRIORITY_LABEL, STATUSES, STATUS_LABEL } from './labels';
import { useCreateTask, useUpdateTask, type TaskInput } from './queries';

interface TaskModalProps {
  projectId: string;
  /** The task to edit, or none to create one. */
  task?: Task;
  /** The column a new task starts in. */
  initialStatus?: TaskStatus;
  users: User[];
  onClose: () => void;
}

export function TaskModal({ projectId, task, initialStatus = 'todo', users, onClose }: TaskModalProps) {
  const create = useCreateTask(projectId);
  const update = useUpdateTask();
  const mutation = task ? update : create;
  const [title, setTitle] = useState(task?.title ?? '');
  const [description, setDescription] = useState(task?.description ?? '');
  const [status, setStatus] = useState<TaskStatus>(task?.status ?? initialStatus);
  const [priority, setPriority] = useState<TaskPriority>(task?.priority ?? 'medium');
  const [assignee, setAssignee] = useState(task?.assignee_id ?? '');
  const [dueDate, setDueDate] = useState(task?.due_date ?? '');

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const input: TaskInput = {
      title: title.trim(),
      description: description.trim() || null,
      status,
      priority,
      assignee_id: assignee || null,
      due_date: dueDate || null,
    };
    if (task) update.mutate({ id: task.id, ...input }, { onSuccess: onClose });
    else create.mutate(input, { onSuccess: onClose });
  };
  const err = (field: string) => fieldError(mutation.error, field);

  return (
    <Modal show onHide={onClose} centered aria-labelledby="task-form-title">
      <Form onSubmit={submit}>
        <Modal.Header closeButton>
          <Modal.Title id="task-form-title">{task ? 'Edit task' : 'New task'}</Modal.Title>
        </Modal.Header>
        <Modal.Body>
          <MutationError error={mutation.error} />
          <Form.Group className="mb-3" controlId="task-title">
            <Form.Label>Title</Form.Label>
            <Form.Control
              required
              autoFocus
              maxLength={200}
              value={title}
              isInvalid={!!err('title')}
              onChange={(e) => setTitle(e.target.value)}
            />
            <Form.Control.Feedback type="invalid">{err('title')}</Form.Control.Feedback>
          </Form.Group>
          <Form.Group className="mb-3" controlId="task-description">
            <Form.Label>Description</Form.Label>
            <Form.Control as="textarea" rows={3} value={description} isInvalid={!!err('description')} onChange={(e) => setDescription(e.target.value)} />
            <Form.Control.Feedback type="invalid">{err('description')}</Form.Control.Feedback>
          </Form.Group>
          <Row>
            <Col sm={6}>
              <Form.Group className="mb-3" controlId="task-status">
                <Form.Label>Status</Form.Label>
                <Form.Select value={status} onChange={(e) => setStatus(e.target.value as TaskStatus)}>
                  {STATUSES.map((s) => (
                    <option key={s} value={s}>
                      {STATUS_LABEL[s]}
                    </option>
                  ))}
                </Form.Select>
              </Form.Group>
            </Col>
            <Col sm={6}>
              <Form.Group className="mb-3" controlId="task-priority">
                <Form.Label>Priority</Form.Label>
                <Form.Select value={priority} onChange={(e) => setPriority(e.target.value as TaskPriority)}>
                  {PRIORITIES.map((p) => (
                    <option key={p} value={p}>
                      {PRIORITY_LABEL[p]}
                    </option>
                  ))}
                </Form.Select>
              </Form.Group>
            </Col>
            <Col sm={6}>
              <Form.Group className="mb-3" controlId="task-assignee">
                <Form.Label>Assignee</Form.Label>
                <Form.Select value={assignee} isInvalid={!!err('assignee_id')} onChange={(e) => setAssignee(e.target.value)}>
                  <option value="">Unassigned</option>
                  {users.map((u) => (
                    <option key={u.id} value={u.id}>
                      {u.name}
                    </option>
                  ))}
                </Form.Select>
                <Form.Control.Feedback type="invalid">{err('assignee_id')}</Form.Control.Feedback>
              </Form.Group>
            </Col>
            <Col sm={6}>
              <Form.Group className="mb-3" controlId="task-due-date">
                <Form.Label>Due date</Form.Label>
                <Form.Control type="date" value={dueDate} isInvalid={!!err('due_date')} onChange={(e) => setDueDate(e.target.value)} />
                <Form.Control.Feedback type="invalid">{err('due_date')}</Form.Control.Feedback>
              </Form.Group>
            </Col>
          </Row>
        </Modal.Body>
        <Modal.Footer>
          <Button variant="outline-secondary" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" disabled={mutation.isPending || title.trim() === ''}>
            {task ? 'Save task' : 'Create task'}
          </Button>
        </Modal.Footer>
      </Form>
    </Modal>
  );
}
