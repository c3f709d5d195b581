import { act, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { readBlobText } from '../../api/blob';
import { api, ApiError } from '../../api/client';
import type { Page, Report } from '../../api/types';
import { renderAt, renderHookWithClient } from '../../test/render';
import { createProject, createTask, enterTenant, signupTenant } from '../../test/tenant';
import { useDownloadReport, useProjectReports, useReport, useStartReport } from './queries';
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
    expect(within(screen.getByRole('region', { name: 'Current export' })).getByText('Done')).toBeInTheDocument();
  });

  it('lists a started export under past exports until it is done, then offers its download', async () => {
    const t = await signupTenant();
    enterTenant(t);
    const project = await createProject('Yearly');
    await createTask(project.id, { title: 'Delta task' });
    renderAt(`/projects/${project.id}/reports`, <ReportsPage />, {}, '/projects/:projectId/reports');
    const user = userEvent.setup({ delay: null });

    await screen.findByText('No exports yet');
    await user.click(screen.getByRole('button', { name: 'Start export' }));
    // Starting the export refreshes the list, which was not polling while it was empty.
    const list = await screen.findByRole('list', { name: 'Past exports' });
    expect(within(list).getAllByRole('listitem')).toHaveLength(1);
    expect(screen.queryByText('No exports yet')).not.toBeInTheDocument();

    // The list polls by itself while the export is queued or running.
    const download = await within(list).findByRole('button', { name: /^Download CSV of the export started / }, { timeout: 15_000 });
    expect(within(list).getByText('Done')).toBeInTheDocument();
    expect(within(list).queryByRole('progressbar')).not.toBeInTheDocument();
    await user.click(download);
    await waitFor(() => expect(within(list).getByRole('button', { name: /^Download CSV/ })).toBeEnabled());
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });

  it('says so when the project has no exports yet', async () => {
    const t = await signupTenant();
    enterTenant(t);
    const project = await createProject();
    renderAt(`/projects/${project.id}/reports`, <ReportsPage />, {}, '/projects/:projectId/reports');

    expect(await screen.findByText('No exports yet')).toBeInTheDocument();
    expect(screen.getByRole('heading', { name: 'Past exports' })).toBeInTheDocument();
    expect(screen.queryByRole('list', { name: 'Past exports' })).not.toBeInTheDocument();
  });

  it("reads the project's reports newest first and stops polling once all are finished", async () => {
    const t = await signupTenant();
    enterTenant(t);
    const project = await createProject();
    const started: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      started.push((await api.post<Report>(`/api/v1/projects/${project.id}/reports`)).data.id);
    }

    const reports = renderHookWithClient(() => useProjectReports(project.id, 100));
    await waitFor(
      () => {
        expect(reports.result.current.data).toHaveLength(3);
        expect(reports.result.current.data?.every((r) => r.status === 'done')).toBe(true);
      },
      { timeout: 15_000 },
    );
    // The API's order, oldest first, turned around (reports started within one tick tie on
    // created_at, so the API's own order is the reference rather than the order they were started).
    const { data: page } = await api.get<Page<Report>>(`/api/v1/projects/${project.id}/reports`);
    expect(page.items.map((r) => r.id).sort()).toEqual([...started].sort());
    expect(reports.result.current.data?.map((r) => r.id)).toEqual(page.items.map((r) => r.id).reverse());

    // Nothing left to wait for: no more reads.
    const updatedAt = reports.result.current.dataUpdatedAt;
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(reports.result.current.dataUpdatedAt).toBe(updatedAt);
  });

  it("does not find another organization's project reports", async () => {
    const other = await signupTenant();
    enterTenant(other);
    const project = await createProject();
    enterTenant(await signupTenant());

    const reports = renderHookWithClient(() => useProjectReports(project.id));
    await waitFor(() => expect(reports.result.current.isError).toBe(true));
    expect(reports.result.current.error).toBeInstanceOf(ApiError);
    expect((reports.result.current.error as ApiError).isNotFound).toBe(true);
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
