/**
 * Where each thread of a running Celeriac spends its time (Linux): on a CPU, waiting for one,
 * or sleeping, from /proc/<pid>/task/<tid>/schedstat (nanoseconds on CPU and on the run queue)
 * and the thread's state sampled every 5 ms (R running or runnable, S sleeping, D disk wait).
 *   node dist/bench/thread-sched.js [seconds=20] [pid]   (default: the process running dist/cli.js)
 * A thread that is runnable nearly always but on a CPU far less waits for cores the others hold:
 * docs/PERFORMANCE.md, tenth session.
 */
import { readdirSync, readFileSync } from 'node:fs';

const seconds = Number(process.argv[2] ?? 20);
const pid = process.argv[3] ?? findCeleriac();
if (!pid) {
  process.stderr.write('no process running dist/cli.js (give its pid)\n');
  process.exit(1);
}

function findCeleriac(): string | undefined {
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p) || p === String(process.pid)) continue;
    try {
      if (readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('dist/cli.js')) return p;
    } catch {
      // gone
    }
  }
  return undefined;
}

const read = (f: string): string | null => {
  try {
    return readFileSync(f, 'utf8');
  } catch {
    return null;
  }
};
const tids = () => readdirSync(`/proc/${pid}/task`);
const sched = () => new Map(tids().map((t) => [t, (read(`/proc/${pid}/task/${t}/schedstat`) ?? '0 0').split(' ').map(Number)] as const));
const name = (t: string) => (read(`/proc/${pid}/task/${t}/comm`) ?? '?').trim();

const before = sched();
const states = new Map<string, Record<string, number>>();
const t0 = performance.now();
while (performance.now() - t0 < seconds * 1000) {
  for (const t of before.keys()) {
    const st = read(`/proc/${pid}/task/${t}/stat`);
    if (!st) continue;
    const s = st[st.lastIndexOf(')') + 2]!;
    const c = states.get(t) ?? {};
    c[s] = (c[s] ?? 0) + 1;
    states.set(t, c);
  }
  await new Promise((r) => setTimeout(r, 5));
}
const el = (performance.now() - t0) / 1000;
const after = sched();
const rows = [...before.keys()]
  .map((t) => {
    const a = before.get(t)!;
    const b = after.get(t) ?? a;
    return { t, cpu: (b[0]! - a[0]!) / 1e9 / el, wait: (b[1]! - a[1]!) / 1e9 / el };
  })
  .filter((r) => r.cpu >= 0.01)
  .sort((x, y) => y.cpu - x.cpu);
process.stdout.write(`pid ${pid}, ${el.toFixed(1)} s (cores: on a CPU / waiting for one; share of samples per state)\n`);
if (rows.length === 0) process.stdout.write('  (no thread used 0.01 core or more)\n');
for (const r of rows) {
  const c = states.get(r.t) ?? {};
  const n = Object.values(c).reduce((x, y) => x + y, 0) || 1;
  const st = Object.entries(c).sort((x, y) => y[1] - x[1]).map(([k, v]) => `${k} ${Math.round((v * 100) / n)}%`).join(' ');
  process.stdout.write(`  ${r.t.padEnd(8)} ${name(r.t).padEnd(16)} on-cpu ${r.cpu.toFixed(2)}  waiting ${r.wait.toFixed(2)}  ${st}\n`);
}
