export function formatClock(sec: number): string {
  const s = Math.max(0, Math.floor(sec));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = String(s % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${r}` : `${m}:${r}`;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(0)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}

export function formatElapsed(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m ${s % 60}s` : `${Math.floor(m / 60)}h ${m % 60}m`;
}

/** "local:moonshine-tiny" → words a person understands. */
export function providerLabel(id: string | null | undefined): string | null {
  if (!id) return null;
  if (id === "local:moonshine-tiny") return "Local model (Moonshine, English)";
  if (id === "local") return "Local analysis";
  const [kind, model] = id.split(":");
  if (kind === "openai") return model ? `OpenAI (${model})` : "OpenAI";
  if (kind === "local") return "Local model";
  return id;
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
