import { useState, type FormEvent } from 'react';
import { Alert, Button, Form } from 'react-bootstrap';
import { Link, useLocation, useNavigate } from 'react-router';
import { ApiError } from '../../api/error';
import { clearToken, fragmentToken } from '../../api/token';
import { fieldError, MutationError } from '../../components/QueryState';
import { SignedOutCard } from './ForgotPasswordPage';
import { useConfirmReset } from './queries';

export const RESET_DONE = 'Your password is changed. Log in with the new one.';

/** `/reset-password#token=...`: choose a new password, then log in with it. */
export function ResetPasswordPage() {
  const location = useLocation();
  const navigate = useNavigate();
  const token = fragmentToken(location.hash);
  const confirm = useConfirmReset();
  const [password, setPassword] = useState('');
  const [again, setAgain] = useState('');
  const mismatch = again !== '' && password !== again;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!token || mismatch) return;
    confirm.mutate(
      { token, password },
      {
        onSuccess: () => {
          // Every session of the account ended: this browser's too.
          clearToken();
          navigate('/login', { replace: true, state: { message: RESET_DONE } });
        },
      },
    );
  };
  const err = fieldError(confirm.error, 'password');
  const dead = !token || (confirm.error instanceof ApiError && confirm.error.isNotFound);

  return (
    <SignedOutCard title="Choose a new password">
      {dead ? (
        <Alert variant="warning" role="alert">
          <p className="mb-2">
            This reset link does not work: it was already used, or it has expired (a link works for an hour).
          </p>
          <Link to="/forgot-password" className="alert-link">
            Ask for a new link
          </Link>
        </Alert>
      ) : (
        <Form onSubmit={submit}>
          {!err && <MutationError error={confirm.error} />}
          <Form.Group className="mb-3" controlId="reset-password">
            <Form.Label>New password</Form.Label>
            <Form.Control
              type="password"
              autoComplete="new-password"
              required
              minLength={8}
              autoFocus
              value={password}
              isInvalid={!!err}
              onChange={(e) => setPassword(e.target.value)}
            />
            <Form.Control.Feedback type="invalid">{err}</Form.Control.Feedback>
            <Form.Text>At least 8 characters. Every session of yours ends: you log in again with it.</Form.Text>
          </Form.Group>
          <Form.Group className="mb-3" controlId="reset-password-again">
            <Form.Label>New password, again</Form.Label>
            <Form.Control
              type="password"
              autoComplete="new-password"
              required
              value={again}
              isInvalid={mismatch}
              onChange={(e) => setAgain(e.target.value)}
            />
            <Form.Control.Feedback type="invalid">The two passwords differ.</Form.Control.Feedback>
          </Form.Group>
          <Button type="submit" className="w-100" disabled={confirm.isPending || mismatch}>
            {confirm.isPending ? 'Saving…' : 'Set new password'}
          </Button>
        </Form>
      )}
    </SignedOutCard>
  );
}
