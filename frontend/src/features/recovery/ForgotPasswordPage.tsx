import { useState, type FormEvent, type ReactNode } from 'react';
import { Alert, Button, Card, Col, Container, Form, Row } from 'react-bootstrap';
import { Link } from 'react-router';
import { ApiError } from '../../api/error';
import { fieldError, MutationError } from '../../components/QueryState';
import { PageTitle } from '../../components/PageTitle';
import { rateLimitMessage } from '../auth/LoginPage';
import { useRequestReset } from './queries';

/** The narrow card the signed-out pages share. */
export function SignedOutCard({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Container className="py-5">
      <PageTitle>{title}</PageTitle>
      <Row className="justify-content-center">
        <Col xs={12} sm={10} md={7} lg={5}>
          <Card className="shadow-sm">
            <Card.Body className="p-4">
              <h1 className="h3 mb-3">{title}</h1>
              {children}
            </Card.Body>
          </Card>
          <p className="text-center mt-3">
            <Link to="/login">Back to log in</Link>
          </p>
        </Col>
      </Row>
    </Container>
  );
}

/** `/forgot-password`: an email in, a link out (if an account has that email). */
export function ForgotPasswordPage() {
  const request = useRequestReset();
  const [email, setEmail] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    request.mutate(email.trim());
  };
  const err = fieldError(request.error, 'email');
  const limited = request.error instanceof ApiError && request.error.code === 'rate_limited';

  return (
    <SignedOutCard title="Reset your password">
      {request.isSuccess ? (
        <Alert variant="success" role="status">
          <p className="mb-1">
            If an account exists for <strong>{request.variables}</strong>, a link to choose a new password was sent to it.
          </p>
          <p className="mb-0 small">
            The link works for {request.data.valid_minutes} minutes. No mail? Check the spam folder, or ask an admin of your
            organization.
          </p>
        </Alert>
      ) : (
        <>
          <p className="text-body-secondary">Enter the email of your account: we send it a link to choose a new password.</p>
          {limited && (
            <Alert variant="danger" role="alert">
              {rateLimitMessage(request.error as ApiError)}
            </Alert>
          )}
          {!limited && !err && <MutationError error={request.error} />}
          <Form onSubmit={submit}>
            <Form.Group className="mb-3" controlId="reset-email">
              <Form.Label>Email</Form.Label>
              <Form.Control
                type="email"
                autoComplete="username"
                required
                autoFocus
                value={email}
                isInvalid={!!err}
                onChange={(e) => setEmail(e.target.value)}
              />
              <Form.Control.Feedback type="invalid">{err}</Form.Control.Feedback>
            </Form.Group>
            <Button type="submit" className="w-100" disabled={request.isPending}>
              {request.isPending ? 'Sending…' : 'Send me a reset link'}
            </Button>
          </Form>
        </>
      )}
    </SignedOutCard>
  );
}
