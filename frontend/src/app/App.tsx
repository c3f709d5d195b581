import { QueryClientProvider, type QueryClient } from '@tanstack/react-query';
import { BrowserRouter, Navigate, Route, Routes } from 'react-router';
import { LoginPage } from '../features/auth/LoginPage';
import { RequireAuth, UnauthorizedRedirect } from '../features/auth/RequireAuth';
import { BoardPage } from '../features/board/BoardPage';
import { TaskDetailPage } from '../features/board/TaskDetailPage';
import { AccountPage } from '../features/account/AccountPage';
import { LandingPage } from '../features/landing/LandingPage';
import { MembersPage } from '../features/members/MembersPage';
import { MyTasksPage } from '../features/mytasks/MyTasksPage';
import { ProjectsPage } from '../features/projects/ProjectsPage';
import { ReportsPage } from '../features/reports/ReportsPage';
import { SignupPage } from '../features/signup/SignupPage';
import { TrashPage } from '../features/trash/TrashPage';
import { AcceptInvitePage } from '../features/invitations/AcceptInvitePage';
import { ForgotPasswordPage } from '../features/recovery/ForgotPasswordPage';
import { ResetPasswordPage } from '../features/recovery/ResetPasswordPage';
import type { Site } from './host';
import { Layout } from './Layout';
import { NotFoundPage } from './NotFoundPage';

/** The routes of a tenant's subdomain: login, and the app behind it. */
export function TenantRoutes({ subdomain, baseHost }: { subdomain: string; baseHost: string }) {
  return (
    <>
      <UnauthorizedRedirect />
      <Routes>
        <Route path="/login" element={<LoginPage subdomain={subdomain} baseHost={baseHost} />} />
        <Route path="/invite" element={<AcceptInvitePage />} />
        <Route path="/forgot-password" element={<ForgotPasswordPage />} />
        <Route path="/reset-password" element={<ResetPasswordPage />} />
        <Route
          element={
            <RequireAuth>
              <Layout />
            </RequireAuth>
          }
        >
          <Route index element={<ProjectsPage />} />
          <Route path="projects/:projectId" element={<BoardPage />} />
          <Route path="projects/:projectId/tasks/:taskId" element={<TaskDetailPage />} />
          <Route path="projects/:projectId/reports" element={<ReportsPage />} />
          <Route path="my-tasks" element={<MyTasksPage />} />
          <Route path="members" element={<MembersPage />} />
          <Route path="trash" element={<TrashPage />} />
          <Route path="account" element={<AccountPage />} />
          <Route path="*" element={<NotFoundPage />} />
        </Route>
      </Routes>
    </>
  );
}

/** The routes of the bare base host: signing up, or finding one's organization. */
export function BaseRoutes({ baseHost }: { baseHost: string }) {
  return (
    <Routes>
      <Route index element={<LandingPage />} />
      <Route path="/signup" element={<SignupPage baseHost={baseHost} />} />
      <Route path="*" element={<Navigate to="/" replace />} />
    </Routes>
  );
}

export function App({ site, queryClient }: { site: Site; queryClient: QueryClient }) {
  return (
    <QueryClientProvider client={queryClient}>
      <BrowserRouter>
        {site.kind === 'tenant' ? (
          <TenantRoutes subdomain={site.subdomain} baseHost={site.baseHost} />
        ) : (
          <BaseRoutes baseHost={site.baseHost} />
        )}
      </BrowserRouter>
    </QueryClientProvider>
  );
}
