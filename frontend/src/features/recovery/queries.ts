import { useMutation } from '@tanstack/react-query';
import { api } from '../../api/client';
import type { ResetRequested } from '../../api/types';

/** Asks for a reset link: the same answer whether the email is an account's or not. */
export function useRequestReset() {
  return useMutation({
    mutationFn: async (email: string) =>
      (await api.post<ResetRequested>('/api/v1/auth/password-reset', { email })).data,
  });
}

/** Sets the new password with the link's token; every session of the account ends. */
export function useConfirmReset() {
  return useMutation({
    mutationFn: async ({ token, password }: { token: string; password: string }) => {
      await api.post('/api/v1/auth/password-reset/confirm', { token, password });
    },
  });
}
