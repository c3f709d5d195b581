import { useCallback, useEffect, useMemo, useRef, useState, type DragEvent } from 'react';
import { Alert, Button, Card, Col, Form, Modal, Row } from 'react-bootstrap';
import { Link, useParams, useSearchParams } from 'react-router';
import type { Task, TaskSort, TaskStatus, User } from '../../api/types';
import { errorMessage } from '../../api/error';
import { Breadcrumbs } from '../../components/Breadcrumbs';
import { BackToProjects, EmptyState, ErrorState, Loading } from '../../components/QueryState';
import { useMe } from '../auth/queries';
import { useUsers } from '../members/queries';
import { useProject } from '../projects/queries';
import {
  DUES,
  DUE_LABEL,
  formatCount,
  oneOf,
  PRIORITIES,
  PRIORITY_LABEL,
  SORTS,
  SORT_LABEL,
  STATUSES,
  STATUS_LABEL,
} from './labels';
import {
  listParams,
  loadedTasks,
  taskMatches,
  useColumnTasks,
  useMoveTask,
  useTaskCounts,
  type TaskFilters,
} from './queries';
import { DRAG_TYPE, TaskCard } from './TaskCard';
import { TaskModal } from './TaskModal';
import { PageTitle } from '../../components/PageTitle';

type Dialog = { kind: 'create'; status: TaskStatus } | { kind: 'edit'; task: Task } | null;
type ColumnQuery = ReturnType<typeof useColumnTasks>;

/** How long a new card stays highlighted, in milliseconds. */
const FRESH_FOR = 3000;

