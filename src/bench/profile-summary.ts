/**
 * Summarises V8 .cpuprofile files (node --cpu-prof): self time per function, top N.
 *   node dist/bench/profile-summary.js <file-or-dir> [top]
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export function summarize(file: string, top = 25): string {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let total = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const n = byId.get(p.samples[i]!)!;
    const dt = p.timeDeltas[i] ?? 0;
    total += dt;
    const url = n.callFrame.url.replace(/^.*\/(node_modules\/|dist\/|node:)/, '$1');
    const key = `${n.callFrame.functionName || '(anonymous)'} ${url}:${n.callFrame.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + dt);
  }
  const rows = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
  const lines = [`${file}: ${(total / 1e6).toFixed(1)} s sampled`];
  for (const [k, v] of rows) lines.push(`${((100 * v) / total).toFixed(1).padStart(5)}%  ${(v / 1e6).toFixed(2).padStart(6)} s  ${k}`);
  return lines.join('\n');
}

if (process.argv[1]?.endsWith('profile-summary.js')) {
  const target = process.argv[2]!;
  const top = Number(process.argv[3] ?? 25);
  const files = statSync(target).isDirectory()
    ? readdirSync(target).filter((f) => f.endsWith('.cpuprofile')).map((f) => join(target, f))
    : [target];
  for (const f of files) process.stdout.write(`${summarize(f, top)}\n\n`);
}
