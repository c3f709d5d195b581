import type { ReactNode } from 'react';
import { Alert, Button, Spinner } from 'react-bootstrap';
import { Link } from 'react-router';
import { ApiError, errorMessage, isRetryable } from '../api/error';
import { PageTitle } from './PageTitle';

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <div className="d-flex align-items-center gap-2 text-body-secondary py-4" role="status">
      <Spinner animation="border" size="sm" aria-hidden="true" />
      <span>{label}</span>
    </div>
  );
}

interface ErrorStateProps {
  error: unknown;
  onRetry?: () => void;
  notFound?: ReactNode;
}

export function ErrorState({ error, onRetry, notFound }: ErrorStateProps) {
  // A screen passes `notFound` for the subject its address names: the GET of it takes nothing
  // but that id, so a 400 means the address holds no id at all, which is not found either.
  if (error instanceof ApiError && (error.isNotFound || error.status === 400) && notFound) {
    // A screen whose subject is not found says so in the tab too.
    return (
      <Alert variant="warning" className="my-3">
        <PageTitle>Not found</PageTitle>
        <Alert.Heading as="h2" className="h5">
          Not found
        </Alert.Heading>
        {notFound}
      </Alert>
    );
  }
  return (
    <Alert variant="danger" className="my-3" role="alert">
      <p className="mb-2">{errorMessage(error)}</p>
      {onRetry && isRetryable(error) && (
        <Button variant="outline-danger" size="sm" onClick={onRetry}>
          Try again
        </Button>
      )}
    </Alert>
  );
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="text-center text-body-secondary border rounded py-5 px-3 my-3">
      <p className="h5">{title}</p>
      {children}
    </div>
  );
}

export function BackToProjects() {
  return (
    <p className="mb-0">
      It does not exist in this organization, or it was deleted.{' '}
      <Link to="/" className="alert-link">
        Back to projects
      </Link>
    </p>
  );
}

/** The message of a failed mutation, if any, as an alert above the form. */
export function MutationError({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <Alert variant="danger" role="alert">
      {errorMessage(error)}
    </Alert>
  );
}

/** The API's message for one field of a 422, if it named that field. */
export function fieldError(error: unknown, field: string): string | undefined {
  return error instanceof ApiError ? error.fields[field] : undefined;
}
