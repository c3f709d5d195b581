import type { ReactNode } from 'react';
import { Link } from 'react-router';

/** A step of the trail: a link, or the current page when it has no `to`. */
export interface Crumb {
  label: ReactNode;
  to?: string;
}

/** The trail above a page, starting at the projects list; the last crumb is the current page. */
export function Breadcrumbs({ trail }: { trail: Crumb[] }) {
  const crumbs: Crumb[] = [{ label: 'Projects', to: '/' }, ...trail];
  return (
    <nav aria-label="breadcrumb">
      <ol className="breadcrumb mb-2">
        {crumbs.map((crumb, i) =>
          crumb.to !== undefined && i < crumbs.length - 1 ? (
            <li key={i} className="breadcrumb-item">
              <Link to={crumb.to}>{crumb.label}</Link>
            </li>
          ) : (
            <li key={i} className="breadcrumb-item active" aria-current="page">
              {crumb.label}
            </li>
          ),
        )}
      </ol>
    </nav>
  );
}
