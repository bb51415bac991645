import { decodePayload, type DecodeSink } from '../../ingest/decode.js';
import { applyTaskEvent, emptyTask, isOriginalSend } from '../../state/merge.js';
import type { CeleryEvent } from '../../state/types.js';
import { eventClock, type FoldedTask } from '../rows.js';
import { eventKey, sameEvent, splitJsonArray } from './event-log.js';
import type { TextRow } from './fts.js';

/**
 * What the SQLite writer keeps per batch (writer.ts): the payloads decoded with the text each
 * event arrived in, and per task its new events, their stored texts, their fold and what is
 * needed to drop duplicates.
 */

/** A task of the batch being written. */
export interface BatchTask {
  id: number;
  /** Its searched text before this batch (fts.ts TextRow), null if it is (believed) new. */
  before: TextRow | null;
  /** Its state before this batch (null if it is new). */
  state: string | null;
  /** The seq of its next event-log row. */
  seq: number;
  /**
   * Its events new in this batch, in arrival order: their identities (the decoded events are
   * left to die young; dropStored decodes the texts again) and the texts to store for them.
   */
  ids: EventId[];
  texts: string[];
  /** The fold of its new events (made at the first). */
  folded: FoldedTask | null;
  /** Identities (eventKey) of its stored events, null if none are known. */
  stored: Set<string> | null;
  /** Keys of `ids`, kept once there are 16 or more (fewer are compared directly). */
  batchKeys: Set<string> | null;
}

/** What identifies an event within its task (event-log.ts eventKey, sameEvent). */
export type EventId = { timestamp: number; type: string; hostname: string; clock: number };

export function newTask(id: number): BatchTask {
  return { id, before: null, state: null, seq: 0, ids: [], texts: [], folded: null, stored: null, batchKeys: null };
}

/** Whether `ev` is an event already in `t` (stored, or earlier in this batch). */
export function seen(t: BatchTask, ev: CeleryEvent): boolean {
  if (t.stored !== null && t.stored.has(eventKey(ev))) return true;
  const ids = t.ids;
  if (ids.length >= 16) {
    let keys = t.batchKeys;
    if (keys === null) {
      keys = t.batchKeys = new Set();
      for (const e of ids) keys.add(eventKey(e));
    }
    return keys.has(eventKey(ev));
  }
  // Few events per task per batch: compare identities directly (no key strings).
  for (const e of ids) if (sameEvent(e, ev)) return true;
  return false;
}

/** Adds a new event of `t` (not seen before) with the text to store for it, and folds it in. */
export function addEvent(t: BatchTask, ev: CeleryEvent, text: string, cut: (s: string) => string): void {
  t.ids.push({ timestamp: ev.timestamp, type: ev.type, hostname: ev.hostname, clock: eventClock(ev) });
  t.texts.push(text);
  t.batchKeys?.add(eventKey(ev));
  const f = (t.folded ??= { task: emptyTask(ev.uuid!, ev.timestamp), originalSend: false });
  applyTaskEvent(f.task, ev, cut);
  if (isOriginalSend(ev)) f.originalSend = true;
}

/**
 * A task believed new turned out stored (another instance, or it came back after long): keeps
 * only its events not stored yet, folded again. Returns how many it dropped.
 */
export function dropStored(t: BatchTask, stored: Set<string>, cut: (s: string) => string, decoder: BatchDecoder): number {
  const ids = t.ids;
  const texts = t.texts;
  t.ids = [];
  t.texts = [];
  t.folded = null;
  t.batchKeys = null;
  t.stored = stored;
  let dropped = 0;
  for (let i = 0; i < ids.length; i++) {
    if (stored.has(eventKey(ids[i]!))) dropped++;
    else addEvent(t, decoder.one(texts[i]!), texts[i]!, cut);
  }
  return dropped;
}

/**
 * The uuids this writer wrote lately (a ring of 32-bit hashes): a task seen in an earlier batch
 * is looked up before it is written; any other one is inserted at once, and looked up only if
 * the insert finds it stored after all. Saves a probe of the random uuid index per new task.
 * A hash collision only costs that probe.
 */
export class RecentTasks {
  private readonly ring: Int32Array;
  private readonly set = new Set<number>();
  private next = 0;

  constructor(capacity: number) {
    this.ring = new Int32Array(capacity);
  }

  has(uuid: string): boolean {
    return this.set.has(hash(uuid));
  }

  add(uuid: string): void {
    const h = hash(uuid);
    if (this.set.has(h)) return;
    if (this.next >= this.ring.length) this.set.delete(this.ring[this.next % this.ring.length]!);
    this.ring[this.next++ % this.ring.length] = h;
    this.set.add(h);
  }
}

/** FNV-1a over the UTF-16 code units. */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h | 0;
}

/**
 * Decodes a batch's payloads into task events with the text each arrived in: the payload
 * itself for a lone event, its slice of the array for one of a `task.multi` (null when the
 * slices cannot be matched to the events, e.g. an array with invalid elements).
 */
export class BatchDecoder {
  private readonly events: CeleryEvent[] = [];
  /** Elements of the current payload seen so far (valid or not), and where its task events sit. */
  private elements = 0;
  private readonly positions: number[] = [];
  private readonly sink: DecodeSink;

  constructor(private readonly maxBytes: number) {
    this.sink = {
      event: (ev: CeleryEvent) => {
        if (ev.type.charCodeAt(0) === 116 /* t */) {
          this.events.push(ev);
          this.positions.push(this.elements);
        }
        this.elements++;
      },
      // Already counted by the ingest pipeline, which ran the same decoder; for an array it
      // is one element (decodePayload reports each bad element once, in order).
      malformed: () => {
        this.elements++;
      },
    };
  }

  /**
   * Calls `each` with every task event of `payloads` in order, and the text it arrived in,
   * one payload at a time: an event is garbage once `each` returns, unless kept.
   */
  forEach(payloads: string[], each: (ev: CeleryEvent, raw: string | null) => void): void {
    for (const p of payloads) {
      this.events.length = 0;
      this.elements = 0;
      this.positions.length = 0;
      decodePayload(p, this.maxBytes, this.sink);
      const n = this.events.length;
      if (n === 0) continue;
      const first = firstChar(p);
      if (first === 123 /* { */) {
        for (let k = 0; k < n; k++) each(this.events[k]!, p);
        continue;
      }
      const parts = first === 91 /* [ */ ? splitJsonArray(p) : null;
      const whole = parts !== null && parts.length === this.elements;
      for (let k = 0; k < n; k++) each(this.events[k]!, whole ? parts[this.positions[k]!]! : null);
    }
    this.events.length = 0;
  }

  /** The event a stored text of this batch holds (decoded by forEach before), decoded again. */
  one(text: string): CeleryEvent {
    let out: CeleryEvent | null = null;
    this.forEach([text], (ev) => {
      out = ev;
    });
    if (out === null) throw new Error('an event text of this batch no longer decodes');
    return out;
  }
}

function firstChar(s: string): number {
  let i = 0;
  while (i < s.length && s.charCodeAt(i) <= 32) i++;
  return s.charCodeAt(i);
}
