import { useCallback, useEffect, useMemo, useState, type DragEvent } from 'react';
import { Alert, Badge, Button, Card, Col, Form, Modal, Row } from 'react-bootstrap';
import { Link, useParams, useSearchParams } from 'react-router';
import type { Task, TaskPriority, TaskStatus, User } from '../../api/types';
import { errorMessage } from '../../api/error';
import { Breadcrumbs } from '../../components/Breadcrumbs';
import { BackToProjects, EmptyState, ErrorState, Loading } from '../../components/QueryState';
import { useUsers } from '../members/queries';
import { useProject } from '../projects/queries';
import { PRIORITIES, PRIORITY_LABEL, STATUSES, STATUS_LABEL } from './labels';
import { useMoveTask, useTasks, type TaskFilters } from './queries';
import { DRAG_TYPE, TaskCard } from './TaskCard';
import { TaskModal } from './TaskModal';
import { PageTitle } from '../../components/PageTitle';

type Dialog = { kind: 'create'; status: TaskStatus } | { kind: 'edit'; task: Task } | null;

export function BoardPage() {
  const { projectId = '' } = useParams();
  const project = useProject(projectId);
  const [params, setParams] = useSearchParams();
  const filters: TaskFilters = {
    q: params.get('q') ?? undefined,
    priority: (PRIORITIES as string[]).includes(params.get('priority') ?? '') ? (params.get('priority') as TaskPriority) : undefined,
    assignee_id: params.get('assignee') ?? undefined,
  };
  const filtering = Boolean(filters.q?.trim() || filters.priority || filters.assignee_id);
  const tasks = useTasks(projectId, filters);
  const users = useUsers();
  const move = useMoveTask(projectId, filters);
  const setFilter = useCallback(
    (name: string, value: string) =>
      setParams(
        (current) => {
          const next = new URLSearchParams(current);
          if (value) next.set(name, value);
          else next.delete(name);
          return next;
        },
        { replace: true },
      ),
    [setParams],
  );
  const [dialog, setDialog] = useState<Dialog>(null);
  const [help, setHelp] = useState(false);
  const ready = project.isSuccess;
  // Keyboard shortcuts: `n` a new task, `/` the search, `?` the list of shortcuts. Not while
  // typing in a field, nor with a modifier, nor with a dialog open.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement | null;
      const typing = target?.closest('input, textarea, select, [contenteditable="true"]');
      if (typing || event.ctrlKey || event.metaKey || event.altKey || dialog || help) return;
      if (event.key === 'n' && ready) {
        event.preventDefault();
        setDialog({ kind: 'create', status: 'todo' });
      } else if (event.key === '/') {
        event.preventDefault();
        document.getElementById('task-search')?.focus();
      } else if (event.key === '?') {
        event.preventDefault();
        setHelp(true);
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [dialog, help, ready]);

  const usersById = useMemo(() => new Map((users.data ?? []).map((u) => [u.id, u])), [users.data]);
  // The card last moved keeps the focus in its new column (keyboard users go on from there).
  const [movedId, setMovedId] = useState<string | null>(null);
  const onMove = (task: Task, status: TaskStatus) => {
    if (task.status === status) return;
    setMovedId(task.id);
    move.mutate({ id: task.id, status });
  };

  if (project.isError) {
    return <ErrorState error={project.error} onRetry={() => project.refetch()} notFound={<BackToProjects />} />;
  }

  return (
    <>
      <PageTitle>{project.data?.name ?? 'Board'}</PageTitle>
      <Breadcrumbs trail={[{ label: project.data?.name ?? '…' }]} />
      <div className="d-flex flex-wrap align-items-center justify-content-between gap-2 mb-3">
        <div>
          <h1 className="h3 mb-0">{project.data?.name ?? 'Project'}</h1>
          {project.data?.description && <p className="text-body-secondary mb-0">{project.data.description}</p>}
        </div>
        <div className="d-flex gap-2">
          <Link to={`/projects/${projectId}/reports`} className="btn btn-outline-secondary">
            Reports
          </Link>
          <Button onClick={() => setDialog({ kind: 'create', status: 'todo' })} disabled={!project.isSuccess}>
            New task
          </Button>
        </div>
      </div>
      {move.isError && (
        <Alert variant="danger" dismissible onClose={() => move.reset()} role="alert">
          The task could not be moved: {errorMessage(move.error)}
        </Alert>
      )}
      <BoardFilters
        filters={filters}
        users={users.data ?? []}
        onChange={setFilter}
        onClear={() => setParams({}, { replace: true })}
        filtering={filtering}
      />
      {(tasks.isPending || project.isPending) && <Loading label="Loading tasks…" />}
      {tasks.isError && <ErrorState error={tasks.error} onRetry={() => tasks.refetch()} notFound={<BackToProjects />} />}
      {tasks.isSuccess && project.isSuccess && (
        <>
          {tasks.data.length === 0 && !filtering && (
            <EmptyState title="No tasks yet">
              <p className="mb-0">Add a task to any column to get started.</p>
            </EmptyState>
          )}
          {tasks.data.length === 0 && filtering && (
            <EmptyState title="No task matches these filters">
              <p className="mb-0">Change or clear the filters above.</p>
            </EmptyState>
          )}
          <Row xs={1} md={3} className="g-3">
            {STATUSES.map((status) => (
              <Col key={status}>
                <Column
                  status={status}
                  tasks={tasks.data.filter((t) => t.status === status)}
                  usersById={usersById}
                  onMove={onMove}
                  movedId={movedId}
                  onDropTask={(id) => {
                    const task = tasks.data.find((t) => t.id === id);
                    if (task) onMove(task, status);
                  }}
                  onAdd={() => setDialog({ kind: 'create', status })}
                  onEdit={(task) => setDialog({ kind: 'edit', task })}
                />
              </Col>
            ))}
          </Row>
        </>
      )}
      <Modal show={help} onHide={() => setHelp(false)} centered aria-labelledby="shortcuts-title">
        <Modal.Header closeButton>
          <Modal.Title id="shortcuts-title">Keyboard shortcuts</Modal.Title>
        </Modal.Header>
        <Modal.Body>
          <dl className="row mb-0">
            <dt className="col-3">
              <kbd>n</kbd>
            </dt>
            <dd className="col-9">New task</dd>
            <dt className="col-3">
              <kbd>/</kbd>
            </dt>
            <dd className="col-9">Search the board</dd>
            <dt className="col-3">
              <kbd>?</kbd>
            </dt>
            <dd className="col-9">This list</dd>
            <dt className="col-3">
              <kbd>Enter</kbd>
            </dt>
            <dd className="col-9">On a card&apos;s move button: open the menu; arrows choose, Enter moves</dd>
          </dl>
        </Modal.Body>
      </Modal>
      {dialog && (
        <TaskModal
          projectId={projectId}
          task={dialog.kind === 'edit' ? dialog.task : undefined}
          initialStatus={dialog.kind === 'create' ? dialog.status : undefined}
          users={users.data ?? []}
          onClose={() => setDialog(null)}
        />
      )}
    </>
  );
}

