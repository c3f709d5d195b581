import { useState, type FormEvent } from 'react';
import { Alert, Badge, Button, Card, Col, Form, Row, Table } from 'react-bootstrap';
import type { Role, User } from '../../api/types';
import { ErrorState, fieldError, Loading, MutationError } from '../../components/QueryState';
import { canManageUsers, useMe } from '../auth/queries';
import { useAddUser, useChangeRole, useRemoveUser, useUsers } from './queries';
import { PageTitle } from '../../components/PageTitle';
import { InviteForm, PendingInvitations } from '../invitations/Invitations';

const ROLES: Role[] = ['owner', 'admin', 'member'];

export const ROLE_LABEL: Record<Role, string> = { owner: 'Owner', admin: 'Admin', member: 'Member' };

export function MembersPage() {
  const me = useMe();
  const users = useUsers();
  const manager = canManageUsers(me.data?.user);

  return (
    <>
      <PageTitle>Members</PageTitle>
      <h1 className="h3 mb-3">Members</h1>
      {me.isSuccess && !manager && (
        <Alert variant="info">Only owners and admins can add members or change roles.</Alert>
      )}
      <Row className="g-4">
        <Col xs={12} lg={manager ? 8 : 12}>
          {users.isPending && <Loading label="Loading members…" />}
          {users.isError && <ErrorState error={users.error} onRetry={() => users.refetch()} />}
          {users.isSuccess && (
            <MembersTable users={users.data} me={me.data?.user} manager={manager} />
          )}
          {manager && <PendingInvitations users={users.data ?? []} />}
        </Col>
        {manager && (
          <Col xs={12} lg={4}>
            <InviteForm canInviteOwner={me.data?.user.role === 'owner'} />
            <AddMemberForm canMakeOwner={me.data?.user.role === 'owner'} />
          </Col>
        )}
      </Row>
    </>
  );
}

function MembersTable({ users, me, manager }: { users: User[]; me?: User; manager: boolean }) {
  const changeRole = useChangeRole();
  const remove = useRemoveUser();
  // The member whose removal waits for a second click.
  const [confirming, setConfirming] = useState<string | null>(null);
  return (
    <>
      <MutationError error={changeRole.error} />
      <MutationError error={remove.error} />
      <Table responsive hover className="align-middle">
        <caption className="visually-hidden">Members of this organization</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Email</th>
            <th scope="col">Role</th>
            {manager && (
              <th scope="col">
                <span className="visually-hidden">Remove</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>
          {users.map((user) => {
            const editable = manager && (me?.role === 'owner' || user.role !== 'owner');
            return (
              <tr key={user.id}>
                <td>
                  {user.name} {user.id === me?.id && <Badge bg="secondary">you</Badge>}
                </td>
                <td className="text-break">{user.email}</td>
                <td style={{ minWidth: '9rem' }}>
                  {editable ? (
                    <Form.Select
                      size="sm"
                      aria-label={`Role of ${user.name}`}
                      value={user.role}
                      disabled={changeRole.isPending}
                      onChange={(e) => changeRole.mutate({ id: user.id, role: e.target.value as Role })}
                    >
                      {ROLES.map((role) => (
                        <option key={role} value={role} disabled={role === 'owner' && me?.role !== 'owner'}>
                          {ROLE_LABEL[role]}
                        </option>
                      ))}
                    </Form.Select>
                  ) : (
                    ROLE_LABEL[user.role]
                  )}
                </td>
                {manager && (
                  <td className="text-end">
                    {editable && user.id !== me?.id && (
                      <Button
                        size="sm"
                        variant={confirming === user.id ? 'danger' : 'outline-danger'}
                        disabled={remove.isPending}
                        onClick={() => {
                          if (confirming !== user.id) {
                            setConfirming(user.id);
                            return;
                          }
                          setConfirming(null);
                          remove.mutate(user);
                        }}
                      >
                        {confirming === user.id ? `Remove ${user.name} for good` : `Remove ${user.name}`}
                      </Button>
                    )}
                  </td>
                )}
              </tr>
            );
          })}
        </tbody>
      </Table>
    </>
  );
}

function AddMemberForm({ canMakeOwner }: { canMakeOwner: boolean }) {
  const add = useAddUser();
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<Role>('member');
  const [added, setAdded] = useState<string | null>(null);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setAdded(null);
    add.mutate(
      { name, email, password, role },
      {
        onSuccess: (user) => {
          setAdded(user.name);
          setName('');
          setEmail('');
          setPassword('');
          setRole('member');
        },
      },
    );
  };
  const err = (field: string) => fieldError(add.error, field);

  return (
    <Card className="shadow-sm">
      <Card.Body>
        <h2 className="h5">Add a member</h2>
        {added && (
          <Alert variant="success" onClose={() => setAdded(null)} dismissible>
            {added} was added.
          </Alert>
        )}
        <MutationError error={add.error} />
        <Form onSubmit={submit}>
          <Form.Group className="mb-2" controlId="member-name">
            <Form.Label>Name</Form.Label>
            <Form.Control required value={name} isInvalid={!!err('name')} onChange={(e) => setName(e.target.value)} />
            <Form.Control.Feedback type="invalid">{err('name')}</Form.Control.Feedback>
          </Form.Group>
          <Form.Group className="mb-2" controlId="member-email">
            <Form.Label>Email</Form.Label>
            <Form.Control type="email" required value={email} isInvalid={!!err('email')} onChange={(e) => setEmail(e.target.value)} />
            <Form.Control.Feedback type="invalid">{err('email')}</Form.Control.Feedback>
          </Form.Group>
          <Form.Group className="mb-2" controlId="member-password">
            <Form.Label>Initial password</Form.Label>
            <Form.Control
              type="password"
              required
              minLength={8}
              autoComplete="new-password"
              value={password}
              isInvalid={!!err('password')}
              onChange={(e) => setPassword(e.target.value)}
            />
            <Form.Control.Feedback type="invalid">{err('password')}</Form.Control.Feedback>
          </Form.Group>
          <Form.Group className="mb-3" controlId="member-role">
            <Form.Label>Role</Form.Label>
            <Form.Select value={role} onChange={(e) => setRole(e.target.value as Role)}>
              {ROLES.filter((r) => canMakeOwner || r !== 'owner').map((r) => (
                <option key={r} value={r}>
                  {ROLE_LABEL[r]}
                </option>
              ))}
            </Form.Select>
          </Form.Group>
          <Button type="submit" className="w-100" disabled={add.isPending}>
            Add member
          </Button>
        </Form>
      </Card.Body>
    </Card>
  );
}
