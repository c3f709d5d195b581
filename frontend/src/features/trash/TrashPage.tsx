import { useEffect, useRef, useState } from 'react';
import { Alert, Button, ListGroup } from 'react-bootstrap';
import { Link } from 'react-router';
import { ApiError } from '../../api/error';
import type { TrashedProject } from '../../api/types';
import { Breadcrumbs } from '../../components/Breadcrumbs';
import { PageTitle } from '../../components/PageTitle';
import { EmptyState, ErrorState, Loading, MutationError } from '../../components/QueryState';
import { formatDay, formatInstant, taskCount, timeAgo } from './dates';
import { PurgeProjectModal } from './PurgeProjectModal';
import { useRestoreProject, useTrash } from './queries';

/** What the page last did, told in its status line. */
type Notice = { kind: 'restored'; id: string; name: string } | { kind: 'purged'; name: string };

/**
 * The projects in the trash, most recently deleted first, each to restore or to delete for
 * good. Owners and admins only: a member is told so (the API answers 403).
 */
export function TrashPage() {
  const trash = useTrash();
  const restore = useRestoreProject();
  const [purging, setPurging] = useState<TrashedProject | null>(null);
  const [notice, setNotice] = useState<Notice | null>(null);
  const forbidden = trash.error instanceof ApiError && trash.error.status === 403;

  return (
    <>
      <PageTitle>Trash</PageTitle>
      <Breadcrumbs trail={[{ label: 'Trash' }]} />
      <h1 className="h3 mb-2">Trash</h1>
      {!forbidden && (
        <p className="text-body-secondary">
          A deleted project stays here for 30 days with its tasks, comments and reports, then it is deleted for good.
        </p>
      )}
      <div role="status">
        {notice && <NoticeAlert notice={notice} onClose={() => setNotice(null)} />}
      </div>
      <MutationError error={restore.error} />
      {trash.isPending && <Loading label="Loading the trash…" />}
      {forbidden && (
        <Alert variant="info" className="my-3">
          Only owners and admins can see the trash.
        </Alert>
      )}
      {trash.isError && !forbidden && <ErrorState error={trash.error} onRetry={() => trash.refetch()} />}
      {trash.isSuccess && trash.data.length === 0 && (
        <EmptyState title="The trash is empty">
          <p className="mb-0">
            Projects you delete wait here for 30 days. <Link to="/">Back to projects</Link>
          </p>
        </EmptyState>
      )}
      {trash.isSuccess && trash.data.length > 0 && (
        <ListGroup as="ul" aria-label="Projects in the trash">
          {trash.data.map((project) => (
            <TrashRow
              key={project.id}
              project={project}
              busy={restore.isPending && restore.variables === project.id}
              onRestore={() => {
                setNotice(null);
                restore.mutate(project.id, {
                  onSuccess: (restored) => setNotice({ kind: 'restored', id: restored.id, name: restored.name }),
                });
              }}
              onPurge={() => {
                setNotice(null);
                restore.reset();
                setPurging(project);
              }}
            />
          ))}
        </ListGroup>
      )}
      {purging && (
        <PurgeProjectModal
          project={purging}
          onClose={() => setPurging(null)}
          onPurged={(project) => {
            setPurging(null);
            setNotice({ kind: 'purged', name: project.name });
          }}
        />
      )}
    </>
  );
}

interface TrashRowProps {
  project: TrashedProject;
  busy: boolean;
  onRestore: () => void;
  onPurge: () => void;
}

function TrashRow({ project, busy, onRestore, onPurge }: TrashRowProps) {
  return (
    <ListGroup.Item as="li" className="d-flex flex-wrap align-items-center gap-3 py-3">
      <div className="me-auto" style={{ minWidth: 0 }}>
        <h2 className="h6 mb-1 text-break">{project.name}</h2>
        {project.description && <p className="text-body-secondary small mb-1 text-break">{project.description}</p>}
        <p className="small text-body-secondary mb-0">
          {taskCount(project.tasks)} · Deleted{' '}
          <time dateTime={project.deleted_at} title={formatInstant(project.deleted_at)}>
            {timeAgo(project.deleted_at)}
          </time>{' '}
          · Purged on <time dateTime={project.purge_at}>{formatDay(project.purge_at)}</time>
        </p>
      </div>
      <div className="d-flex flex-wrap gap-2">
        <Button size="sm" variant="outline-primary" disabled={busy} onClick={onRestore}>
          Restore <span className="visually-hidden">{`“${project.name}”`}</span>
        </Button>
        <Button size="sm" variant="outline-danger" disabled={busy} onClick={onPurge}>
          Delete forever <span className="visually-hidden">{`“${project.name}”`}</span>
        </Button>
      </div>
    </ListGroup.Item>
  );
}

/** The outcome of the last restore or purge; it takes the focus, since its row is gone. */
function NoticeAlert({ notice, onClose }: { notice: Notice; onClose: () => void }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    ref.current?.focus();
  }, [notice]);
  return (
    <Alert
      ref={ref}
      role={undefined}
      tabIndex={-1}
      transition={false}
      variant={notice.kind === 'restored' ? 'success' : 'secondary'}
      dismissible
      onClose={onClose}
      className="my-3"
    >
      {notice.kind === 'restored' ? (
        <>
          <strong>{notice.name}</strong> is back in your projects, with everything in it.{' '}
          <Link to={`/projects/${notice.id}`} className="alert-link">
            Open its board
          </Link>
        </>
      ) : (
        <>
          <strong>{notice.name}</strong> was deleted for good.
        </>
      )}
    </Alert>
  );
}
