import { Alert, Button, Card } from 'react-bootstrap';
import { useParams, useSearchParams } from 'react-router';
import { BackToProjects, ErrorState, Loading, MutationError } from '../../components/QueryState';
import { Breadcrumbs } from '../../components/Breadcrumbs';
import { useProject } from '../projects/queries';
import { PastExports } from './PastExports';
import { ReportProgress } from './ReportProgress';
import { saveBlob, useDownloadReport, useReport, useStartReport } from './queries';
import { PageTitle } from '../../components/PageTitle';

function fileName(projectName: string): string {
  const slug = projectName.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'project';
  return `${slug}-tasks.csv`;
}

export function ReportsPage() {
  const { projectId = '' } = useParams();
  const [search, setSearch] = useSearchParams();
  const reportId = search.get('report');
  const project = useProject(projectId);
  const start = useStartReport(projectId);
  const report = useReport(reportId);
  const download = useDownloadReport();

  if (project.isPending) return <Loading label="Loading project…" />;
  if (project.isError) return <ErrorState error={project.error} onRetry={() => project.refetch()} notFound={<BackToProjects />} />;

  const running = report.data !== undefined && (report.data.status === 'queued' || report.data.status === 'running');

  return (
    <>
      <PageTitle>{`Export tasks of ${project.data.name}`}</PageTitle>
      <Breadcrumbs trail={[{ label: project.data.name, to: `/projects/${projectId}` }, { label: 'Reports' }]} />
      <h1 className="h3">Export tasks</h1>
      <p className="text-body-secondary">
        Export every task of <strong>{project.data.name}</strong> as a CSV file. The export runs in the background.
      </p>
      <MutationError error={start.error} />
      <Button
        className="mb-4"
        disabled={start.isPending || running}
        onClick={() =>
          start.mutate(undefined, {
            onSuccess: (created) => setSearch({ report: created.id }),
          })
        }
      >
        {start.isPending ? 'Starting…' : reportId ? 'Start a new export' : 'Start export'}
      </Button>
      {reportId && (
        <Card as="section" className="shadow-sm mb-4" style={{ maxWidth: '40rem' }} aria-labelledby="current-export-heading">
          <Card.Body>
            <h2 className="h5" id="current-export-heading">
              Current export
            </h2>
            {report.isPending && <Loading label="Loading export…" />}
            {report.isError && <ErrorState error={report.error} onRetry={() => report.refetch()} notFound={<p className="mb-0">This export no longer exists.</p>} />}
            {report.data && (
              <div aria-live="polite">
                <ReportProgress report={report.data} />
                {report.data.status === 'failed' && (
                  <Alert variant="danger" className="mt-3 mb-0">
                    The export failed. Start a new one.
                  </Alert>
                )}
                {report.data.status === 'done' && (
                  <div className="mt-3">
                    <MutationError error={download.error} />
                    <Button
                      variant="success"
                      disabled={download.isPending}
                      onClick={() =>
                        download.mutate(report.data.id, {
                          onSuccess: (blob) => saveBlob(blob, fileName(project.data.name)),
                        })
                      }
                    >
                      {download.isPending ? 'Downloading…' : 'Download CSV'}
                    </Button>
                  </div>
                )}
              </div>
            )}
          </Card.Body>
        </Card>
      )}
      <PastExports projectId={projectId} fileName={fileName(project.data.name)} />
    </>
  );
}
