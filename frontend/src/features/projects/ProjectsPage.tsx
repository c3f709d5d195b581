import { useState } from 'react';
import { Button, ButtonGroup, Card, Col, Row } from 'react-bootstrap';
import { Link } from 'react-router';
import type { Project } from '../../api/types';
import { EmptyState, ErrorState, Loading } from '../../components/QueryState';
import { DeleteProjectModal } from './DeleteProjectModal';
import { ProjectFormModal } from './ProjectFormModal';
import { TrashedToast, type Trashed } from './TrashedToast';
import { canDeleteProjects, useMe } from '../auth/queries';
import { useProjects } from './queries';
import { PageTitle } from '../../components/PageTitle';

type Dialog = { kind: 'create' } | { kind: 'rename'; project: Project } | { kind: 'delete'; project: Project } | null;

export function ProjectsPage() {
  const projects = useProjects();
  const me = useMe();
  // Deleting a whole project is for owners and admins (the API refuses a member with 403).
  const mayDelete = canDeleteProjects(me.data?.user);
  const [dialog, setDialog] = useState<Dialog>(null);
  const close = () => setDialog(null);
  // The project last moved to the trash from here, while its undo is offered.
  const [trashed, setTrashed] = useState<Trashed | null>(null);

  return (
    <>
      <PageTitle>Projects</PageTitle>
      <div className="d-flex flex-wrap align-items-center justify-content-between gap-2 mb-3">
        <h1 className="h3 mb-0">Projects</h1>
        <Button onClick={() => setDialog({ kind: 'create' })}>New project</Button>
      </div>
      {projects.isPending && <Loading label="Loading projects…" />}
      {projects.isError && <ErrorState error={projects.error} onRetry={() => projects.refetch()} />}
      {projects.isSuccess && projects.data.length === 0 && (
        <EmptyState title="No projects yet">
          <p>Create the first project to start planning tasks.</p>
          <Button variant="outline-primary" onClick={() => setDialog({ kind: 'create' })}>
            Create a project
          </Button>
        </EmptyState>
      )}
      {projects.isSuccess && projects.data.length > 0 && (
        <Row xs={1} md={2} xl={3} className="g-3 list-unstyled" as="ul" aria-label="Projects">
          {projects.data.map((project) => (
            <Col as="li" key={project.id}>
              <Card className="h-100 shadow-sm">
                <Card.Body>
                  <Card.Title as="h2" className="h5">
                    <Link to={`/projects/${project.id}`}>
                      {project.name}
                    </Link>
                  </Card.Title>
                  <Card.Text className="text-body-secondary">{project.description || 'No description'}</Card.Text>
                </Card.Body>
                <Card.Footer className="bg-transparent d-flex flex-wrap gap-2 justify-content-between">
                  <Link to={`/projects/${project.id}/reports`} className="btn btn-sm btn-outline-secondary">
                    Reports
                  </Link>
                  <ButtonGroup size="sm">
                    <Button variant="outline-secondary" onClick={() => setDialog({ kind: 'rename', project })} aria-label={`Rename ${project.name}`}>
                      Rename
                    </Button>
                    {mayDelete && (
                      <Button variant="outline-danger" onClick={() => setDialog({ kind: 'delete', project })} aria-label={`Delete ${project.name}`}>
                        Delete
                      </Button>
                    )}
                  </ButtonGroup>
                </Card.Footer>
              </Card>
            </Col>
          ))}
        </Row>
      )}
      {dialog?.kind === 'create' && <ProjectFormModal onClose={close} />}
      {dialog?.kind === 'rename' && <ProjectFormModal project={dialog.project} onClose={close} />}
      {dialog?.kind === 'delete' && (
        <DeleteProjectModal
          project={dialog.project}
          onClose={close}
          onDeleted={(project) => {
            close();
            setTrashed((last) => ({ project, seq: (last?.seq ?? 0) + 1 }));
          }}
        />
      )}
      <TrashedToast trashed={trashed} onClose={() => setTrashed(null)} />
    </>
  );
}
