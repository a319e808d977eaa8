// A status as a badge: the word itself (never colour alone) on a colour of its kind.

/** Renders a run, step or attempt status; the class colours it (styles.css). */
export function StatusBadge({ status }: { status: string }) {
  return <span className={`status status-${status.toLowerCase()}`}>{status}</span>;
}
