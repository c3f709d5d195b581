import { useEffect, useRef, type DragEvent } from 'react';
import { Badge, Card, Dropdown } from 'react-bootstrap';
import { Link } from 'react-router';
import type { Task, TaskStatus, User } from '../../api/types';
import { formatDueDate, isOverdue, PRIORITY_LABEL, PRIORITY_TEXT, PRIORITY_VARIANT, STATUSES, STATUS_LABEL } from './labels';

export const DRAG_TYPE = 'application/x-taskflow-task';

interface TaskCardProps {
  task: Task;
  assignee?: User;
  onMove: (task: Task, status: TaskStatus) => void;
  onEdit: (task: Task) => void;
  /** Set on the card just moved: its "move" button takes the focus in its new column. */
  focusMove?: boolean;
  /** Set on a card just created: it scrolls into view, highlighted for as long as it is set. */
  fresh?: boolean;
}

export function TaskCard({ task, assignee, onMove, onEdit, focusMove = false, fresh = false }: TaskCardProps) {
  const moveButton = useRef<HTMLButtonElement>(null);
  const card = useRef<HTMLElement>(null);
  useEffect(() => {
    if (focusMove) moveButton.current?.focus();
  }, [focusMove]);
  useEffect(() => {
    if (fresh) card.current?.scrollIntoView?.({ block: 'nearest' });
  }, [fresh]);
  const onDragStart = (event: DragEvent) => {
    event.dataTransfer.setData(DRAG_TYPE, task.id);
    event.dataTransfer.setData('text/plain', task.title);
    event.dataTransfer.effectAllowed = 'move';
  };
  const overdue = task.due_date !== null && task.status !== 'done' && isOverdue(task.due_date);

  return (
    <Card
      ref={card}
      as="article"
      className={`shadow-sm task-card ${fresh ? 'task-card-fresh' : ''}`}
      draggable
      onDragStart={onDragStart}
      data-task-id={task.id}
      data-fresh={fresh || undefined}
      aria-label={task.title}
    >
      <Card.Body className="p-2">
        <div className="d-flex justify-content-between align-items-start gap-2">
          <h3 className="h6 mb-1 text-break">
            <Link to={`/projects/${task.project_id}/tasks/${task.id}`}>{task.title}</Link>
          </h3>
          <Badge bg={PRIORITY_VARIANT[task.priority]} text={PRIORITY_TEXT[task.priority]} className="flex-shrink-0">
            <span className="visually-hidden">Priority: </span>
            {PRIORITY_LABEL[task.priority]}
          </Badge>
        </div>
        <dl className="small text-body-secondary mb-2 row g-0">
          <dt className="col-5 fw-normal">Assignee</dt>
          <dd className="col-7 mb-0 text-truncate">{assignee ? assignee.name : 'Unassigned'}</dd>
          <dt className="col-5 fw-normal">Due</dt>
          <dd className={`col-7 mb-0 ${overdue ? 'text-danger-emphasis fw-semibold' : ''}`}>
            {task.due_date ? formatDueDate(task.due_date) : 'No due date'}
            {overdue && <span className="visually-hidden"> (overdue)</span>}
          </dd>
        </dl>
        <div className="d-flex gap-2 align-items-center">
          {/* A menu, not a select: arrow keys choose within it, and only Enter or a click
              moves the card (a select would move it on the first arrow key). */}
          <Dropdown>
            {/* Its name holds the visible text (WCAG 2.5.3): "Move “Title”, now To do". */}
            <Dropdown.Toggle ref={moveButton} size="sm" variant="outline-secondary">
              <span className="visually-hidden">Move “{task.title}”, now</span> {STATUS_LABEL[task.status]}
            </Dropdown.Toggle>
            <Dropdown.Menu>
              {STATUSES.filter((status) => status !== task.status).map((status) => (
                <Dropdown.Item as="button" key={status} onClick={() => onMove(task, status)}>
                  Move to {STATUS_LABEL[status]}
                </Dropdown.Item>
              ))}
            </Dropdown.Menu>
          </Dropdown>
          <button type="button" className="btn btn-sm btn-outline-secondary" onClick={() => onEdit(task)} aria-label={`Edit “${task.title}”`}>
            Edit
          </button>
        </div>
      </Card.Body>
    </Card>
  );
}
