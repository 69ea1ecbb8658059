import { backoffMs, type BackoffOptions } from "./backoff.js";
import { INVOKED_EVENT } from "./lifecycle.js";
import { type Op, parseJson, type SdkClient, type SdkReply, stepUrl } from "./protocol.js";
import type { WorkItem } from "./queue.js";
import type { Store } from "./store.js";
import { type EventRec, type FnConfig, type RunRec, type StepRec, type StepResult, TERMINAL } from "./types.js";
import { errMessage, fmtMs, type Logger, parseWhen, ulid } from "./util.js";
import type { Waits } from "./waits.js";

/** What the executor needs from the scheduler that owns the runs. */
export interface RunHost {
  store: Store;
  sdk: SdkClient;
  log: Logger;
  opts: BackoffOptions & { appOutageMs?: number };
  functions: ReadonlyMap<string, FnConfig>;
  waits: Waits;
  stopped(): boolean;
  enqueue(item: WorkItem): void;
  enqueueAt(at: number, item: WorkItem): void;
  enqueueDiscovery(run: RunRec): void;
  createRun(fn: FnConfig, ev: EventRec, extra?: Partial<RunRec>): RunRec;
  finishRun(run: RunRec, status: "completed" | "failed" | "cancelled", r: { output?: unknown; error?: unknown }): void;
  syncApp(appUrl: string): Promise<boolean>;
  appUrlOf(fn: FnConfig): string;
  /** The run's first request is being sent. */
  started(fn: FnConfig, run: RunRec): void;
}

/** How long an unreachable app is retried by default before a run fails (Inngest Cloud is as patient). */
export const DEFAULT_APP_OUTAGE_MS = 30 * 60_000;
/** Longest pause between two tries during an outage, so a returning app is noticed quickly. */
const OUTAGE_RETRY_CAP_MS = 10_000;

function outageReason(reply: SdkReply): string {
  if (reply.kind !== "http") return reply.error;
  if (reply.badSignature) return `HTTP ${reply.status} with a signature that does not verify (${reply.badSignature})`;
  if (reply.status === 401) return "HTTP 401 without x-inngest-sdk header (does the app have the same INNGEST_SIGNING_KEY, or is it in dev mode?)";
  return `HTTP ${reply.status} without x-inngest-sdk header`;
}

/**
 * One request to the app for a run, and what its reply does: finish the run, retry it, or, for each
 * op of a 206 reply, move a step through its states (the per-op state machine).
 */
export class Executor {
  constructor(private readonly host: RunHost) {}

  private maxAttempts(fn: FnConfig): number {
    return fn.retries + 1;
  }

  async execute(fn: FnConfig, run: RunRec, item: WorkItem): Promise<void> {
    const steps = this.host.store.stepsOf(run.id);
    if (run.status === "queued") {
      run.status = "running";
      run.startedAt = Date.now();
      this.host.store.putRun(run);
      this.host.log(`run ${run.id} started: ${fn.id} (event ${run.event.name})`);
      this.host.started(fn, run);
    }
    let step: StepRec | undefined;
    if (item.stepId !== "step") {
      step = steps.get(item.stepId);
      if (!step || step.status === "completed" || step.status === "failed") return;
      step.status = "running";
      step.startedAt ??= Date.now();
    }
    const memo: Record<string, StepResult> = {};
    for (const s of steps.values()) if (s.result) memo[s.hash] = s.result;
    const body = {
      event: run.event,
      events: run.events,
      steps: memo,
      ctx: {
        run_id: run.id,
        attempt: item.attempt,
        max_attempts: this.maxAttempts(fn),
        disable_immediate_execution: run.disableImmediate,
        use_api: false,
        stack: { stack: run.stack, current: run.stack.length },
      },
      version: 2,
    };
    const started = Date.now();
    const reply = await this.host.sdk.call(stepUrl(fn.url, item.stepId), "POST", body);
    if (this.host.stopped() || TERMINAL.has(run.status)) return;
    this.handleReply(fn, run, item, reply, started);
  }

