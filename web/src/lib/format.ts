import type { TimeZoneMode } from './settings';

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** Epoch seconds as `YYYY-MM-DD HH:MM:SS.mmm` in local time or UTC. */
export function formatTime(ts: number | null | undefined, tz: TimeZoneMode, withDate = true): string {
  if (ts == null) return '—';
  const d = new Date(ts * 1000);
  const u = tz === 'utc';
  const date = `${u ? d.getUTCFullYear() : d.getFullYear()}-${pad((u ? d.getUTCMonth() : d.getMonth()) + 1)}-${pad(u ? d.getUTCDate() : d.getDate())}`;
  const time = `${pad(u ? d.getUTCHours() : d.getHours())}:${pad(u ? d.getUTCMinutes() : d.getMinutes())}:${pad(u ? d.getUTCSeconds() : d.getSeconds())}.${pad(u ? d.getUTCMilliseconds() : d.getMilliseconds(), 3)}`;
  return withDate ? `${date} ${time}` : time;
}

/** Seconds as a short duration: 0.012 → "12 ms", 75 → "1m 15s". */
export function formatDuration(s: number | null | undefined): string {
  if (s == null || !Number.isFinite(s)) return '—';
  if (s < 1) return `${Math.round(s * 1000)} ms`;
  if (s < 60) return `${s.toFixed(s < 10 ? 2 : 1)} s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${Math.round(s % 60)}s`;
  return `${Math.floor(s / 3600)}h ${Math.round((s % 3600) / 60)}m`;
}

export function formatAge(s: number | null | undefined): string {
  if (s == null) return '—';
  return `${formatDuration(s)} ago`;
}

export const formatNumber = (n: number | null | undefined) => (n == null ? '—' : n.toLocaleString('en-US'));
