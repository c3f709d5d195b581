import { useEffect, useRef } from 'react';
import { Button, CloseButton, ToastContainer } from 'react-bootstrap';
import { Link } from 'react-router';
import type { Project } from '../../api/types';
import { MutationError } from '../../components/QueryState';
import { useRestoreProject } from '../trash/queries';

/** A project just moved to the trash; `seq` tells one deletion from the next. */
export interface Trashed {
  project: Project;
  seq: number;
}

/**
 * The word that `project` went to the trash, with an undo and a link to the trash, in the
 * corner of the screen until it is closed. Its container is a polite live region that is always
 * there, so that a screen reader reads each new word out.
 */
export function TrashedToast({ trashed, onClose }: { trashed: Trashed | null; onClose: () => void }) {
  return (
    <ToastContainer position="bottom-end" containerPosition="fixed" className="p-3" role="status">
      {trashed && <TrashedToastBody key={trashed.seq} project={trashed.project} onClose={onClose} />}
    </ToastContainer>
  );
}

function TrashedToastBody({ project, onClose }: { project: Project; onClose: () => void }) {
  const restore = useRestoreProject();
  const restored = restore.isSuccess;
  const undoRef = useRef<HTMLButtonElement>(null);
  const closeRef = useRef<HTMLButtonElement>(null);
  // The project's card, which had the focus, is gone: the focus goes to the undo, and once that
  // is done, to the close button.
  useEffect(() => {
    (restored ? closeRef : undoRef).current?.focus();
  }, [restored]);

  return (
    <div className="toast show" aria-atomic="true">
      <div className="toast-header">
        <strong className="me-auto">{restored ? 'Project restored' : 'Moved to the trash'}</strong>
        <CloseButton ref={closeRef} aria-label="Close" onClick={onClose} />
      </div>
      <div className="toast-body">
        <MutationError error={restore.error} />
        {restored ? (
          <p className="mb-0">
            <strong>{project.name}</strong> is back in your projects.
          </p>
        ) : (
          <>
            <p className="mb-2">
              <strong>{project.name}</strong> is in the trash with its tasks, comments and reports.
            </p>
            <div className="d-flex flex-wrap align-items-center gap-2">
              <Button ref={undoRef} size="sm" disabled={restore.isPending} onClick={() => restore.mutate(project.id)}>
                Undo
              </Button>
              <Link to="/trash" className="btn btn-sm btn-link">
                Open the trash
              </Link>
            </div>
          </>
        )}
      </div>
    </div>
  );
}
