import { useState, type FormEvent } from 'react';
import { Alert, Button, Card, Col, Container, Form, Row } from 'react-bootstrap';
import { Link, useLocation, useNavigate } from 'react-router';
import { ApiError } from '../../api/error';
import { fragmentToken } from '../../api/token';
import { ErrorState, fieldError, Loading, MutationError } from '../../components/QueryState';
import { PageTitle } from '../../components/PageTitle';
import { useAcceptInvitation, useInvitationPreview } from './queries';

const ROLE_NAME = { owner: 'an owner', admin: 'an admin', member: 'a member' } as const;

/** What a dead link says: used, withdrawn, expired, or of another organization. */
export function DeadInvitation() {
  return (
    <Alert variant="warning" role="alert">
      <Alert.Heading as="h2" className="h5">
        This invitation link does not work
      </Alert.Heading>
      <p className="mb-2">It was already used, withdrawn, or it has expired. Ask whoever invited you for a new link.</p>
      <Link to="/login" className="alert-link">
        Go to the login page
      </Link>
    </Alert>
  );
}

/** `/invite#token=...`: see what the invitation is for, then join with a name and password. */
export function AcceptInvitePage() {
  const location = useLocation();
  const navigate = useNavigate();
  const token = fragmentToken(location.hash);
  const preview = useInvitationPreview(token);
  const accept = useAcceptInvitation();
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!token) return;
    accept.mutate({ token, name, password }, { onSuccess: () => navigate('/', { replace: true }) });
  };
  const err = (field: string) => fieldError(accept.error, field);
  const dead = !token || (preview.error instanceof ApiError && preview.error.isNotFound) || (accept.error instanceof ApiError && accept.error.isNotFound);

  return (
    <Container className="py-5">
      <PageTitle>Join your team</PageTitle>
      <Row className="justify-content-center">
        <Col xs={12} sm={10} md={7} lg={5}>
          <Card className="shadow-sm">
            <Card.Body className="p-4">
              <h1 className="h3 mb-3">Join your team</h1>
              {dead && <DeadInvitation />}
              {!dead && preview.isPending && <Loading label="Reading the invitation…" />}
              {!dead && preview.isError && <ErrorState error={preview.error} onRetry={() => preview.refetch()} />}
              {!dead && preview.isSuccess && (
                <>
                  <p>
                    <strong>{preview.data.invited_by}</strong> invites you to <strong>{preview.data.organization}</strong> on
                    TaskFlow, as {ROLE_NAME[preview.data.role]}.
                  </p>
                  <dl className="row small mb-3">
                    <dt className="col-4">Email</dt>
                    <dd className="col-8 text-break" data-testid="invite-email">
                      {preview.data.email}
                    </dd>
                    <dt className="col-4">Link valid until</dt>
                    <dd className="col-8 mb-0">
                      <time dateTime={preview.data.expires_at}>{new Date(preview.data.expires_at).toLocaleString()}</time>
                    </dd>
                  </dl>
                  {!err('name') && !err('password') && <MutationError error={accept.error} />}
                  <Form onSubmit={submit}>
                    <Form.Group className="mb-3" controlId="invite-name">
                      <Form.Label>Your name</Form.Label>
                      <Form.Control
                        required
                        autoComplete="name"
                        value={name}
                        isInvalid={!!err('name')}
                        onChange={(e) => setName(e.target.value)}
                      />
                      <Form.Control.Feedback type="invalid">{err('name')}</Form.Control.Feedback>
                    </Form.Group>
                    <Form.Group className="mb-3" controlId="invite-password">
                      <Form.Label>Choose a password</Form.Label>
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
                      <Form.Text>At least 8 characters.</Form.Text>
                    </Form.Group>
                    <Button type="submit" className="w-100" disabled={accept.isPending}>
                      {accept.isPending ? 'Joining…' : `Join ${preview.data.organization}`}
                    </Button>
                  </Form>
                </>
              )}
            </Card.Body>
          </Card>
        </Col>
      </Row>
    </Container>
  );
}
