import { useState, type FormEvent } from 'react';
import { Alert, Button, Card, Col, Container, Form, Row } from 'react-bootstrap';
import { Link, useLocation, useNavigate } from 'react-router';
import { ApiError, errorMessage, formatWait } from '../../api/error';
import { baseUrl } from '../../app/host';
import { useLogin } from './queries';
import { PageTitle } from '../../components/PageTitle';

interface LoginPageProps {
  subdomain: string;
  baseHost: string;
}

/** What a refused attempt says: after too many, how long to wait (the server's `Retry-After`). */
export function rateLimitMessage(error: ApiError): string {
  const wait = error.retryAfter !== null ? formatWait(error.retryAfter) : 'a few minutes';
  return `Too many failed attempts. For your safety, logging in is paused: try again in ${wait}.`;
}

export function loginError(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 401) return 'Wrong email or password.';
    if (error.code === 'rate_limited') return rateLimitMessage(error);
    return errorMessage(error);
  }
  return 'Could not log in.';
}

export function LoginPage({ subdomain, baseHost }: LoginPageProps) {
  const login = useLogin();
  const navigate = useNavigate();
  const location = useLocation();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const state = location.state as { from?: string; expired?: boolean; message?: string } | null;
  const from = state?.from && state.from !== '/login' ? state.from : '/';

  const submit = (event: FormEvent) => {
    event.preventDefault();
    login.mutate({ email, password }, { onSuccess: () => navigate(from, { replace: true }) });
  };

  return (
    <Container className="py-5">
      <PageTitle>Log in</PageTitle>
      <Row className="justify-content-center">
        <Col xs={12} sm={10} md={7} lg={5}>
          <Card className="shadow-sm">
            <Card.Body className="p-4">
              <h1 className="h3 mb-1">Log in</h1>
              <p className="text-body-secondary">
                to <strong>{subdomain}</strong> on TaskFlow
              </p>
              {state?.message && !login.isError && <Alert variant="info">{state.message}</Alert>}
              {state?.expired && !login.isError && (
                <Alert variant="warning">Your session has ended. Please log in again.</Alert>
              )}
              {login.isError && (
                <Alert variant="danger" role="alert">
                  {loginError(login.error)}
                </Alert>
              )}
              <Form onSubmit={submit}>
                <Form.Group className="mb-3" controlId="login-email">
                  <Form.Label>Email</Form.Label>
                  <Form.Control
                    type="email"
                    autoComplete="username"
                    required
                    autoFocus
                    value={email}
                    onChange={(e) => setEmail(e.target.value)}
                  />
                </Form.Group>
                <Form.Group className="mb-3" controlId="login-password">
                  <div className="d-flex justify-content-between align-items-baseline">
                    <Form.Label>Password</Form.Label>
                    <Link to="/forgot-password" className="small">
                      Forgot password?
                    </Link>
                  </div>
                  <Form.Control
                    type="password"
                    autoComplete="current-password"
                    required
                    value={password}
                    onChange={(e) => setPassword(e.target.value)}
                  />
                </Form.Group>
                <Button type="submit" className="w-100" disabled={login.isPending}>
                  {login.isPending ? 'Logging in…' : 'Log in'}
                </Button>
              </Form>
            </Card.Body>
          </Card>
          <p className="text-center mt-3">
            New to TaskFlow? <a href={baseUrl(baseHost, '/signup')}>Create an organization</a>
          </p>
        </Col>
      </Row>
    </Container>
  );
}
