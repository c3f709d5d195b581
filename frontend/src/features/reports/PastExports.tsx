import { Button, ListGroup, ProgressBar } from 'react-bootstrap';
import type { Report } from '../../api/types';
import { EmptyState, ErrorState, Loading, MutationError } from '../../components/QueryState';
import { ReportStatusBadge } from './ReportProgress';
import { saveBlob, useDownloadReport, useProjectReports } from './queries';

interface PastExportsProps {
  projectId: string;
  fileName: string;
}

/** The project's exports, newest first, each downloadable once done. */
export function PastExports({ projectId, fileName }: PastExportsProps) {
  const reports = useProjectReports(projectId);
  const download = useDownloadReport();

  return (
    <section aria-labelledby="past-exports-heading" style={{ maxWidth: '40rem' }}>
      <h2 className="h5" id="past-exports-heading">
        Past exports
      </h2>
      {reports.isPending && <Loading label="Loading exports…" />}
      {reports.isError && <ErrorState error={reports.error} onRetry={() => reports.refetch()} />}
      {reports.isSuccess && reports.data.length === 0 && (
        <EmptyState title="No exports yet">
          <p className="mb-0">Exports you start show up here.</p>
        </EmptyState>
      )}
      {reports.isSuccess && reports.data.length > 0 && (
        <>
          <MutationError error={download.error} />
          <ListGroup as="ol" aria-label="Past exports">
            {reports.data.map((report) => (
              <PastExportRow
                key={report.id}
                report={report}
                downloading={download.isPending && download.variables === report.id}
                onDownload={() => download.mutate(report.id, { onSuccess: (blob) => saveBlob(blob, fileName) })}
              />
            ))}
          </ListGroup>
        </>
      )}
    </section>
  );
}

interface PastExportRowProps {
  report: Report;
  downloading: boolean;
  onDownload: () => void;
}

function PastExportRow({ report, downloading, onDownload }: PastExportRowProps) {
  const startedAt = new Date(report.created_at).toLocaleString();
  return (
    <ListGroup.Item as="li" className="d-flex flex-wrap align-items-center gap-2">
      <time dateTime={report.created_at} className="me-auto">
        {startedAt}
      </time>
      <ReportStatusBadge status={report.status} />
      {report.status === 'running' && (
        <div className="progress flex-grow-1" style={{ minWidth: '6rem', maxWidth: '10rem' }}>
          <ProgressBar
            isChild
            now={report.progress}
            label={`${report.progress}%`}
            animated
            striped
            aria-label={`Progress of the export started ${startedAt}`}
          />
        </div>
      )}
      {report.status === 'done' && (
        <Button
          size="sm"
          variant="outline-success"
          disabled={downloading}
          onClick={onDownload}
          aria-label={`Download CSV of the export started ${startedAt}`}
        >
          {downloading ? 'Downloading…' : 'Download'}
        </Button>
      )}
    </ListGroup.Item>
  );
}
