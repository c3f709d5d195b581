import { useMemo, useState, type FormEvent } from 'react';
import { Badge, Button, Card, Col, Form, ListGroup, Row } from 'react-bootstrap';
import { useNavigate, useParams } from 'react-router';
import { ApiError } from '../../api/error';
import type { TaskStatus } from '../../api/types';
import { Breadcrumbs } from '../../components/Breadcrumbs';
import { BackToProjects, EmptyState, ErrorState, Loading, MutationError } from '../../components/QueryState';
import { useUsers } from '../members/queries';
import { useProject } from '../projects/queries';
import { formatDueDate, PRIORITY_LABEL, PRIORITY_TEXT, PRIORITY_VARIANT, STATUSES, STATUS_LABEL } from './labels';
import { useAddComment, useComments, useDeleteTask, useMoveTask, useTask } from './queries';
import { TaskModal } from './TaskModal';
import { TaskHistory } from './TaskHistory';
import { PageTitle } from '../../components/PageTitle';

export function TaskDetailPage() {
  const { projectId = '', taskId = '' } = useParams();
  const project = useProject(projectId);
  const task = useTask(taskId);
  const users = useUsers();
  const move = useMoveTask();
  const remove = useDeleteTask();
  const navigate = useNavigate();
  const [editing, setEditing] = useState(false);
  const usersById = useMemo(() => new Map((users.data ?? []).map((u) => [u.id, u])), [users.data]);

  if (task.isPending) return <Loading label="Loading task…" />;
  if (task.isError) return <ErrorState error={task.error} onRetry={() => task.refetch()} notFound={<BackToProjects />} />;
  const t = task.data;
  if (t.project_id !== projectId) {
    return <ErrorState error={new ApiError(404, 'not_found', 'Not found.')} notFound={<BackToProjects />} />;
  }
  const assignee = t.assignee_id ? usersById.get(t.assignee_id) : undefined;

  return (
    <>
      <PageTitle>{t.title}</PageTitle>
      <Breadcrumbs trail={[{ label: project.data?.name ?? 'Board', to: `/projects/${projectId}` }, { label: t.title }]} />
      <Row className="g-4">
        <Col xs={12} lg={7}>
          <Card className="shadow-sm">
            <Card.Body>
              <div className="d-flex flex-wrap justify-content-between gap-2 mb-2">
                <h1 className="h3 mb-0 text-break">{t.title}</h1>
                <div className="d-flex gap-2">
                  <Button variant="outline-secondary" size="sm" onClick={() => setEditing(true)}>
                    Edit
                  </Button>
                  <Button
                    variant="outline-danger"
                    size="sm"
                    disabled={remove.isPending}
                    onClick={() => {
                      if (window.confirm(`Delete “${t.title}”?`)) {
                        remove.mutate(t, { onSuccess: () => navigate(`/projects/${projectId}`) });
                      }
                    }}
                  >
                    Delete
                  </Button>
                </div>
              </div>
              <MutationError error={remove.error ?? move.error} />
              <p className="text-break" style={{ whiteSpace: 'pre-wrap' }}>
                {t.description || <span className="text-body-secondary">No description</span>}
              </p>
              <dl className="row mb-0">
                <dt className="col-sm-4">Status</dt>
                <dd className="col-sm-8">
                  <Form.Select
                    size="sm"
                    aria-label="Status"
                    value={t.status}
                    style={{ maxWidth: '14rem' }}
                    onChange={(e) => move.mutate({ id: t.id, status: e.target.value as TaskStatus })}
                  >
                    {STATUSES.map((s) => (
                      <option key={s} value={s}>
                        {STATUS_LABEL[s]}
                      </option>
                    ))}
                  </Form.Select>
                </dd>
                <dt className="col-sm-4">Priority</dt>
                <dd className="col-sm-8">
                  <Badge bg={PRIORITY_VARIANT[t.priority]} text={PRIORITY_TEXT[t.priority]}>{PRIORITY_LABEL[t.priority]}</Badge>
                </dd>
                <dt className="col-sm-4">Assignee</dt>
                <dd className="col-sm-8">{assignee ? assignee.name : 'Unassigned'}</dd>
                <dt className="col-sm-4">Due date</dt>
                <dd className="col-sm-8">{t.due_date ? formatDueDate(t.due_date) : 'None'}</dd>
                <dt className="col-sm-4">Created</dt>
                <dd className="col-sm-8 mb-0">{new Date(t.created_at).toLocaleString()}</dd>
              </dl>
            </Card.Body>
          </Card>
          <TaskHistory taskId={t.id} version={t.updated_at} projectId={projectId} usersById={usersById} />
        </Col>
        <Col xs={12} lg={5}>
          <Comments taskId={t.id} usersById={usersById} />
        </Col>
      </Row>
      {editing && <TaskModal projectId={projectId} task={t} users={users.data ?? []} onClose={() => setEditing(false)} />}
    </>
  );
}

function Comments({ taskId, usersById }: { taskId: string; usersById: Map<string, { name: string }> }) {
  const comments = useComments(taskId);
  const add = useAddComment(taskId);
  const [body, setBody] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    add.mutate(body.trim(), { onSuccess: () => setBody('') });
  };

  return (
    <section aria-labelledby="comments-title">
      <h2 className="h5" id="comments-title">
        Comments
      </h2>
      {comments.isPending && <Loading label="Loading comments…" />}
      {comments.isError && <ErrorState error={comments.error} onRetry={() => comments.refetch()} />}
      {comments.isSuccess && comments.data.length === 0 && <EmptyState title="No comments yet" />}
      {comments.isSuccess && comments.data.length > 0 && (
        <ListGroup className="mb-3" as="ol" aria-label="Comments">
          {comments.data.map((c) => (
            <ListGroup.Item as="li" key={c.id}>
              <div className="d-flex justify-content-between small text-body-secondary">
                <span className="fw-semibold">{(c.author_id && usersById.get(c.author_id)?.name) || 'Former member'}</span>
                <time dateTime={c.created_at}>{new Date(c.created_at).toLocaleString()}</time>
              </div>
              <p className="mb-0 text-break" style={{ whiteSpace: 'pre-wrap' }}>
                {c.body}
              </p>
            </ListGroup.Item>
          ))}
        </ListGroup>
      )}
      <Form onSubmit={submit}>
        <MutationError error={add.error} />
        <Form.Group className="mb-2" controlId="comment-body">
          <Form.Label>Add a comment</Form.Label>
          <Form.Control as="textarea" rows={3} value={body} onChange={(e) => setBody(e.target.value)} />
        </Form.Group>
        <Button type="submit" disabled={add.isPending || body.trim() === ''}>
          {add.isPending ? 'Posting…' : 'Post comment'}
        </Button>
      </Form>
    </section>
  );
}
