import { useEffect, type ReactNode } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { Navigate, useLocation, useNavigate } from 'react-router';
import { setUnauthorizedHandler } from '../../api/client';
import { getToken } from '../../api/token';

/** Sends a visitor without a token to the login page, remembering where they were going. */
export function RequireAuth({ children }: { children: ReactNode }) {
  const location = useLocation();
  if (getToken() === null) {
    return <Navigate to="/login" replace state={{ from: location.pathname + location.search }} />;
  }
  return <>{children}</>;
}

/** Routes the API client's 401s to the login page inside the app, without a reload. */
export function UnauthorizedRedirect() {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  useEffect(
    () =>
      setUnauthorizedHandler(() => {
        queryClient.clear();
        navigate('/login', {
          replace: true,
          state: { from: window.location.pathname + window.location.search, expired: true },
        });
      }),
    [navigate, queryClient],
  );
  return null;
}
