import { Button, Modal } from 'react-bootstrap';
import type { TrashedProject } from '../../api/types';
import { MutationError } from '../../components/QueryState';
import { taskCount } from './dates';
import { usePurgeProject } from './queries';

interface PurgeProjectModalProps {
  project: TrashedProject;
  onClose: () => void;
  /** Called once the project is gone for good. */
  onPurged: (project: TrashedProject) => void;
}

/** Asks before deleting a project in the trash for good, which cannot be undone. */
export function PurgeProjectModal({ project, onClose, onPurged }: PurgeProjectModalProps) {
  const purge = usePurgeProject();
  const contents =
    project.tasks === 0
      ? 'with any reports of it'
      : `with everything in it: ${taskCount(project.tasks)} with their comments, and its reports`;
  return (
    <Modal show onHide={onClose} centered aria-labelledby="purge-project-title" aria-describedby="purge-project-body">
      <Modal.Header closeButton>
        <Modal.Title id="purge-project-title">Delete “{project.name}” forever</Modal.Title>
      </Modal.Header>
      <Modal.Body>
        <MutationError error={purge.error} />
        <div id="purge-project-body">
          <p>
            <strong>{project.name}</strong> will be deleted for good, {contents}. Its name becomes free for a new
            project.
          </p>
          <p className="mb-0 fw-semibold">This cannot be undone.</p>
        </div>
      </Modal.Body>
      <Modal.Footer>
        <Button variant="outline-secondary" onClick={onClose} autoFocus>
          Cancel
        </Button>
        <Button
          variant="danger"
          disabled={purge.isPending}
          onClick={() => purge.mutate(project.id, { onSuccess: () => onPurged(project) })}
        >
          Delete forever
        </Button>
      </Modal.Footer>
    </Modal>
  );
}
