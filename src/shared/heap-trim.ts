import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * Keeps a thread's V8 heap near what it really holds. V8 collects the old generation lazily:
 * after a burst of API queries (each page of rows is cloned from the reader thread, turned
 * into objects and JSON) the main thread's heap held 116 MB of which 24 MB was live, and it
 * stays that size until allocation pushes V8 to its next full collection, which on a quiet
 * monitor can be never. Resident memory then depends on what users happened to click, not on
 * what Celeriac holds.
 *
 * A trimmer looks at the old generation every `intervalMs` and runs a full collection when it
 * holds `slackMb` more than the last collection left and has grown less than an eighth of that
 * since the last look (the burst is over; under steady heavy allocation V8's own schedule is
 * cheaper), or at once when it holds three times the slack more; and once the old generation
 * has not grown for QUIET_LOOKS looks, already when it holds an eighth of the slack more (an
 * idle monitor gives back its last burst's garbage within seconds: the settled RSS after the
 * bench's queries at 10 M tasks varied from 157 to 191 MB by how much garbage was left under
 * the slack). A full collection of a heap of tens of MB takes milliseconds.
 */
export interface HeapTrimmer {
  stop(): void;
  /** Full collections it ran (for tests). */
  readonly runs: number;
}

let gcFn: (() => void) | null | undefined;

/** V8's `gc()`, exposed at run time (Node has no API to ask for a full collection). */
export function fullGc(): (() => void) | null {
  if (gcFn !== undefined) return gcFn;
  const g = (globalThis as { gc?: () => void }).gc;
  if (typeof g === 'function') return (gcFn = g);
  try {
    setFlagsFromString('--expose-gc');
    gcFn = runInNewContext('gc') as () => void;
  } catch {
    gcFn = null;
  }
  return gcFn;
}

/** Bytes used in the spaces objects are promoted to (the young generation is V8's own business). */
function oldBytes(): number {
  let n = 0;
  for (const s of getHeapSpaceStatistics()) if (s.space_name === 'old_space' || s.space_name === 'large_object_space') n += s.space_used_size;
  return n;
}

/**
 * Whether to collect, given how much the old generation holds above what the last collection
 * left (`above`), how much it grew since the last look and the slack (bytes). Only once a
 * burst is over: while the heap still grows quickly (heavy ingest) V8's own schedule is the
 * cheaper one and a forced collection would be wasted work; but not past three times the
 * slack, where V8 lets a burst of queries grow the heap for long.
 */
export function shouldCollect(above: number, grew: number, slack: number, quietLooks = 0): boolean {
  // quiet for QUIET_LOOKS looks in a row (the burst is long over): collect a smaller surplus
  // too, so what an idle Celeriac holds does not depend on how far the last burst got
  if (quietLooks >= QUIET_LOOKS && above >= slack / 8) return true;
  if (above < slack) return false;
  return grew <= slack / 8 || above >= 3 * slack;
}

/** Looks without growth (at most slack / 256 each) after which an eighth of the slack is enough to collect. */
export const QUIET_LOOKS = 3;

export function startHeapTrimmer(opts: { intervalMs?: number; slackMb?: number; collectFirst?: boolean } = {}): HeapTrimmer {
  const gc = fullGc();
  const slack = (opts.slackMb ?? 32) * 1024 * 1024;
  // collectFirst: the level to trim back to is what is live now, not what start-up left behind
  if (opts.collectFirst) gc?.();
  let base = oldBytes();
  let prev = base;
  let runs = 0;
  let quiet = 0;
  const timer = setInterval(() => {
    if (!gc) return;
    const used = oldBytes();
    const grew = used - prev;
    prev = used;
    // quiet: next to no growth (light steady promotion is not quiet, or it would be collected
    // every few seconds)
    quiet = grew <= slack / 256 ? quiet + 1 : 0;
    // V8 collected on its own since: follow it down.
    if (used < base) base = used;
    if (!shouldCollect(used - base, grew, slack, quiet)) return;
    gc();
    runs++;
    quiet = 0;
    base = prev = oldBytes();
  }, opts.intervalMs ?? 1000);
  timer.unref();
  return {
    stop: () => clearInterval(timer),
    get runs() {
      return runs;
    },
  };
}
