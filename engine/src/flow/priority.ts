import { evaluateValue } from "../expressions.js";
import type { EventRec, FnConfig } from "../types.js";

/** Inngest clamps a priority to ±12 h. */
export const MAX_PRIORITY_S = 43_200;

/**
 * `priority.run`: an expression over {event} giving seconds. A run's queue items (its start and
 * every step) are ordered as if the run had been created that many seconds earlier (or later, when
 * negative), like the server's score `runTime − factor × 1000`. Not a number: 0.
 */
export function priorityOf(fn: FnConfig, event: EventRec): number {
  if (!fn.priority?.run) return 0;
  const v = Number(evaluateValue(fn.priority.run, { event }));
  if (!Number.isFinite(v)) return 0;
  return Math.max(-MAX_PRIORITY_S, Math.min(MAX_PRIORITY_S, Math.trunc(v)));
}
