import { Button, Modal } from 'react-bootstrap';
import type { Project } from '../../api/types';
import { MutationError } from '../../components/QueryState';
import { useDeleteProject } from './queries';

interface DeleteProjectModalProps {
  project: Project;
  onClose: () => void;
  /** Called once the project is in the trash. */
  onDeleted: (project: Project) => void;
}

/** Asks before moving a project to the trash. */
export function DeleteProjectModal({ project, onClose, onDeleted }: DeleteProjectModalProps) {
  const remove = useDeleteProject();
  return (
    <Modal show onHide={onClose} centered aria-labelledby="delete-project-title">
      <Modal.Header closeButton>
        <Modal.Title id="delete-project-title">Delete project</Modal.Title>
      </Modal.Header>
      <Modal.Body>
        <MutationError error={remove.error} />
        <p className="mb-0">
          Move <strong>{project.name}</strong> with all its tasks, comments and reports to the trash? An owner or
          admin can restore it from the trash for 30 days; then it is deleted for good.
        </p>
      </Modal.Body>
      <Modal.Footer>
        <Button variant="outline-secondary" onClick={onClose} autoFocus>
          Cancel
        </Button>
        <Button variant="danger" disabled={remove.isPending} onClick={() => remove.mutate(project.id, { onSuccess: () => onDeleted(project) })}>
          Delete project
        </Button>
      </Modal.Footer>
    </Modal>
  );
}
