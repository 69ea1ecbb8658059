import { checkExpression } from "../expressions.js";
import type { FlowConfig } from "../types.js";
import { parseDurationMs } from "../util.js";

/** Read the SDK's flow-control options into the engine's config, with a warning for what cannot be read. */
export function parseFlow(f: Record<string, unknown>, warnings: string[]): FlowConfig {
  const out: FlowConfig = {};
  const expr = (what: string, e: unknown): string | undefined => {
    if (typeof e !== "string" || !e.trim()) return undefined;
    const bad = checkExpression(e);
    if (bad) warnings.push(`${what} ${bad}`);
    return e;
  };
  const dur = (what: string, d: unknown): number | undefined => {
    if (d === undefined || d === null || d === "") return undefined;
    const ms = typeof d === "string" ? parseDurationMs(d) : undefined;
    if (ms === undefined || ms <= 0) warnings.push(`${what} "${String(d)}" is not a duration (ignored)`);
    return ms && ms > 0 ? ms : undefined;
  };
  const obj = (k: string) => (f[k] && typeof f[k] === "object" ? (f[k] as Record<string, unknown>) : undefined);

  const t = obj("throttle");
  const tPeriod = t && dur("throttle period", t.period);
  if (t && tPeriod && Number(t.limit) > 0) {
    out.throttle = { limit: Number(t.limit), periodMs: tPeriod, burst: Math.max(1, Number(t.burst) || 1), key: expr("throttle key", t.key) };
  }
  const r = obj("rateLimit");
  const rPeriod = r && dur("rateLimit period", r.period);
  if (r && rPeriod && Number(r.limit) > 0) out.rateLimit = { limit: Number(r.limit), periodMs: rPeriod, key: expr("rateLimit key", r.key) };
  const idem = expr("idempotency", f.idempotency);
  if (idem) out.idempotency = idem;
  const d = obj("debounce");
  const dPeriod = d && dur("debounce period", d.period);
  if (d && dPeriod) out.debounce = { periodMs: dPeriod, key: expr("debounce key", d.key), timeoutMs: dur("debounce timeout", d.timeout) };
  const b = obj("batchEvents");
  const bTimeout = b && dur("batchEvents timeout", b.timeout);
  if (b && bTimeout && Number(b.maxSize) > 0) {
    out.batchEvents = { maxSize: Number(b.maxSize), timeoutMs: bTimeout, key: expr("batchEvents key", b.key), if: expr("batchEvents if", b.if) };
  }
  const s = obj("singleton");
  if (s && (s.mode === "skip" || s.mode === "cancel")) out.singleton = { mode: s.mode, key: expr("singleton key", s.key) };
  const to = obj("timeouts");
  if (to) {
    const start = dur("timeouts.start", to.start);
    const finish = dur("timeouts.finish", to.finish);
    if (start || finish) out.timeouts = { startMs: start, finishMs: finish };
  }
  return out;
}

/** The options parseFlow reads (the sync does not warn about them). */
export const FLOW_KEYS = ["throttle", "rateLimit", "idempotency", "debounce", "batchEvents", "singleton", "timeouts"];
