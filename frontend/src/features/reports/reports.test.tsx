import { act, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { readBlobText } from '../../api/blob';
import { renderAt, renderHookWithClient } from '../../test/render';
import { createProject, createTask, enterTenant, signupTenant } from '../../test/tenant';
import { useDownloadReport, useReport, useStartReport } from './queries';
import { ReportProgress } from './ReportProgress';
import { ReportsPage } from './ReportsPage';

describe('reports', () => {
  it('starts an export, polls it until done and downloads the CSV with the tasks', async () => {
    const t = await signupTenant();
    enterTenant(t);
    const project = await createProject();
    await createTask(project.id, { title: 'Alpha task' });
    await createTask(project.id, { title: 'Beta task', status: 'done' });

    const start = renderHookWithClient(() => useStartReport(project.id));
    let reportId = '';
    await act(async () => {
      const report = await start.result.current.mutateAsync();
      expect(report.project_id).toBe(project.id);
      reportId = report.id;
    });

    const polled = renderHookWithClient(() => useReport(reportId, 100));
    await waitFor(() => expect(polled.result.current.data?.status).toBe('done'), { timeout: 15_000 });
    expect(polled.result.current.data?.progress).toBe(100);

    const download = renderHookWithClient(() => useDownloadReport());
    let csv = '';
    await act(async () => {
      const blob = await download.result.current.mutateAsync(reportId);
      csv = await readBlobText(blob);
    });
    expect(csv).toContain('Alpha task');
    expect(csv).toContain('Beta task');
  });

  it('walks through the export on the reports page', async () => {
    const t = await signupTenant();
    enterTenant(t);
    const project = await createProject('Quarterly');
    await createTask(project.id, { title: 'Gamma task' });
    renderAt(`/projects/${project.id}/reports`, <ReportsPage />, {}, '/projects/:projectId/reports');
    const user = userEvent.setup({ delay: null });

    await user.click(await screen.findByRole('button', { name: 'Start export' }));
    expect(await screen.findByRole('progressbar', { name: 'Export progress' })).toBeInTheDocument();
    expect(await screen.findByRole('button', { name: 'Download CSV' }, { timeout: 15_000 })).toBeInTheDocument();
    expect(screen.getByText('Done')).toBeInTheDocument();
  });

  it('shows progress as a labelled bar', () => {
    render(
      <ReportProgress
        report={{ id: 'r', project_id: 'p', status: 'running', progress: 40, created_at: '', finished_at: null }}
      />,
    );
    const bar = screen.getByRole('progressbar', { name: 'Export progress' });
    expect(bar).toHaveAttribute('aria-valuenow', '40');
    expect(screen.getByText('Running')).toBeInTheDocument();
  });
});