interface BoardFiltersProps {
  filters: TaskFilters;
  users: User[];
  onChange: (name: 'q' | 'priority' | 'assignee', value: string) => void;
  onClear: () => void;
  filtering: boolean;
}

/** Search and filters, kept in the address (`?q&priority&assignee`) so a view can be shared. */
function BoardFilters({ filters, users, onChange, onClear, filtering }: BoardFiltersProps) {
  const [text, setText] = useState(filters.q ?? '');
  // The search is sent a moment after the typing stops, not on every key.
  useEffect(() => {
    if (text === (filters.q ?? '')) return;
    const timer = setTimeout(() => onChange('q', text), 250);
    return () => clearTimeout(timer);
  }, [text, filters.q, onChange]);

  return (
    <Form role="search" aria-label="Filter tasks" className="d-flex flex-wrap gap-2 align-items-end mb-3" onSubmit={(e) => e.preventDefault()}>
      <Form.Group controlId="task-search" className="flex-grow-1" style={{ minWidth: '12rem' }}>
        <Form.Label className="small mb-1">Search</Form.Label>
        <Form.Control type="search" placeholder="Words in the title or description" maxLength={200} value={text} onChange={(e) => setText(e.target.value)} />
      </Form.Group>
      <Form.Group controlId="task-filter-priority">
        <Form.Label className="small mb-1">Priority</Form.Label>
        <Form.Select value={filters.priority ?? ''} onChange={(e) => onChange('priority', e.target.value)}>
          <option value="">Any priority</option>
          {PRIORITIES.map((p) => (
            <option key={p} value={p}>
              {PRIORITY_LABEL[p]}
            </option>
          ))}
        </Form.Select>
      </Form.Group>
      <Form.Group controlId="task-filter-assignee">
        <Form.Label className="small mb-1">Assignee</Form.Label>
        <Form.Select value={filters.assignee_id ?? ''} onChange={(e) => onChange('assignee', e.target.value)}>
          <option value="">Anyone</option>
          <option value="me">Me</option>
          {users.map((u) => (
            <option key={u.id} value={u.id}>
              {u.name}
            </option>
          ))}
        </Form.Select>
      </Form.Group>
      {filtering && (
        <Button
          variant="outline-secondary"
          onClick={() => {
            setText('');
            onClear();
          }}
        >
          Clear
        </Button>
      )}
    </Form>
  );
}

