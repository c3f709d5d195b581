import { useMutation } from '@tanstack/react-query';
import { api } from '../../api/client';
import type { Tenant, User } from '../../api/types';

export interface SignupInput {
  name: string;
  subdomain: string;
  owner: { name: string; email: string; password: string };
}

export interface SignupResult {
  tenant: Tenant;
  user: User;
  token: string;
}

/** Creates an organization and its owner; answered on the base host. */
export function useSignup() {
  return useMutation({
    mutationFn: async (input: SignupInput) => (await api.post<SignupResult>('/api/v1/tenants', input)).data,
  });
}
