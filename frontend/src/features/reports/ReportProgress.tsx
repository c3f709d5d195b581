import { Badge, ProgressBar } from 'react-bootstrap';
import type { Report } from '../../api/types';

const STATUS_TEXT: Record<Report['status'], string> = {
  queued: 'Queued',
  running: 'Running',
  done: 'Done',
  failed: 'Failed',
};

const STATUS_VARIANT: Record<Report['status'], string> = {
  queued: 'secondary',
  running: 'primary',
  done: 'success',
  failed: 'danger',
};

export function ReportStatusBadge({ status }: { status: Report['status'] }) {
  return <Badge bg={STATUS_VARIANT[status]}>{STATUS_TEXT[status]}</Badge>;
}

export function ReportProgress({ report }: { report: Report }) {
  const finished = report.status === 'done' || report.status === 'failed';
  return (
    <div>
      <div className="d-flex justify-content-between mb-1">
        <span>
          Status: <ReportStatusBadge status={report.status} />
        </span>
        <span aria-hidden="true">{report.progress}%</span>
      </div>
      <div className="progress">
        <ProgressBar
          isChild
          now={report.progress}
          variant={STATUS_VARIANT[report.status]}
          animated={!finished}
          striped={!finished}
          aria-label="Export progress"
          aria-valuetext={`${report.progress}% – ${STATUS_TEXT[report.status]}`}
        />
      </div>
    </div>
  );
}
