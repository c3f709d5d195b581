import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, fetchAll } from '../../api/client';
import { setToken } from '../../api/token';
import type {
  AcceptInvitation,
  CreatedInvitation,
  Invitation,
  InvitationInput,
  InvitationPreview,
  Session,
} from '../../api/types';

export const invitationKeys = {
  all: ['invitations'] as const,
  preview: (token: string) => ['invitation-preview', token] as const,
};

/** The pending invitations, oldest first (owners and admins). */
export function useInvitations(enabled = true) {
  return useQuery({
    queryKey: invitationKeys.all,
    queryFn: () => fetchAll<Invitation>('/api/v1/invitations'),
    enabled,
    staleTime: 30_000,
  });
}

/** Invites someone; the answer's link is shown once, the list gains the invitation. */
export function useInvite() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (input: InvitationInput) =>
      (await api.post<CreatedInvitation>('/api/v1/invitations', input)).data,
    onSuccess: ({ invitation }) => {
      queryClient.setQueryData<Invitation[]>(invitationKeys.all, (list) =>
        list ? [...list.filter((i) => i.id !== invitation.id), invitation] : list,
      );
      return queryClient.invalidateQueries({ queryKey: invitationKeys.all });
    },
  });
}

/** Withdraws an invitation: its link stops working. */
export function useRevokeInvitation() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (invitation: Invitation) => {
      await api.delete(`/api/v1/invitations/${encodeURIComponent(invitation.id)}`);
      return invitation;
    },
    onSuccess: (invitation) => {
      queryClient.setQueryData<Invitation[]>(invitationKeys.all, (list) => list?.filter((i) => i.id !== invitation.id));
      return queryClient.invalidateQueries({ queryKey: invitationKeys.all });
    },
  });
}

/** What a link is for, before joining (no sign-in: the token is the credential). */
export function useInvitationPreview(token: string | null) {
  return useQuery({
    queryKey: invitationKeys.preview(token ?? ''),
    queryFn: async () =>
      (await api.post<InvitationPreview>('/api/v1/invitations/preview', { token })).data,
    enabled: !!token,
    retry: false,
    staleTime: Infinity,
  });
}

/** Joins by the link: the account is made and signed in, its token stored as a login's. */
export function useAcceptInvitation() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (input: AcceptInvitation) =>
      (await api.post<Session>('/api/v1/invitations/accept', input)).data,
    onSuccess: ({ token }) => {
      setToken(token);
      queryClient.clear();
    },
  });
}

/** The link of an invitation on this organization's own origin. */
export function invitationLink(path: string, origin: string = window.location.origin): string {
  return new URL(path, origin).toString();
}