export function BoardPage() {
  const { projectId = '' } = useParams();
  const project = useProject(projectId);
  const me = useMe();
  const [params, setParams] = useSearchParams();
  const filters: TaskFilters = {
    q: params.get('q') ?? undefined,
    priority: oneOf(PRIORITIES, params.get('priority')),
    assignee_id: params.get('assignee') ?? undefined,
    due: oneOf(DUES, params.get('due')),
  };
  const sort: TaskSort = oneOf(SORTS, params.get('sort')) ?? 'created';
  const filtering = Boolean(filters.q?.trim() || filters.priority || filters.assignee_id || filters.due);
  // Each column is read, a page at a time, on its own and at the same time as the others.
  const todo = useColumnTasks(projectId, 'todo', filters, sort);
  const inProgress = useColumnTasks(projectId, 'in_progress', filters, sort);
  const done = useColumnTasks(projectId, 'done', filters, sort);
  const columns: Record<TaskStatus, ColumnQuery> = { todo, in_progress: inProgress, done };
  const counts = useTaskCounts(projectId, filters);
  const users = useUsers();
  const move = useMoveTask();
  // The address as last rendered. React Router's functional update hands over the parameters
  // of the render that made the callback, so a write that comes later (the search, a moment
  // after the typing) would bring back filters changed meanwhile: each write starts from this.
  const latest = useRef(params);
  latest.current = params;
  const setParam = useCallback(
    (name: string, value: string) => {
      const next = new URLSearchParams(latest.current);
      if (value) next.set(name, value);
      else next.delete(name);
      if (next.toString() !== latest.current.toString()) setParams(next, { replace: true });
    },
    [setParams],
  );
  const clearFilters = () => {
    const next = new URLSearchParams();
    const kept = latest.current.get('sort');
    if (kept) next.set('sort', kept);
    setParams(next, { replace: true });
  };
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
  const findLoaded = (id: string) => {
    for (const status of STATUSES) {
      const found = columns[status].data?.pages.flatMap((page) => page.items).find((t) => t.id === id);
      if (found) return found;
    }
    return undefined;
  };
  // A new task shows at the top of its column, highlighted for a moment; or, when the filters
  // leave it out, a line says so.
  const [fresh, setFresh] = useState<Task | null>(null);
  useEffect(() => {
    if (!fresh) return;
    const timer = setTimeout(() => setFresh(null), FRESH_FOR);
    return () => clearTimeout(timer);
  }, [fresh]);
  const [hidden, setHidden] = useState<Task | null>(null);
  const onCreated = (task: Task) => {
    if (taskMatches(task, listParams(filters), me.data?.user.id) === false) setHidden(task);
    else setFresh(task);
  };

  const settled = STATUSES.every((s) => columns[s].isSuccess && !columns[s].isPlaceholderData);
  const empty = settled && STATUSES.every((s) => loadedTasks(columns[s].data).length === 0 && !columns[s].hasNextPage);

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
      {hidden && (
        <Alert variant="info" dismissible onClose={() => setHidden(null)} role="status">
          “{hidden.title}” was created in {STATUS_LABEL[hidden.status]}, but the filters hide it.{' '}
          <Link to={`/projects/${projectId}/tasks/${hidden.id}`} className="alert-link">
            Open it
          </Link>
        </Alert>
      )}
      <BoardFilters
        filters={filters}
        sort={sort}
        users={users.data ?? []}
        onChange={setParam}
        onClear={clearFilters}
        filtering={filtering}
      />
      {project.isPending && <Loading label="Loading the project…" />}
      {project.isSuccess && (
        <>
          {empty && !filtering && (
            <EmptyState title="No tasks yet">
              <p className="mb-0">Add a task to any column to get started.</p>
            </EmptyState>
          )}
          {empty && filtering && (
            <EmptyState title="No task matches these filters">
              <p className="mb-0">Change or clear the filters above.</p>
            </EmptyState>
          )}
          <Row xs={1} md={3} className="g-3">
            {STATUSES.map((status) => (
              <Col key={status}>
                <Column
                  status={status}
                  query={columns[status]}
                  count={counts.data?.[status]}
                  usersById={usersById}
                  onMove={onMove}
                  movedId={movedId}
                  freshId={fresh?.id ?? null}
                  onDropTask={(id) => {
                    const task = findLoaded(id);
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
          onCreated={onCreated}
          onClose={() => setDialog(null)}
        />
      )}
    </>
  );
}

type FilterName = 'q' | 'priority' | 'assignee' | 'due' | 'sort';

interface BoardFiltersProps {
  filters: TaskFilters;
  sort: TaskSort;
  users: User[];
  onChange: (name: FilterName, value: string) => void;
  onClear: () => void;
  filtering: boolean;
}

/**
 * Search, filters and order, kept in the address (`?q&priority&assignee&due&sort`) so a view can
 * be shared; the server filters and sorts.
 */
function BoardFilters({ filters, sort, users, onChange, onClear, filtering }: BoardFiltersProps) {
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
      <Form.Group controlId="task-filter-due">
        <Form.Label className="small mb-1">Due</Form.Label>
        <Form.Select value={filters.due ?? ''} onChange={(e) => onChange('due', e.target.value)}>
          <option value="">Any due date</option>
          {DUES.map((d) => (
            <option key={d} value={d}>
              {DUE_LABEL[d]}
            </option>
          ))}
        </Form.Select>
      </Form.Group>
      <Form.Group controlId="task-sort">
        <Form.Label className="small mb-1">Sort</Form.Label>
        <Form.Select value={sort} onChange={(e) => onChange('sort', e.target.value === 'created' ? '' : e.target.value)}>
          {SORTS.map((s) => (
            <option key={s} value={s}>
              {SORT_LABEL[s]}
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
  query: ColumnQuery;
  /** How many tasks the column holds on the server under the filters, once counted. */
  count: number | undefined;
  usersById: Map<string, User>;
  onMove: (task: Task, status: TaskStatus) => void;
  movedId: string | null;
  freshId: string | null;
  onDropTask: (id: string) => void;
  onAdd: () => void;
  onEdit: (task: Task) => void;
}

/**
 * A column: its loaded pages and no more, scrolling inside itself, with "Show more" at its end
 * (also pressed by scrolling down to it). The card a keyboard user asked more for takes the focus.
 */
function Column({ status, query, count, usersById, onMove, movedId, freshId, onDropTask, onAdd, onEdit }: ColumnProps) {
  const [over, setOver] = useState(false);
  const headingId = `column-${status}`;
  const label = STATUS_LABEL[status];
  const tasks = useMemo(() => loadedTasks(query.data), [query.data]);
  const body = useRef<HTMLDivElement>(null);
  const more = useRef<HTMLButtonElement>(null);
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = query;
  // One next page at a time, whether the button or the scrolling asks.
  const fetching = useRef(false);
  const loadMore = useCallback(() => {
    if (fetching.current) return;
    fetching.current = true;
    void fetchNextPage().finally(() => {
      fetching.current = false;
    });
  }, [fetchNextPage]);
  // Pressing "Show more" by keyboard puts the focus on the first card it brought.
  const focusFrom = useRef<number | null>(null);
  useEffect(() => {
    const from = focusFrom.current;
    if (from === null || tasks.length <= from) return;
    focusFrom.current = null;
    body.current?.querySelectorAll<HTMLElement>('article h3 a')[from]?.focus();
  }, [tasks.length]);
  // Scrolling down to the button loads the next page too.
  useEffect(() => {
    const target = more.current;
    if (!hasNextPage || !target || typeof IntersectionObserver === 'undefined') return;
    // Not when the button came into view by taking the focus: a keyboard user presses it.
    const observer = new IntersectionObserver(
      (entries) => entries.some((e) => e.isIntersecting) && document.activeElement !== target && loadMore(),
      {
        root: body.current,
        rootMargin: '0px 0px 200px 0px',
      },
    );
    observer.observe(target);
    return () => observer.disconnect();
  }, [hasNextPage, loadMore]);

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
        <h2 className="h6 mb-0">
          <span id={headingId}>{label}</span>
          {count !== undefined && (
            <>
              {/* Named "To do 1,234 tasks": every space outside the hidden words, so every engine
                  names it alike. */}{' '}
              <span aria-hidden="true">·{' '}</span>
              <span data-testid={`count-${status}`}>{formatCount(count)}</span>{' '}
              <span className="visually-hidden">{count === 1 ? 'task' : 'tasks'}</span>
            </>
          )}
        </h2>
        <Button size="sm" variant="primary" onClick={onAdd} aria-label={`Add a task to ${label}`}>
          + Add
        </Button>
      </Card.Header>
      <Card.Body ref={body} className="d-flex flex-column gap-2 p-2 board-column" data-testid={`column-body-${status}`}>
        {query.isPending && <Loading label={`Loading ${label}…`} />}
        {query.isError && !query.isFetchNextPageError && (
          <ErrorState error={query.error} onRetry={() => query.refetch()} />
        )}
        {query.isSuccess && tasks.length === 0 && !hasNextPage && (
          <p className="small fst-italic text-center my-3">Nothing here</p>
        )}
        {tasks.map((task) => (
          <TaskCard
            key={task.id}
            task={task}
            assignee={task.assignee_id ? usersById.get(task.assignee_id) : undefined}
            onMove={onMove}
            onEdit={onEdit}
            focusMove={movedId === task.id}
            fresh={freshId === task.id}
          />
        ))}
        {query.isFetchNextPageError && <ErrorState error={query.error} onRetry={loadMore} />}
        {hasNextPage && (
          <div className="d-flex flex-column align-items-center gap-1 py-2">
            <Button
              ref={more}
              size="sm"
              variant="outline-secondary"
              aria-busy={isFetchingNextPage}
              onClick={() => {
                focusFrom.current = tasks.length;
                loadMore();
              }}
            >
              Show more <span className="visually-hidden">in {label}</span>
            </Button>
            {count !== undefined && (
              <span className="small text-body-secondary">
                {formatCount(tasks.length)} of {formatCount(count)} shown
              </span>
            )}
            {isFetchingNextPage && <Loading label="Loading more…" />}
          </div>
        )}
      </Card.Body>
    </Card>
  );
}
