import { Link } from 'react-router';
import { EmptyState } from '../components/QueryState';

export function NotFoundPage() {
  return (
    <EmptyState title="Page not found">
      <Link to="/">Back to projects</Link>
    </EmptyState>
  );
}
