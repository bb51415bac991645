import type { CeleryEvent } from '../state/types.js';

/** Why a broker message was skipped. Stable names: they are metric label values. */
export type MalformedKind =
  | 'bad_envelope'
  | 'bad_base64'
  | 'bad_json'
  | 'too_large'
  | 'not_an_event'
  | 'missing_field'
  | 'bad_field'
  | 'unknown_type';

export interface DecodeSink {
  event(ev: CeleryEvent): void;
  malformed(kind: MalformedKind, detail: string): void;
}

/**
 * Decodes one event payload (the JSON text of a Celery event, or of a `task.multi` array)
 * and hands each valid event to the sink. Invalid parts are reported and skipped; a bad
 * element of an array does not spoil the others.
 */
export function decodePayload(text: string, maxBytes: number, sink: DecodeSink): void {
  if (text.length > maxBytes) {
    sink.malformed('too_large', `${text.length} characters`);
    return;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    sink.malformed('bad_json', text.slice(0, 80));
    return;
  }
  if (Array.isArray(parsed)) {
    for (let i = 0; i < parsed.length; i++) checkEvent(parsed[i], sink);
  } else checkEvent(parsed, sink);
}

function checkEvent(v: unknown, sink: DecodeSink): void {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    sink.malformed('not_an_event', typeof v);
    return;
  }
  const ev = v as CeleryEvent;
  const type = ev.type;
  if (typeof type !== 'string' || type === '') {
    sink.malformed('missing_field', 'type');
    return;
  }
  const isTask = type.startsWith('task-');
  if (!isTask && !type.startsWith('worker-')) {
    sink.malformed('unknown_type', type.slice(0, 64));
    return;
  }
  if (typeof ev.hostname !== 'string' || ev.hostname === '') {
    sink.malformed('missing_field', `hostname (${type})`);
    return;
  }
  if (typeof ev.timestamp !== 'number' || !Number.isFinite(ev.timestamp)) {
    sink.malformed(ev.timestamp === undefined ? 'missing_field' : 'bad_field', `timestamp (${type})`);
    return;
  }
  if (ev.clock !== undefined && (typeof ev.clock !== 'number' || !Number.isFinite(ev.clock))) {
    sink.malformed('bad_field', `clock (${type})`);
    return;
  }
  if (isTask) {
    if (typeof ev.uuid !== 'string' || ev.uuid === '' || ev.uuid.length > 255) {
      sink.malformed(ev.uuid === undefined ? 'missing_field' : 'bad_field', `uuid (${type})`);
      return;
    }
    if (ev.name != null && typeof ev.name !== 'string') {
      sink.malformed('bad_field', `name (${type})`);
      return;
    }
    if (ev.runtime != null && typeof ev.runtime !== 'number') {
      sink.malformed('bad_field', `runtime (${type})`);
      return;
    }
  } else if (ev.freq !== undefined && typeof ev.freq !== 'number') {
    sink.malformed('bad_field', `freq (${type})`);
    return;
  }
  sink.event(ev);
}
