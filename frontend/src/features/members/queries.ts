import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, fetchAll } from '../../api/client';
import type { Role, User } from '../../api/types';
import { meKey } from '../auth/queries';

export const userKeys = {
  all: ['users'] as const,
};

export function useUsers() {
  return useQuery({
    queryKey: userKeys.all,
    queryFn: () => fetchAll<User>('/api/v1/users'),
    staleTime: 30_000,
  });
}

export interface NewUserInput {
  name: string;
  email: string;
  password: string;
  role: Role;
}

export function useAddUser() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (input: NewUserInput) => (await api.post<User>('/api/v1/users', input)).data,
    onSuccess: (user) => {
      queryClient.setQueryData<User[]>(userKeys.all, (users) => (users ? [...users, user] : users));
      return queryClient.invalidateQueries({ queryKey: userKeys.all });
    },
  });
}

export function useChangeRole() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ id, role }: { id: string; role: Role }) =>
      (await api.patch<User>(`/api/v1/users/${id}`, { role })).data,
    onSuccess: (user) => {
      queryClient.setQueryData<User[]>(userKeys.all, (users) => users?.map((u) => (u.id === user.id ? user : u)));
      return Promise.all([
        queryClient.invalidateQueries({ queryKey: userKeys.all }),
        queryClient.invalidateQueries({ queryKey: meKey }),
      ]);
    },
  });
}

export function useRemoveUser() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (user: User) => {
      await api.delete(`/api/v1/users/${user.id}`);
      return user;
    },
    onSuccess: (user) => {
      queryClient.setQueryData<User[]>(userKeys.all, (users) => users?.filter((u) => u.id !== user.id));
      return queryClient.invalidateQueries({ queryKey: userKeys.all });
    },
  });
}