  private handleReply(fn: FnConfig, run: RunRec, item: WorkItem, reply: SdkReply, started: number): void {
    // A step that outlived the max step duration: a failed attempt like any other error.
    if (reply.kind === "timeout") {
      const error = { name: "TimeoutError", message: reply.error };
      if (item.stepId !== "step") {
        const step = this.host.store.stepsOf(run.id).get(item.stepId);
        if (step && step.status !== "completed" && step.status !== "failed") {
          return this.handleOp(fn, run, item, { id: step.hash, op: "StepError", name: step.name, userland: { id: step.id }, error }, {}, started);
        }
      }
      return this.handleReply(fn, run, item, { kind: "http", status: 500, headers: {}, text: JSON.stringify(error), fromSdk: true }, started);
    }
    // The app is down, restarting, or answered with something that is not the SDK (a framework error
    // page, a proxy's 502): an outage. It is retried with capped backoff for --app-outage-ms without
    // using the function's attempts; only then does the run fail.
    if (reply.kind === "transport" || !reply.fromSdk) {
      const why = outageReason(reply);
      const now = Date.now();
      item.transportFailures++;
      item.outageSince ??= now;
      const limit = this.host.opts.appOutageMs ?? DEFAULT_APP_OUTAGE_MS;
      if (now - item.outageSince >= limit) {
        return this.host.finishRun(run, "failed", {
          error: { name: "AppUnreachable", message: `app unreachable for ${fmtMs(now - item.outageSince)} (limit ${fmtMs(limit)}, --app-outage-ms): ${why}` },
        });
      }
      const cap = Math.min(OUTAGE_RETRY_CAP_MS, this.host.opts.backoffMaxMs || OUTAGE_RETRY_CAP_MS);
      const delay = Math.min(this.backoff(Math.min(item.transportFailures - 1, 10)), cap, item.outageSince + limit - now);
      if (item.transportFailures === 1) this.host.log(`run ${run.id}: app not reachable (${why}); retrying for up to ${fmtMs(limit)}`);
      this.markRetrying(run, item);
      this.host.enqueueAt(now + Math.max(1, delay), item);
      return;
    }
    if (item.outageSince !== undefined) {
      this.host.log(`run ${run.id}: app reachable again after ${fmtMs(Date.now() - item.outageSince)}`);
      item.outageSince = undefined;
      item.transportFailures = 0;
    }
    const { status, headers, text } = reply;
    const payload = parseJson(text);
    if (status === 200) {
      return this.host.finishRun(run, "completed", { output: payload });
    }
    if (status === 206) {
      const ops = (Array.isArray(payload) ? payload : [payload]) as Op[];
      for (const op of ops) {
        if (TERMINAL.has(run.status)) break;
        this.handleOp(fn, run, item, op, headers, started);
      }
      return;
    }
    const noRetry = headers["x-inngest-no-retry"] === "true";
    if (status >= 400 && status < 500 && noRetry) {
      return this.host.finishRun(run, "failed", { error: payload });
    }
    // A function-level error (thrown outside any step), or a function the app does not know (yet).
    const message = errMessage(payload);
    if (/was not found in this app|could not find function|function not found/i.test(message) && item.transportFailures < 3) {
      item.transportFailures++;
      this.host.log(`run ${run.id}: app does not know ${fn.id}; re-syncing`);
      void this.host.syncApp(this.host.appUrlOf(fn)).finally(() => {
        if (TERMINAL.has(run.status)) return;
        if (!this.host.functions.has(fn.id)) {
          return this.host.finishRun(run, "failed", { error: { name: "Error", message: `function ${fn.id} no longer exists in the app` } });
        }
        this.host.enqueueAt(Date.now() + this.backoff(0), item);
      });
      return;
    }
    const next = item.attempt + 1;
    if (noRetry || next >= this.maxAttempts(fn)) {
      return this.host.finishRun(run, "failed", { error: payload });
    }
    const delay = this.backoff(item.attempt, headers);
    run.attempts = next;
    (run.errors ??= []).push({ attempt: item.attempt, at: Date.now(), error: payload });
    this.host.store.putRun(run);
    this.host.log(`run ${run.id}: function errored (attempt ${next}/${this.maxAttempts(fn)}): ${message}; retrying in ${fmtMs(delay)}`);
    this.markRetrying(run, { ...item, attempt: next });
    this.host.enqueueAt(Date.now() + delay, { ...item, attempt: next, transportFailures: 0 });
  }

  private markRetrying(run: RunRec, item: WorkItem): void {
    if (item.stepId === "step") return;
    const step = this.host.store.stepsOf(run.id).get(item.stepId);
    if (step && step.status === "running") {
      step.status = "planned";
      step.attempt = item.attempt;
    }
  }

  private newStep(op: Op, status: StepRec["status"]): StepRec {
    return {
      hash: op.id,
      id: op.userland?.id ?? op.displayName ?? op.name ?? op.id,
      name: op.displayName ?? op.name ?? op.userland?.id ?? op.id,
      op: op.op,
      status,
      attempt: 0,
      errors: [],
      createdAt: Date.now(),
    };
  }

