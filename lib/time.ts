/**
 * How durations are written, everywhere (pages, exports, the activity log,
 * prompts). No imports: the browser bundle uses it too.
 */

const two = (n: number) => String(n).padStart(2, "0");

/** "4:05", "1:02:03"; `padMinutes` gives "04:05" (the transcript lines sent to a model). */
export function formatClock(sec: number, opts: { padMinutes?: boolean } = {}): string {
  const s = Math.max(0, Math.floor(sec));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (h) return `${h}:${two(m)}:${two(s % 60)}`;
  return `${opts.padMinutes ? two(m) : m}:${two(s % 60)}`;
}

/** "45s", "3m 12s", "1h 2m 3s". */
export function formatDuration(sec: number): string {
  const s = Math.max(0, Math.round(sec));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  return h ? `${h}h ${m}m ${r}s` : m ? `${m}m ${r}s` : `${r}s`;
}

/** "01:02:03,450" (SRT) or "01:02:03.450" (WebVTT). */
export function formatSubtitleTime(sec: number, sep: "," | "."): string {
  const ms = Math.max(0, Math.round(sec * 1000));
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  return `${two(h)}:${two(m)}:${two(s)}${sep}${String(ms % 1000).padStart(3, "0")}`;
}

const RELATIVE = typeof Intl !== "undefined" ? new Intl.RelativeTimeFormat("en", { numeric: "auto" }) : null;

/** "just now", "5 minutes ago", "yesterday", then a short date ("3 Nov", "3 Nov 2025"). */
export function formatRelative(iso: string, now = Date.now()): string {
  const then = Date.parse(iso);
  const sec = Math.round((then - now) / 1000);
  const abs = Math.abs(sec);
  if (abs < 45) return "just now";
  if (RELATIVE && abs < 3600) return RELATIVE.format(Math.round(sec / 60), "minute");
  if (RELATIVE && abs < 86_400) return RELATIVE.format(Math.round(sec / 3600), "hour");
  if (RELATIVE && abs < 7 * 86_400) return RELATIVE.format(Math.round(sec / 86_400), "day");
  const d = new Date(then);
  const sameYear = d.getFullYear() === new Date(now).getFullYear();
  return d.toLocaleDateString("en-GB", { day: "numeric", month: "short", ...(sameYear ? {} : { year: "numeric" }) });
}

/** The full date and time, for a tooltip beside a relative date. */
export function formatDateTime(iso: string): string {
  return new Date(iso).toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short" });
}
