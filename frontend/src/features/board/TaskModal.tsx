import { useState, type FormEvent } from 'react';
import { Alert, Button, Col, Form, Modal, Row } from 'react-bootstrap';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError } from '../../api/error';
import type { Task, TaskPriority, TaskStatus, User } from '../../api/types';
import { ErrorState, fieldError, Loading, MutationError } from '../../components/QueryState';
import { PRIORITIES, PRIORITY_LABEL, STATUSES, STATUS_LABEL, TASK_FIELD_LABEL } from './labels';
import {
  changedFields,
  fetchTaskVersion,
  putTask,
  taskKeys,
  useCreateTask,
  useUpdateTask,
  type TaskInput,
  type TaskVersion,
} from './queries';

interface TaskModalProps {
  projectId: string;
  /** The task to edit, or none to create one. */
  task?: Task;
  /** The column a new task starts in. */
  initialStatus?: TaskStatus;
  users: User[];
  /** Told of a task once it is created, before the form closes. */
  onCreated?: (task: Task) => void;
  onClose: () => void;
}

/**
 * The form of a new task, or of a change to one. An edit starts from the task as the server has
 * it now (with its `ETag`), sends only the fields the user changed, with `If-Match`; if someone
 * else changed the task meanwhile, the form says what they changed and lets the user put their
 * own changes on top, or keep the other person's.
 */
export function TaskModal(props: TaskModalProps) {
  if (!props.task) return <TaskForm {...props} />;
  return <EditTask {...props} task={props.task} />;
}

function EditTask(props: TaskModalProps & { task: Task }) {
  const version = useQuery({
    queryKey: [...taskKeys.detail(props.task.id), 'version'],
    queryFn: () => fetchTaskVersion(props.task.id),
    staleTime: Infinity,
    gcTime: 0,
    refetchOnWindowFocus: false,
  });
  if (version.isSuccess) return <TaskForm {...props} base={version.data} />;
  return (
    <Modal show onHide={props.onClose} centered aria-labelledby="task-form-title">
      <Modal.Header closeButton>
        <Modal.Title id="task-form-title">Edit task</Modal.Title>
      </Modal.Header>
      <Modal.Body>
        {version.isError ? (
          <ErrorState error={version.error} onRetry={() => version.refetch()} />
        ) : (
          <Loading label="Loading the task…" />
        )}
      </Modal.Body>
    </Modal>
  );
}

/** Someone else's change, found when a save answered 412. */
interface Conflict {
  /** The task as the user's form started from it. */
  before: Task;
  /** The task now, with the version to make the user's changes against. */
  now: TaskVersion;
  /** What the user changed. */
  mine: Partial<TaskInput>;
}


function TaskForm({
  projectId,
  task: listed,
  base,
  initialStatus = 'todo',
  users,
  onCreated,
  onClose,
}: TaskModalProps & { base?: TaskVersion }) {
  const queryClient = useQueryClient();
  const create = useCreateTask(projectId);
  const update = useUpdateTask();
  const task = base?.task ?? listed;
  const mutation = task ? update : create;
  const [title, setTitle] = useState(task?.title ?? '');
  const [description, setDescription] = useState(task?.description ?? '');
  const [status, setStatus] = useState<TaskStatus>(task?.status ?? initialStatus);
  const [priority, setPriority] = useState<TaskPriority>(task?.priority ?? 'medium');
  const [assignee, setAssignee] = useState(task?.assignee_id ?? '');
  const [dueDate, setDueDate] = useState(task?.due_date ?? '');
  const [conflict, setConflict] = useState<Conflict | null>(null);

  const describe = (field: keyof TaskInput, value: unknown): string => {
    if (value === null || value === '') return 'none';
    if (field === 'status') return STATUS_LABEL[value as TaskStatus];
    if (field === 'priority') return PRIORITY_LABEL[value as TaskPriority];
    if (field === 'assignee_id') return users.find((u) => u.id === value)?.name ?? 'a former member';
    return String(value);
  };

  const save = (id: string, changes: Partial<TaskInput>, version: TaskVersion) => {
    update.mutate(
      { id, changes, etag: version.etag },
      {
        onSuccess: onClose,
        onError: async (error) => {
          if (error instanceof ApiError && error.status === 412) {
            const now = await fetchTaskVersion(id);
            setConflict({ before: version.task, now, mine: changes });
          }
        },
      },
    );
  };

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
    if (!base) {
      create.mutate(input, {
        onSuccess: (created) => {
          onCreated?.(created);
          onClose();
        },
      });
      return;
    }
    const changes = changedFields(base.task, input);
    if (Object.keys(changes).length === 0) {
      onClose();
      return;
    }
    save(base.task.id, changes, base);
  };

  // The other person's version goes into the lists in place of the one the board showed.
  const keepTheirs = (now: Task) => putTask(queryClient, now).then(onClose);

  const theirs = conflict
    ? (Object.keys(TASK_FIELD_LABEL) as (keyof TaskInput)[]).filter((f) => conflict.now.task[f] !== conflict.before[f])
    : [];
  const err = (field: string) => fieldError(mutation.error, field);

  return (
    <Modal show onHide={onClose} centered aria-labelledby="task-form-title">
      <Form onSubmit={submit}>
        <Modal.Header closeButton>
          <Modal.Title id="task-form-title">{task ? 'Edit task' : 'New task'}</Modal.Title>
        </Modal.Header>
        <Modal.Body>
          {conflict ? (
            <Alert variant="warning" role="alert" aria-labelledby="conflict-title">
              <Alert.Heading as="h2" className="h6" id="conflict-title">
                Someone else changed this task while you were editing
              </Alert.Heading>
              {theirs.length > 0 ? (
                <ul className="mb-2" aria-label="Their changes">
                  {theirs.map((f) => (
                    <li key={f}>
                      {TASK_FIELD_LABEL[f]}: {describe(f, conflict.before[f])} → <strong>{describe(f, conflict.now.task[f])}</strong>
                    </li>
                  ))}
                </ul>
              ) : (
                <p className="mb-2">Nothing you can see here changed.</p>
              )}
              <p className="mb-2">
                Your changes ({(Object.keys(conflict.mine) as (keyof TaskInput)[]).map((f) => TASK_FIELD_LABEL[f]).join(', ')}) are not
                saved yet.
              </p>
              <div className="d-flex flex-wrap gap-2">
                <Button
                  size="sm"
                  variant="warning"
                  disabled={update.isPending}
                  onClick={() => {
                    const { now, mine } = conflict;
                    setConflict(null);
                    save(now.task.id, mine, now);
                  }}
                >
                  Save my changes on top
                </Button>
                <Button size="sm" variant="secondary" onClick={() => void keepTheirs(conflict.now.task)}>
                  Keep theirs, discard mine
                </Button>
              </div>
            </Alert>
          ) : (
            <MutationError error={mutation.error} />
          )}
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
          <Button type="submit" disabled={mutation.isPending || conflict !== null || title.trim() === ''}>
            {task ? 'Save task' : 'Create task'}
          </Button>
        </Modal.Footer>
      </Form>
    </Modal>
  );
}