interface ColumnProps {
  status: TaskStatus;
  tasks: Task[];
  usersById: Map<string, User>;
  onMove: (task: Task, status: TaskStatus) => void;
  movedId: string | null;
  onDropTask: (id: string) => void;
  onAdd: () => void;
  onEdit: (task: Task) => void;
}

function Column({ status, tasks, usersById, onMove, movedId, onDropTask, onAdd, onEdit }: ColumnProps) {
  const [over, setOver] = useState(false);
  const headingId = `column-${status}`;
  const onDragOver = (event: DragEvent) => {
    if (event.dataTransfer.types.includes(DRAG_TYPE)) {
      event.preventDefault();
      event.dataTransfer.dropEffect = 'move';
      setOver(true);
    }
  };
  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setOver(false);
    const id = event.dataTransfer.getData(DRAG_TYPE);
    if (id) onDropTask(id);
  };

  return (
    <Card
      as="section"
      aria-labelledby={headingId}
      data-status={status}
      className={`h-100 bg-body-tertiary ${over ? 'border-primary border-2' : ''}`}
      onDragOver={onDragOver}
      onDragLeave={() => setOver(false)}
      onDrop={onDrop}
    >
      <Card.Header className="d-flex justify-content-between align-items-center">
        <h2 className="h6 mb-0" id={headingId}>
          {STATUS_LABEL[status]} <Badge bg="secondary" pill>{tasks.length}</Badge>
        </h2>
        <Button size="sm" variant="primary" onClick={onAdd} aria-label={`Add a task to ${STATUS_LABEL[status]}`}>
          + Add
        </Button>
      </Card.Header>
      <Card.Body className="d-flex flex-column gap-2 p-2" style={{ minHeight: '6rem' }}>
        {tasks.length === 0 && <p className="small fst-italic text-center my-3">Nothing here</p>}
        {tasks.map((task) => (
          <TaskCard
            key={task.id}
            task={task}
            assignee={task.assignee_id ? usersById.get(task.assignee_id) : undefined}
            onMove={onMove}
            onEdit={onEdit}
            focusMove={movedId === task.id}
          />
        ))}
      </Card.Body>
    </Card>
  );
}
