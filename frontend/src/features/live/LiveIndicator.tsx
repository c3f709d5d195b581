import type { LiveState } from './useLiveUpdates';

const LOOK = {
  live: { text: 'Live', more: ' (changes by others appear as they happen)', className: 'text-bg-success' },
  connecting: { text: 'Connecting…', more: ' (to live updates)', className: 'text-bg-secondary' },
  reconnecting: { text: 'Reconnecting…', more: ' (live updates paused)', className: 'text-bg-warning' },
} as const;

/**
 * The navbar's word on the live stream: "Live", or "Reconnecting…" after it dropped, told to
 * screen readers as it changes. The navbar is dark in either theme, and the badge's own colours
 * keep their contrast on it. `data-task-events` counts the task events received (for tests).
 */
export function LiveIndicator({ status, taskEvents }: LiveState) {
  const look = LOOK[status];
  return (
    <span
      className={`badge rounded-pill ${look.className} me-md-3 my-2 my-md-0 align-self-md-center`}
      data-testid="live-status"
      data-status={status}
      data-task-events={taskEvents}
      aria-live="polite"
    >
      <span aria-hidden="true" className="me-1">
        ●
      </span>
      {look.text}
      <span className="visually-hidden">{look.more}</span>
    </span>
  );
}
