import { useState, type FormEvent } from 'react';
import { Button, Card, Form } from 'react-bootstrap';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import { api } from '../../api/client';
import { clearToken } from '../../api/token';
import { fieldError, MutationError } from '../../components/QueryState';
import { useMe } from '../auth/queries';
import { PageTitle } from '../../components/PageTitle';

/** Leaves for the login page once the server has ended every session of this user. */
function useSignedOutEverywhere() {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  return (message: string) => {
    clearToken();
    queryClient.clear();
    navigate('/login', { replace: true, state: { message } });
  };
}

/** The signed-in user's own account: their password, and their sessions. */
export function AccountPage() {
  const me = useMe();
  const signedOut = useSignedOutEverywhere();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const change = useMutation({
    mutationFn: () => api.post('/api/v1/auth/password', { current_password: current, new_password: next }),
    onSuccess: () => signedOut('Your password is changed. Log in with the new one.'),
  });
  const everywhere = useMutation({
    mutationFn: () => api.post('/api/v1/auth/logout-everywhere'),
    onSuccess: () => signedOut('You are logged out on every device.'),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    change.mutate();
  };
  const err = (field: string) => fieldError(change.error, field);

  return (
    <>
      <PageTitle>Your account</PageTitle>
      <h1 className="h3 mb-3">Your account</h1>
      {me.data && (
        <p className="text-body-secondary">
          {me.data.user.name}, {me.data.user.email}
        </p>
      )}
      <Card className="mb-4" style={{ maxWidth: '32rem' }}>
        <Card.Body>
          <Card.Title as="h2" className="h5">
            Change your password
          </Card.Title>
          <p className="small text-body-secondary">Every session of yours ends, this one too: you log in again with the new password.</p>
          <Form onSubmit={submit} noValidate>
            {!err('current_password') && !err('new_password') && <MutationError error={change.error} />}
            <Form.Group className="mb-3" controlId="current-password">
              <Form.Label>Current password</Form.Label>
              <Form.Control type="password" autoComplete="current-password" value={current} isInvalid={!!err('current_password')} onChange={(e) => setCurrent(e.target.value)} />
              <Form.Control.Feedback type="invalid">{err('current_password')}</Form.Control.Feedback>
            </Form.Group>
            <Form.Group className="mb-3" controlId="new-password">
              <Form.Label>New password</Form.Label>
              <Form.Control type="password" autoComplete="new-password" minLength={8} value={next} isInvalid={!!err('new_password')} onChange={(e) => setNext(e.target.value)} />
              <Form.Control.Feedback type="invalid">{err('new_password')}</Form.Control.Feedback>
              <Form.Text>At least 8 characters.</Form.Text>
            </Form.Group>
            <Button type="submit" disabled={change.isPending || !current || !next}>
              Change password
            </Button>
          </Form>
        </Card.Body>
      </Card>
      <Card style={{ maxWidth: '32rem' }}>
        <Card.Body>
          <Card.Title as="h2" className="h5">
            Sessions
          </Card.Title>
          <p className="small text-body-secondary">Logged in on a computer you no longer use? End every session, on every device.</p>
          <MutationError error={everywhere.error} />
          <Button variant="outline-danger" disabled={everywhere.isPending} onClick={() => everywhere.mutate()}>
            Log out everywhere
          </Button>
        </Card.Body>
      </Card>
    </>
  );
}
