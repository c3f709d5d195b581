import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/client';
import { clearToken, getToken, setToken } from '../../api/token';
import type { Me, User } from '../../api/types';

export const meKey = ['me'] as const;

export function useMe() {
  return useQuery({
    queryKey: meKey,
    queryFn: async () => (await api.get<Me>('/api/v1/me')).data,
    enabled: getToken() !== null,
    staleTime: 60_000,
  });
}

export interface Credentials {
  email: string;
  password: string;
}

export function useLogin() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (credentials: Credentials) =>
      (await api.post<{ token: string; user: User }>('/api/v1/auth/login', credentials)).data,
    onSuccess: ({ token }) => {
      setToken(token);
      queryClient.clear();
    },
  });
}

/**
 * Revokes the token on the server (`POST /api/v1/auth/logout`), then forgets it and everything
 * read with it. The page forgets the token whatever the server answers.
 */
export function useLogout() {
  const queryClient = useQueryClient();
  return async () => {
    const token = getToken();
    clearToken();
    queryClient.clear();
    if (token) {
      await api
        .post('/api/v1/auth/logout', null, { headers: { Authorization: `Bearer ${token}` } })
        .catch(() => undefined);
    }
  };
}

export function canManageUsers(user: User | undefined): boolean {
  return user?.role === 'owner' || user?.role === 'admin';
}

/** Whether `user` may delete a whole project: owners and admins. */
export function canDeleteProjects(user: User | undefined): boolean {
  return user?.role === 'owner' || user?.role === 'admin';
}
