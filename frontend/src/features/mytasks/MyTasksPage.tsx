import { useEffect, useMemo, useRef } from 'react';
import { Badge, Button, Form, ListGroup } from 'react-bootstrap';
import { Link, useSearchParams } from 'react-router';
import type { TaskSort } from '../../api/types';
import { PageTitle } from '../../components/PageTitle';
import { EmptyState, ErrorState, Loading } from '../../components/QueryState';
import {
  DUES,
  DUE_LABEL,
  formatDueDate,
  isOverdue,
  oneOf,
  PRIORITY_LABEL,
  PRIORITY_TEXT,
  PRIORITY_VARIANT,
  SORTS,
  SORT_LABEL,
  STATUSES,
  STATUS_LABEL,
} from '../board/labels';
import { loadedTasks } from '../board/queries';
import { useProjects } from '../projects/queries';
import { useMyTasks } from './queries';

/**
 * The tasks assigned to the caller in every project, each with its project, filtered by status
 * and due date and ordered on the server (`?status&due&sort` in the address), a page at a time.
 */
export function MyTasksPage() {
  const [params, setParams] = useSearchParams();
  const status = oneOf(STATUSES, params.get('status'));
  const due = oneOf(DUES, params.get('due'));
  const sort: TaskSort = oneOf(SORTS, params.get('sort')) ?? 'created';
  const tasks = useMyTasks({ status, due, sort });
  const projects = useProjects();
  const projectNames = useMemo(() => new Map((projects.data ?? []).map((p) => [p.id, p.name])), [projects.data]);
  const list = useMemo(() => loadedTasks(tasks.data), [tasks.data]);
  const filtering = Boolean(status || due);
  const setParam = (name: string, value: string) =>
    setParams(
      (current) => {
        const next = new URLSearchParams(current);
        if (value) next.set(name, value);
        else next.delete(name);
        return next;
      },
      { replace: true },
    );
  // "Show more" puts the focus on the first task it brought.
  const listRef = useRef<HTMLUListElement>(null);
  const focusFrom = useRef<number | null>(null);
  useEffect(() => {
    const from = focusFrom.current;
    if (from === null || list.length <= from) return;
    focusFrom.current = null;
    listRef.current?.querySelectorAll<HTMLElement>('li h2 a')[from]?.focus();
  }, [list.length]);

  return (
    <>
      <PageTitle>My tasks</PageTitle>
      <h1 className="h3 mb-1">My tasks</h1>
      <p className="text-body-secondary">The tasks assigned to you, in every project.</p>
      <Form role="search" aria-label="Filter my tasks" className="d-flex flex-wrap gap-2 align-items-end mb-3" onSubmit={(e) => e.preventDefault()}>
        <Form.Group controlId="my-tasks-status">
          <Form.Label className="small mb-1">Status</Form.Label>
          <Form.Select value={status ?? ''} onChange={(e) => setParam('status', e.target.value)}>
            <option value="">Any status</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {STATUS_LABEL[s]}
              </option>
            ))}
          </Form.Select>
        </Form.Group>
        <Form.Group controlId="my-tasks-due">
          <Form.Label className="small mb-1">Due</Form.Label>
          <Form.Select value={due ?? ''} onChange={(e) => setParam('due', e.target.value)}>
            <option value="">Any due date</option>
            {DUES.map((d) => (
              <option key={d} value={d}>
                {DUE_LABEL[d]}
              </option>
            ))}
          </Form.Select>
        </Form.Group>
        <Form.Group controlId="my-tasks-sort">
          <Form.Label className="small mb-1">Sort</Form.Label>
          <Form.Select value={sort} onChange={(e) => setParam('sort', e.target.value === 'created' ? '' : e.target.value)}>
            {SORTS.map((s) => (
              <option key={s} value={s}>
                {SORT_LABEL[s]}
              </option>
            ))}
          </Form.Select>
        </Form.Group>
      </Form>
      {tasks.isPending && <Loading label="Loading your tasks…" />}
      {tasks.isError && !tasks.isFetchNextPageError && <ErrorState error={tasks.error} onRetry={() => tasks.refetch()} />}
      {tasks.isSuccess && list.length === 0 && (
        <EmptyState title={filtering ? 'None of your tasks matches these filters' : 'Nothing is assigned to you'}>
          {!filtering && <p className="mb-0">Tasks assigned to you on any board show here.</p>}
        </EmptyState>
      )}
      {list.length > 0 && (
        <ListGroup as="ul" ref={listRef} aria-label="My tasks" className="mb-3">
          {list.map((task) => {
            const overdue = task.due_date !== null && task.status !== 'done' && isOverdue(task.due_date);
            return (
              <ListGroup.Item as="li" key={task.id} data-task-id={task.id}>
                <div className="d-flex justify-content-between align-items-start gap-2">
                  <h2 className="h6 mb-1 text-break">
                    <Link to={`/projects/${task.project_id}/tasks/${task.id}`}>{task.title}</Link>
                  </h2>
                  <Badge bg={PRIORITY_VARIANT[task.priority]} text={PRIORITY_TEXT[task.priority]} className="flex-shrink-0">
                    <span className="visually-hidden">Priority: </span>
                    {PRIORITY_LABEL[task.priority]}
                  </Badge>
                </div>
                <dl className="small text-body-secondary mb-0 d-flex flex-wrap column-gap-3">
                  <div className="d-flex gap-1">
                    <dt className="fw-normal">Project</dt>
                    <dd className="mb-0">
                      <Link to={`/projects/${task.project_id}`} data-testid="task-project">
                        {projectNames.get(task.project_id) ?? 'Project'}
                      </Link>
                    </dd>
                  </div>
                  <div className="d-flex gap-1">
                    <dt className="fw-normal">Status</dt>
                    <dd className="mb-0">{STATUS_LABEL[task.status]}</dd>
                  </div>
                  <div className="d-flex gap-1">
                    <dt className="fw-normal">Due</dt>
                    <dd className={`mb-0 ${overdue ? 'text-danger-emphasis fw-semibold' : ''}`}>
                      {task.due_date ? formatDueDate(task.due_date) : 'No due date'}
                      {overdue && <span className="visually-hidden"> (overdue)</span>}
                    </dd>
                  </div>
                </dl>
              </ListGroup.Item>
            );
          })}
        </ListGroup>
      )}
      {tasks.isFetchNextPageError && <ErrorState error={tasks.error} onRetry={() => tasks.fetchNextPage()} />}
      {tasks.hasNextPage && (
        <div className="d-flex align-items-center gap-2">
          <Button
            variant="outline-secondary"
            aria-busy={tasks.isFetchingNextPage}
            onClick={() => {
              if (tasks.isFetchingNextPage) return;
              focusFrom.current = list.length;
              void tasks.fetchNextPage();
            }}
          >
            Show more
          </Button>
          {tasks.isFetchingNextPage && <Loading label="Loading more…" />}
        </div>
      )}
    </>
  );
}
