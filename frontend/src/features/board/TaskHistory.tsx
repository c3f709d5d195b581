import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { ListGroup } from 'react-bootstrap';
import { fetchAll } from '../../api/client';
import type { Activity } from '../../api/types';
import { EmptyState, ErrorState, Loading } from '../../components/QueryState';
import { changesOf, type Names } from './history';
import { taskKeys } from './queries';

/** The history of a task as of `version` (its `updated_at`): an edit reads it again. */
export function useTaskActivity(taskId: string, version: string) {
  return useQuery({
    queryKey: [...taskKeys.all, 'activity', taskId, version],
    queryFn: () => fetchAll<Activity>(`/api/v1/tasks/${encodeURIComponent(taskId)}/activity`),
    placeholderData: keepPreviousData,
  });
}

/** A task's history, oldest first: who created it, then who changed what, from what to what. */
export function TaskHistory({
  taskId,
  version,
  projectId,
  usersById,
}: {
  taskId: string;
  version: string;
  projectId: string;
  usersById: Map<string, { name: string }>;
}) {
  const activity = useTaskActivity(taskId, version);
  const names: Names = { user: (id) => usersById.get(id)?.name, projectId };
  const who = (id: string | null) => (id && usersById.get(id)?.name) || 'Former member';

  return (
    <section aria-labelledby="history-title" className="mt-4">
      <h2 className="h5" id="history-title">
        History
      </h2>
      {activity.isPending && <Loading label="Loading history…" />}
      {activity.isError && <ErrorState error={activity.error} onRetry={() => activity.refetch()} />}
      {activity.isSuccess && activity.data.length === 0 && <EmptyState title="No history yet" />}
      {activity.isSuccess && activity.data.length > 0 && (
        <ListGroup as="ol" aria-label="History" variant="flush" className="border rounded">
          {activity.data.map((entry) => {
            const changes = entry.kind === 'updated' ? changesOf(entry, names) : [];
            return (
              <ListGroup.Item as="li" key={entry.id}>
                <div className="d-flex flex-wrap justify-content-between gap-2 small">
                  <span>
                    <span className="fw-semibold">{who(entry.actor_id)}</span>{' '}
                    {entry.kind === 'created' ? 'created the task' : 'changed'}
                  </span>
                  <time className="text-body-secondary" dateTime={entry.created_at}>
                    {new Date(entry.created_at).toLocaleString()}
                  </time>
                </div>
                {changes.length > 0 && (
                  <ul className="list-unstyled small mb-0 mt-1">
                    {changes.map((c) => (
                      <li key={c.field} className="text-break">
                        <span className="text-body-secondary">{c.label}:</span>{' '}
                        {c.field === 'description' ? (
                          'edited'
                        ) : (
                          <>
                            <del>{c.before}</del> <span aria-hidden="true">→</span>
                            <span className="visually-hidden"> to</span>{' '}
                            <ins className="text-decoration-none fw-semibold">{c.after}</ins>
                          </>
                        )}
                      </li>
                    ))}
                  </ul>
                )}
              </ListGroup.Item>
            );
          })}
        </ListGroup>
      )}
    </section>
  );
}