  private handleOp(fn: FnConfig, run: RunRec, item: WorkItem, op: Op, headers: Record<string, string>, started: number): void {
    const steps = this.host.store.stepsOf(run.id);
    let step = steps.get(op.id);
    const isResult = op.op === "StepRun" || op.op === "Step" || op.op === "StepError" || op.op === "StepFailed";
    if (step && (step.status === "completed" || step.status === "failed")) return; // already memoized
    if (!isResult && step && op.op !== "StepPlanned") return; // a plan we already know (sleep, wait, invoke)
    if (op.op === "StepPlanned" && step) return;
    if (!step) {
      step = this.newStep(op, "running");
      step.startedAt = started;
      step.attempt = item.stepId === op.id ? item.attempt : 0;
    }
    if (isResult && step.op === "StepPlanned") step.op = "StepRun";
    switch (op.op) {
      case "StepRun":
      case "Step":
        this.completeStep(run, step, { type: "data", data: op.data ?? null });
        return;
      case "StepError": {
        const attempt = item.stepId === op.id ? item.attempt : step.attempt;
        step.errors.push({ attempt, at: Date.now(), error: op.error ?? null });
        const next = attempt + 1;
        if (next >= this.maxAttempts(fn)) {
          this.completeStep(run, step, { type: "error", error: op.error ?? null }, "failed");
          return;
        }
        const delay = this.backoff(attempt, headers);
        step.status = "retrying";
        step.attempt = next;
        step.nextAt = Date.now() + delay;
        if (!run.disableImmediate) run.disableImmediate = true;
        this.host.store.putRun(run);
        this.host.store.putStep(run.id, step);
        this.host.log(
          `run ${run.id}: step "${step.id}" errored (attempt ${next}/${this.maxAttempts(fn)}): ${errMessage(op.error)}; retrying in ${fmtMs(delay)}`,
        );
        this.host.enqueueAt(step.nextAt, { runId: run.id, stepId: step.hash, attempt: next, transportFailures: 0 });
        return;
      }
      case "StepFailed": {
        const attempt = item.stepId === op.id ? item.attempt : step.attempt;
        step.errors.push({ attempt, at: Date.now(), error: op.error ?? null });
        this.completeStep(run, step, { type: "error", error: op.error ?? null }, "failed");
        return;
      }
      case "StepPlanned": {
        step.status = "planned";
        step.startedAt = undefined;
        if (!run.disableImmediate) {
          run.disableImmediate = true;
          this.host.store.putRun(run);
        }
        this.host.store.putStep(run.id, step);
        this.host.enqueue({ runId: run.id, stepId: step.hash, attempt: 0, transportFailures: 0 });
        return;
      }
      case "Sleep": {
        step.status = "sleeping";
        step.wakeAt = parseWhen(op.name) ?? parseWhen(op.opts?.duration) ?? Date.now();
        this.host.store.putStep(run.id, step);
        this.host.log(`run ${run.id}: step "${step.id}" sleeping until ${new Date(step.wakeAt).toISOString()}`);
        this.host.waits.armSleep(run, step);
        return;
      }
      case "WaitForEvent": {
        step.status = "waiting";
        const timeoutAt = parseWhen(op.opts?.timeout);
        step.wait = { event: String(op.name ?? op.opts?.event), if: op.opts?.if as string | undefined, timeoutAt };
        this.host.store.putStep(run.id, step);
        this.host.log(`run ${run.id}: step "${step.id}" waiting for event ${step.wait.event}`);
        this.host.waits.armWaitTimeout(run, step);
        return;
      }
      case "InvokeFunction": {
        const target = String(op.opts?.function_id ?? "");
        const payload = (op.opts?.payload ?? {}) as { data?: Record<string, unknown>; v?: string };
        const tfn = this.host.functions.get(target);
        step.status = "invoking";
        step.invoke = { fnId: target, timeoutAt: parseWhen(op.opts?.timeout) };
        if (!tfn) {
          this.completeStep(run, step, { type: "error", error: { name: "Error", message: `invoked function ${target} not found` } }, "failed");
          return;
        }
        const ev: EventRec = {
          id: ulid(),
          name: INVOKED_EVENT,
          data: { ...(payload.data ?? {}), _inngest: { source_app_id: fn.appId, source_fn_id: fn.id, source_fn_v: 1 } },
          ts: Date.now(),
          receivedAt: Date.now(),
        };
        if (payload.v) ev.v = payload.v;
        this.host.store.putEvent(ev);
        const child = this.host.createRun(tfn, ev, { parentRunId: run.id, parentStepHash: step.hash });
        step.invoke.childRunId = child.id;
        this.host.store.putStep(run.id, step);
        this.host.log(`run ${run.id}: step "${step.id}" invoked ${target} (run ${child.id})`);
        this.host.waits.armInvokeTimeout(run, step);
        return;
      }
      case "RunComplete":
        this.host.finishRun(run, "completed", { output: op.data ?? null });
        return;
      default:
        this.host.finishRun(run, "failed", {
          error: { name: "Error", message: `op ${op.op} is not supported by the local engine` },
        });
    }
  }

  completeStep(run: RunRec, step: StepRec, result: StepResult, status: "completed" | "failed" = "completed"): void {
    step.result = result;
    step.status = status;
    step.endedAt = Date.now();
    step.nextAt = undefined;
    run.stack.push(step.hash);
    this.host.store.putStep(run.id, step);
    this.host.store.putRun(run);
    const took = step.startedAt ? ` in ${fmtMs(step.endedAt - step.startedAt)}` : "";
    if (status === "completed") this.host.log(`run ${run.id}: step "${step.id}" completed${took}`);
    else this.host.log(`run ${run.id}: step "${step.id}" failed${took}: ${errMessage((result as { error: unknown }).error)}`);
    this.host.enqueueDiscovery(run);
  }


  private backoff(attempt: number, headers?: Record<string, string>): number {
    return backoffMs(this.host.opts, attempt, headers);
  }

}
