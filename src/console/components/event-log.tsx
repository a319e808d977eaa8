// The run's event log as a table that grows as events arrive (a polite live region: a screen
// reader hears new lines without losing its place).

import type { EventLogLineFragment } from '@flowdeck/sdk';
import { formatTime } from '../format.ts';

/** Every event of the run, oldest first. */
export function EventLog({ events }: { events: readonly EventLogLineFragment[] }) {
  return (
    <div className="table-wrap event-log" role="log" aria-label="Event log" aria-live="polite">
      <table>
        <caption>
          Event log <span className="muted">({events.length === 1 ? '1 event' : `${events.length} events`})</span>
        </caption>
        <thead>
          <tr>
            <th scope="col">Seq</th>
            <th scope="col">Time</th>
            <th scope="col">Level</th>
            <th scope="col">Step</th>
            <th scope="col">Message</th>
          </tr>
        </thead>
        <tbody>
          {events.map((event) => (
            <tr key={event.id} className={`level-${event.level.toLowerCase()}`}>
              <td className="num">{event.seq}</td>
              <td>
                <time dateTime={event.createdAt}>{formatTime(event.createdAt)}</time>
              </td>
              <td>{event.level}</td>
              <td>{event.stepId ?? ''}</td>
              <td>{event.message}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
