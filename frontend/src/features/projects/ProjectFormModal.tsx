import { useState, type FormEvent } from 'react';
import { Button, Form, Modal } from 'react-bootstrap';
import type { Project } from '../../api/types';
import { fieldError, MutationError } from '../../components/QueryState';
import { useCreateProject, useUpdateProject } from './queries';

interface ProjectFormModalProps {
  /** The project to rename, or none to create one. */
  project?: Project;
  onClose: () => void;
}

export function ProjectFormModal({ project, onClose }: ProjectFormModalProps) {
  const create = useCreateProject();
  const update = useUpdateProject();
  const mutation = project ? update : create;
  const [name, setName] = useState(project?.name ?? '');
  const [description, setDescription] = useState(project?.description ?? '');

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const input = { name: name.trim(), description: description.trim() || null };
    if (project) update.mutate({ id: project.id, ...input }, { onSuccess: onClose });
    else create.mutate(input, { onSuccess: onClose });
  };

  return (
    <Modal show onHide={onClose} centered aria-labelledby="project-form-title">
      <Form onSubmit={submit}>
        <Modal.Header closeButton>
          <Modal.Title id="project-form-title">{project ? 'Rename project' : 'New project'}</Modal.Title>
        </Modal.Header>
        <Modal.Body>
          <MutationError error={mutation.error} />
          <Form.Group className="mb-3" controlId="project-name">
            <Form.Label>Name</Form.Label>
            <Form.Control
              required
              autoFocus
              maxLength={120}
              value={name}
              isInvalid={!!fieldError(mutation.error, 'name')}
              onChange={(e) => setName(e.target.value)}
            />
            <Form.Control.Feedback type="invalid">{fieldError(mutation.error, 'name')}</Form.Control.Feedback>
          </Form.Group>
          <Form.Group controlId="project-description">
            <Form.Label>Description</Form.Label>
            <Form.Control as="textarea" rows={3} value={description} onChange={(e) => setDescription(e.target.value)} />
          </Form.Group>
        </Modal.Body>
        <Modal.Footer>
          <Button variant="outline-secondary" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" disabled={mutation.isPending || name.trim() === ''}>
            {project ? 'Save' : 'Create project'}
          </Button>
        </Modal.Footer>
      </Form>
    </Modal>
  );
}
