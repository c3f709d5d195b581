import { Link } from 'react-router';
import { EmptyState } from '../components/QueryState';
import { PageTitle } from '../components/PageTitle';

export function NotFoundPage() {
  return (
    <EmptyState title="Page not found">
      <PageTitle>Page not found</PageTitle>
      <Link to="/">Back to projects</Link>
    </EmptyState>
  );
}
