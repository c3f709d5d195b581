import { useRef, useState, type FormEvent } from 'react';
import { Alert, Button, Card, Form, InputGroup, Table } from 'react-bootstrap';
import type { CreatedInvitation, Invitation, Role, User } from '../../api/types';
import { EmptyState, ErrorState, fieldError, Loading, MutationError } from '../../components/QueryState';
import { invitationLink, useInvitations, useInvite, useRevokeInvitation } from './queries';

const ROLE_LABEL: Record<Role, string> = { owner: 'Owner', admin: 'Admin', member: 'Member' };

/** Invite someone by email and role; the one-time link is shown once, with a copy button. */
export function InviteForm({ canInviteOwner }: { canInviteOwner: boolean }) {
  const invite = useInvite();
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('member');
  const [created, setCreated] = useState<CreatedInvitation | null>(null);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setCreated(null);
    invite.mutate(
      { email, role },
      {
        onSuccess: (answer) => {
          setCreated(answer);
          setEmail('');
          setRole('member');
        },
      },
    );
  };
  const err = (field: string) => fieldError(invite.error, field);
  const roles: Role[] = canInviteOwner ? ['member', 'admin', 'owner'] : ['member', 'admin'];

  return (
    <Card className="shadow-sm mb-4">
      <Card.Body>
        <h2 className="h5">Invite by link</h2>
        <p className="small text-body-secondary">They choose their own name and password. The link works once, for 7 days.</p>
        {created && <CreatedLink created={created} onClose={() => setCreated(null)} />}
        {!err('email') && <MutationError error={invite.error} />}
        <Form onSubmit={submit}>
          <Form.Group className="mb-2" controlId="invite-email">
            <Form.Label>Address to invite</Form.Label>
            <Form.Control
              type="email"
              required
              value={email}
              isInvalid={!!err('email')}
              onChange={(e) => setEmail(e.target.value)}
            />
            <Form.Control.Feedback type="invalid">{err('email')}</Form.Control.Feedback>
            <Form.Text>Their email address: the account will have it.</Form.Text>
          </Form.Group>
          <Form.Group className="mb-3" controlId="invite-role">
            <Form.Label>Invite as</Form.Label>
            <Form.Select value={role} onChange={(e) => setRole(e.target.value as Role)}>
              {roles.map((r) => (
                <option key={r} value={r}>
                  {ROLE_LABEL[r]}
                </option>
              ))}
            </Form.Select>
          </Form.Group>
          <Button type="submit" className="w-100" disabled={invite.isPending}>
            {invite.isPending ? 'Inviting…' : 'Create invitation link'}
          </Button>
        </Form>
      </Card.Body>
    </Card>
  );
}

/** The new link, shown this once: the server keeps no copy of it. */
function CreatedLink({ created, onClose }: { created: CreatedInvitation; onClose: () => void }) {
  const link = invitationLink(created.path);
  const input = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<'yes' | 'no' | null>(null);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(link);
      setCopied('yes');
    } catch {
      // No clipboard (an insecure origin, or refused): select the text for the person to copy.
      input.current?.select();
      setCopied(document.execCommand?.('copy') ? 'yes' : 'no');
    }
  };

  return (
    <Alert variant="success" dismissible onClose={onClose}>
      <p className="mb-2">
        <strong>{created.invitation.email}</strong> is invited as {ROLE_LABEL[created.invitation.role].toLowerCase()}. Send them this
        link: it is shown only now.
      </p>
      <InputGroup size="sm">
        <Form.Control
          ref={input}
          readOnly
          value={link}
          aria-label="Invitation link"
          onFocus={(e) => e.currentTarget.select()}
        />
        <Button variant="success" onClick={() => void copy()}>
          {copied === 'yes' ? 'Copied' : 'Copy link'}
        </Button>
      </InputGroup>
      <div className="small mt-1" aria-live="polite">
        {copied === 'yes' && 'The link is on your clipboard.'}
        {copied === 'no' && 'Copying is not available here: select the link and copy it.'}
      </div>
    </Alert>
  );
}

/** The pending invitations: whom for, which role, until when; each can be withdrawn. */
export function PendingInvitations({ users }: { users: User[] }) {
  const invitations = useInvitations();
  const revoke = useRevokeInvitation();
  const [confirming, setConfirming] = useState<string | null>(null);
  const names = new Map(users.map((u) => [u.id, u.name]));

  return (
    <section aria-labelledby="invitations-title" className="mt-4">
      <h2 className="h5" id="invitations-title">
        Pending invitations
      </h2>
      {invitations.isPending && <Loading label="Loading invitations…" />}
      {invitations.isError && <ErrorState error={invitations.error} onRetry={() => invitations.refetch()} />}
      {invitations.isSuccess && invitations.data.length === 0 && <EmptyState title="No pending invitations" />}
      {invitations.isSuccess && invitations.data.length > 0 && (
        <>
          <MutationError error={revoke.error} />
          <Table responsive hover className="align-middle">
            <caption className="visually-hidden">Pending invitations</caption>
            <thead>
              <tr>
                <th scope="col">Email</th>
                <th scope="col">Role</th>
                <th scope="col">Invited by</th>
                <th scope="col">Expires</th>
                <th scope="col">
                  <span className="visually-hidden">Revoke</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {invitations.data.map((inv: Invitation) => (
                <tr key={inv.id}>
                  <td className="text-break">{inv.email}</td>
                  <td>{ROLE_LABEL[inv.role]}</td>
                  <td>{names.get(inv.invited_by) ?? 'Former member'}</td>
                  <td>
                    <time dateTime={inv.expires_at}>{new Date(inv.expires_at).toLocaleDateString(undefined, { dateStyle: 'medium' })}</time>
                  </td>
                  <td className="text-end">
                    <Button
                      size="sm"
                      variant={confirming === inv.id ? 'danger' : 'outline-danger'}
                      disabled={revoke.isPending}
                      aria-label={`${confirming === inv.id ? 'Revoke for good' : 'Revoke'} the invitation of ${inv.email}`}
                      onClick={() => {
                        if (confirming !== inv.id) {
                          setConfirming(inv.id);
                          return;
                        }
                        setConfirming(null);
                        revoke.mutate(inv);
                      }}
                    >
                      {confirming === inv.id ? 'Revoke for good' : 'Revoke'}
                    </Button>
                  </td>
                </tr>
              ))}
            </tbody>
          </Table>
        </>
      )}
    </section>
  );
}
