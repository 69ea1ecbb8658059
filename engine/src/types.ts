export type Json = unknown;

export interface EventRec {
  id: string;
  name: string;
  data: Record<string, unknown>;
  ts: number;
  user?: unknown;
  v?: string;
  /** When the engine received it (epoch ms). */
  receivedAt: number;
}

export interface Trigger {
  event?: string;
  expression?: string;
  cron?: string;
  /** Cron only: fire up to this long after the tick (a duration string). */
  jitter?: string;
}

export interface Concurrency {
  limit: number;
  key?: string;
  scope?: "fn" | "env" | "account";
}

export interface CancelOn {
  event: string;
  if?: string;
  timeout?: string;
}

/** Flow-control options, durations in ms, keys as expressions over {event}. */
export interface FlowConfig {
  throttle?: { limit: number; periodMs: number; burst: number; key?: string };
  rateLimit?: { limit: number; periodMs: number; key?: string };
  idempotency?: string;
  debounce?: { periodMs: number; key?: string; timeoutMs?: number };
  batchEvents?: { maxSize: number; timeoutMs: number; key?: string; if?: string };
  singleton?: { mode: "skip" | "cancel"; key?: string };
  timeouts?: { startMs?: number; finishMs?: number };
}

export interface FnConfig extends FlowConfig {
  id: string;
  name: string;
  appId: string;
  /** The step endpoint as the SDK gave it, e.g. http://localhost:3000/api/inngest?fnId=x&stepId=step */
  url: string;
  triggers: Trigger[];
  concurrency: Concurrency[];
  cancel: CancelOn[];
  /** Number of retries (attempts = retries + 1). */
  retries: number;
  priority?: { run?: string };
  warnings: string[];
  /** Registered under a URL the engine was not configured with, after a signed sync proved the app owns it. */
  verified?: boolean;
}

export type StepResult = { type: "data"; data: Json } | { type: "error"; error: Json };

export type StepStatus =
  | "planned"
  | "running"
  | "retrying"
  | "sleeping"
  | "waiting"
  | "invoking"
  | "completed"
  | "failed";

export interface StepRec {
  hash: string;
  /** The id the user gave (userland id) */
  id: string;
  name: string;
  op: string;
  status: StepStatus;
  /** The attempt number of the next (or current) execution, 0-based. */
  attempt: number;
  errors: { attempt: number; at: number; error: Json }[];
  createdAt: number;
  startedAt?: number;
  endedAt?: number;
  result?: StepResult;
  nextAt?: number;
  wakeAt?: number;
  wait?: { event: string; if?: string; timeoutAt?: number };
  invoke?: { fnId: string; childRunId?: string; timeoutAt?: number };
}

export type RunStatus = "queued" | "running" | "completed" | "failed" | "cancelled" | "skipped";

export interface RunRec {
  id: string;
  fnId: string;
  fnName: string;
  status: RunStatus;
  event: EventRec;
  events: EventRec[];
  createdAt: number;
  startedAt?: number;
  endedAt?: number;
  output?: Json;
  error?: Json;
  /** Step hashes in completion order, the SDK's `stack`. */
  stack: string[];
  disableImmediate: boolean;
  parentRunId?: string;
  parentStepHash?: string;
  rerunOf?: string;
  cancelReason?: string;
  /** Why flow control did not start it (rate limit, idempotency, singleton). */
  skipReason?: string;
  /** The evaluated singleton key, when the function has one. */
  singletonKey?: string;
  /** Seconds the run's queue items are moved ahead (priority.run, evaluated once at creation). */
  priority?: number;
  /** Function-level attempts used (500s from the SDK outside steps). */
  attempts: number;
  /** Function-level errors that were retried (thrown outside steps, timeouts of the discovery request). */
  errors?: { attempt: number; at: number; error: Json }[];
}

export const TERMINAL: ReadonlySet<RunStatus> = new Set(["completed", "failed", "cancelled", "skipped"]);
