import type { CeleryEvent } from '../../state/types.js';
import { EVENT_IDENTITY, eventClock } from '../rows.js';
import type { StoredEvent } from '../types.js';

/**
 * The SQLite event log (migrations/sqlite/0080_event_log.sql): each write stores one row per
 * task, keyed `task_id * LOG_ROWS_PER_TASK + seq`, whose `events` is a JSON array of the events
 * that batch brought for the task, each as the text it arrived in. One B-tree entry per task per batch
 * instead of a row plus an index entry per event, and no JSON.stringify per event: an event
 * that came alone is stored as its payload text, one of a `task.multi` array as its slice of
 * the array text. Only an event too long to store whole (a field over --max-field-bytes) is
 * rebuilt with its long strings cut.
 */

/** Log rows a task can have (2^20 batches; task ids stay far below 2^63 / 2^20). */
export const LOG_ROWS_PER_TASK = 1048576;

/** The rowid range of a task's log rows: [from, to). */
export const logRange = (taskId: number): [number, number] => [taskId * LOG_ROWS_PER_TASK, (taskId + 1) * LOG_ROWS_PER_TASK];

/** An event's identity within its task: storing an event twice must be impossible. */
export function eventKey(ev: { [k: string]: unknown }): string {
  return `${String(ev.timestamp)}\u0000${String(ev.type)}\u0000${String(ev.hostname)}\u0000${eventClock(ev)}`;
}

/** The fields of an event that eventKey reads. */
export type EventIdentity = Pick<CeleryEvent, 'timestamp' | 'type' | 'hostname'> & { clock?: unknown };

/** Whether two events of a task have the same identity (eventKey), without building the keys. */
export function sameEvent(a: EventIdentity, b: EventIdentity): boolean {
  return a.timestamp === b.timestamp && a.type === b.type && a.hostname === b.hostname && eventClock(a) === eventClock(b);
}

/**
 * The top-level elements of a JSON array text, as substrings (whitespace around them
 * trimmed). The text must be valid JSON (it was parsed already); returns null if it does not
 * look like an array.
 */
export function splitJsonArray(text: string): string[] | null {
  let i = 0;
  const n = text.length;
  while (i < n && isSpace(text.charCodeAt(i))) i++;
  if (text.charCodeAt(i) !== 91 /* [ */) return null;
  const parts: string[] = [];
  let depth = 0;
  let start = i + 1;
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      // Skip the string: find its closing quote, stepping over escapes.
      for (i++; i < n; i++) {
        const d = text.charCodeAt(i);
        if (d === 92 /* \ */) i++;
        else if (d === 34) break;
      }
    } else if (c === 91 || c === 123 /* { */) depth++;
    else if (c === 93 /* ] */ || c === 125 /* } */) {
      depth--;
      if (depth === 0) {
        const last = text.slice(start, i).trim();
        if (last !== '') parts.push(last);
        return parts;
      }
    } else if (c === 44 /* , */ && depth === 1) {
      parts.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  return null;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

/**
 * The text to store for an event: `raw` (the text it arrived in) when no string in it can be
 * over the field limit, else the event rebuilt with its long strings cut.
 */
export function storedText(ev: CeleryEvent, raw: string | null, maxFieldChars: number, cut: (s: string) => string): string {
  if (raw !== null && raw.length <= maxFieldChars) return raw;
  const out: Record<string, unknown> = {};
  for (const k in ev) {
    const v = ev[k];
    out[k] = typeof v === 'string' && !EVENT_IDENTITY.has(k) ? cut(v) : v;
  }
  return JSON.stringify(out);
}

/** The stored events of one log row (a JSON array of events), in the API's shape. */
export function readLogRow(events: string, out: StoredEvent[]): void {
  const arr = JSON.parse(events) as Record<string, unknown>[];
  for (const ev of arr) {
    const data: Record<string, unknown> = {};
    for (const k in ev) if (!EVENT_IDENTITY.has(k) && ev[k] !== undefined) data[k] = ev[k];
    out.push({
      uuid: ev.uuid as string,
      type: ev.type as string,
      timestamp: ev.timestamp as number,
      hostname: ev.hostname as string,
      clock: eventClock(ev),
      data,
    });
  }
}
