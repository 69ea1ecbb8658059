import { Crons, SCHEDULED_EVENT } from "./cron.js";
import { evaluate, nameMatches } from "./expressions.js";
import { INVOKED_EVENT, lifecycleEvents } from "./lifecycle.js";
import { Executor } from "./execute.js";
import { FlowControl } from "./flow/index.js";
import { priorityOf } from "./flow/priority.js";
import { SdkClient } from "./protocol.js";
import type { Keys } from "./signing.js";
import { type Admission, ReadyQueue, type WorkItem } from "./queue.js";
import { DEDUPE_WINDOW_MS, type Store } from "./store.js";
import { AppRegistry, type RegisterOutcome } from "./sync.js";
import { Timers } from "./timers.js";
import { type EventRec, type FnConfig, type RunRec, TERMINAL } from "./types.js";
import { errMessage, fmtMs, type Logger, parseWhen, ulid } from "./util.js";
import { Waits } from "./waits.js";

export { CANCELLED_EVENT, FAILED_EVENT, FINISHED_EVENT, INVOKED_EVENT } from "./lifecycle.js";

export interface SchedulerOptions {
  appUrls: string[];
  maxStepMs: number;
  pollIntervalMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  retryIntervalMs?: number;
  maxInFlight: number;
  /** One line per state change (run started/finished, step completed/errored, sync). */
  log: Logger;
  /** How long an unreachable app is retried before a run fails (default 30 min). */
  appOutageMs?: number;
  /** Signing and event keys (signing.ts); without a signing key the engine talks to apps in dev mode. */
  keys?: Keys;
}

/**
 * The hub: routes events (waits, cancelOn, triggers), creates, cancels and finishes runs, and resumes
 * them after a restart. App sync (sync.ts), the ready queue and concurrency (queue.ts), timers
 * (timers.ts), paused steps (waits.ts) and the requests with the per-op state machine (execute.ts)
 * live in their own modules.
 */
export class Scheduler {
  private readonly sdk: SdkClient;
  private readonly registry: AppRegistry;
  private readonly queue: ReadyQueue;
  private readonly timers = new Timers();
  private readonly waits: Waits;
  private readonly executor: Executor;
  private readonly crons: Crons;
  private readonly flow: FlowControl;
  private stopped = false;
  /** Ids of runs that are not finished (events are matched against these only). */
  private readonly active = new Set<string>();

  constructor(
    private readonly store: Store,
    private readonly opts: SchedulerOptions,
  ) {
    this.sdk = new SdkClient(opts.maxStepMs, opts.keys);
    this.registry = new AppRegistry(store, this.sdk, { ...opts, signed: !!opts.keys?.signed }, {
      onRemoved: (ids) => this.failRunsOf(ids),
      onChanged: () => {
        this.crons.reconcile(this.functions.values());
        this.queue.pump();
      },
    });
    this.queue = new ReadyQueue(
      opts.maxInFlight,
      (item) => this.admit(item),
      (fn, run, item) => this.executor.execute(fn, run, item),
      (runId) => {
        const run = this.store.runs.get(runId);
        return run ? run.createdAt - (run.priority ?? 0) * 1000 : 0;
      },
    );
    this.waits = new Waits(store, this.timers, (run, step, result, status) => this.executor.completeStep(run, step, result, status), opts.log);
    this.crons = new Crons(store, this.timers, (fn, expr, tickAt) => this.fireCron(fn, expr, tickAt), opts.log);
    this.executor = new Executor({
      store,
      sdk: this.sdk,
      log: opts.log,
      opts,
      functions: this.registry.functions,
      waits: this.waits,
      stopped: () => this.stopped,
      enqueue: (item) => this.queue.enqueue(item),
      enqueueAt: (at, item) => this.enqueueAt(at, item),
      enqueueDiscovery: (run) => this.enqueueDiscovery(run),
      createRun: (fn, ev, extra) => this.createRun(fn, ev, extra),
      finishRun: (run, status, r) => this.finishRun(run, status, r),
      syncApp: (url) => this.registry.syncApp(url),
      appUrlOf: (fn) => this.registry.appUrlOf(fn),
      started: (fn, run) => this.flow.started(fn, run),
    });
    this.flow = new FlowControl({
      store,
      timers: this.timers,
      log: opts.log,
      functions: this.registry.functions,
      activeRuns: () => this.activeRuns(),
      createRun: (fn, ev, extra) => this.createRun(fn, ev, extra),
      skipRun: (fn, ev, reason, extra) => this.skipRun(fn, ev, reason, extra),
      cancelRun: (id, reason) => this.cancelRun(id, reason),
    });
  }

  private get log() {
    return this.opts.log;
  }

  get functions(): ReadonlyMap<string, FnConfig> {
    return this.registry.functions;
  }

  // ───────────────────────────── lifecycle ─────────────────────────────

  start(): void {
    this.recover();
    this.flow.recover();
    this.crons.reconcile(this.functions.values());
    this.registry.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.registry.stop();
    this.queue.stop();
    this.timers.stop();
    await this.sdk.close();
  }

  syncAll(): Promise<void> {
    return this.registry.syncAll();
  }

  syncApp(appUrl: string): Promise<boolean> {
    return this.registry.syncApp(appUrl);
  }

  register(appUrl: string, appId: string, rawFns: unknown[]): Promise<RegisterOutcome> {
    return this.registry.registerOutOfBand(appUrl, appId, rawFns);
  }

  stats(): ReturnType<ReadyQueue["stats"]> {
    return this.queue.stats();
  }

  /** Resume every unfinished run from what the journal says. */
  private recover(): void {
    let n = 0;
    for (const run of this.store.runs.values()) {
      if (TERMINAL.has(run.status)) continue;
      n++;
      this.active.add(run.id);
      let pending = 0;
      for (const step of this.store.stepsOf(run.id).values()) {
        const item = { runId: run.id, stepId: step.hash, attempt: step.attempt, transportFailures: 0 };
        switch (step.status) {
          case "planned":
          case "running":
            this.queue.enqueue(item);
            pending++;
            break;
          case "retrying":
            this.enqueueAt(step.nextAt ?? Date.now(), item);
            pending++;
            break;
          case "sleeping":
            this.waits.armSleep(run, step);
            pending++;
            break;
          case "waiting":
            this.waits.armWaitTimeout(run, step);
            pending++;
            break;
          case "invoking": {
            pending++;
            const child = step.invoke?.childRunId ? this.store.runs.get(step.invoke.childRunId) : undefined;
            if (child && TERMINAL.has(child.status)) queueMicrotask(() => this.waits.resolveInvoke(child));
            else this.waits.armInvokeTimeout(run, step);
            break;
          }
          default:
            break;
        }
      }
      if (pending > 0 && !run.disableImmediate) {
        run.disableImmediate = true;
        this.store.putRun(run);
      }
      this.enqueueDiscovery(run);
    }
    if (n) this.log(`recovered ${n} unfinished run(s) from the journal`);
  }

  private failRunsOf(fnIds: ReadonlySet<string>): void {
    for (const id of [...this.active]) {
      const run = this.store.runs.get(id);
      if (run && fnIds.has(run.fnId)) {
        this.finishRun(run, "failed", { error: { name: "Error", message: `function ${run.fnId} no longer exists in the app` } });
      }
    }
  }

  // ───────────────────────────── events ─────────────────────────────

  /** Ingest events (already validated as objects with a name). Returns the ids, in order. */
  ingest(raw: Array<Record<string, unknown>>): string[] {
    const ids: string[] = [];
    const now = Date.now();
    for (const r of raw) {
      const id = typeof r.id === "string" && r.id ? r.id : ulid(now);
      ids.push(id);
      const seen = this.store.events.get(id);
      if (seen && now - seen.receivedAt < DEDUPE_WINDOW_MS) {
        this.log(`event ${r.name} id=${id} ignored (duplicate id within 24h)`);
        continue;
      }
      const ev: EventRec = {
        id,
        name: String(r.name),
        data: (r.data && typeof r.data === "object" ? r.data : {}) as Record<string, unknown>,
        ts: typeof r.ts === "number" ? r.ts : now,
        receivedAt: now,
      };
      if (r.user !== undefined) ev.user = r.user;
      if (typeof r.v === "string") ev.v = r.v;
      this.store.putEvent(ev);
      this.route(ev);
    }
    return ids;
  }

  private route(ev: EventRec): void {
    const live = [...this.active].map((id) => this.store.runs.get(id)!).filter((r) => r && !TERMINAL.has(r.status));
    this.waits.deliver(live, ev);
    for (const run of live) {
      if (TERMINAL.has(run.status)) continue;
      const fn = this.functions.get(run.fnId);
      if (!fn) continue;
      for (const c of fn.cancel) {
        if (c.event !== ev.name) continue;
        const until = c.timeout ? parseWhen(c.timeout, run.createdAt) : undefined;
        if (until !== undefined && ev.receivedAt > until) continue; // the cancelOn window has passed
        if (!evaluate(c.if, { event: run.event, async: ev })) continue;
        this.cancelRun(run.id, `cancelled by event ${ev.name} (${ev.id})`);
        break;
      }
    }
    if (ev.name === INVOKED_EVENT) return;
    for (const fn of this.functions.values()) {
      const hit = fn.triggers.some(
        (t) => t.event !== undefined && nameMatches(t.event, ev.name) && evaluate(t.expression, { event: ev }),
      );
      if (hit) this.flow.trigger(fn, ev);
    }
  }

  private fireCron(fn: FnConfig, expr: string, tickAt: number): void {
    const now = Date.now();
    const ev: EventRec = { id: ulid(now), name: SCHEDULED_EVENT, data: { cron: expr }, ts: tickAt, receivedAt: now };
    this.store.putEvent(ev);
    this.log(`cron ${fn.id} "${expr}" fired (tick ${new Date(tickAt).toISOString()})`);
    this.flow.trigger(fn, ev);
  }

  createRun(fn: FnConfig, ev: EventRec, extra: Partial<RunRec> = {}): RunRec {
    const run: RunRec = {
      id: ulid(),
      fnId: fn.id,
      fnName: fn.name,
      status: "queued",
      event: ev,
      events: [ev],
      createdAt: Date.now(),
      stack: [],
      disableImmediate: false,
      attempts: 0,
      ...extra,
    };
    const priority = priorityOf(fn, ev);
    if (priority) run.priority = priority;
    this.store.putRun(run);
    this.active.add(run.id);
    this.enqueueDiscovery(run);
    return run;
  }

  /** Record a run flow control did not start (visible as skipped, with the reason). */
  private skipRun(fn: FnConfig, ev: EventRec, reason: string, extra: Partial<RunRec> = {}): RunRec {
    const now = Date.now();
    const run: RunRec = {
      id: ulid(),
      fnId: fn.id,
      fnName: fn.name,
      status: "skipped",
      event: ev,
      events: [ev],
      createdAt: now,
      endedAt: now,
      stack: [],
      disableImmediate: false,
      attempts: 0,
      ...extra,
      skipReason: reason,
    };
    this.store.putRun(run);
    this.log(`run ${run.id} skipped: ${fn.id} (${reason})`);
    return run;
  }

  private *activeRuns(): Iterable<RunRec> {
    for (const id of this.active) {
      const run = this.store.runs.get(id);
      if (run && !TERMINAL.has(run.status)) yield run;
    }
  }

  rerun(runId: string): RunRec | undefined {
    const old = this.store.runs.get(runId);
    if (!old) return undefined;
    const fn = this.functions.get(old.fnId);
    if (!fn) throw new Error(`function ${old.fnId} is not registered`);
    const run = this.createRun(fn, old.event, { rerunOf: old.id });
    this.log(`run ${run.id} queued as a rerun of ${old.id}`);
    return run;
  }

  cancelRun(runId: string, reason = "cancelled"): boolean {
    const run = this.store.runs.get(runId);
    if (!run || TERMINAL.has(run.status)) return false;
    run.cancelReason = reason;
    this.finishRun(run, "cancelled", { error: { name: "Cancelled", message: reason } });
    return true;
  }

  // ───────────────────────────── queueing ─────────────────────────────

  private admit(item: WorkItem): Admission {
    const run = this.store.runs.get(item.runId);
    if (!run || TERMINAL.has(run.status)) return { kind: "drop" };
    const fn = this.functions.get(run.fnId);
    if (!fn) return { kind: "wait" }; // wait for a sync that brings the function
    if (run.status === "queued" && item.stepId === "step" && fn.throttle) return { kind: "go", fn, run, gate: () => this.flow.claimStart(fn, run) };
    return { kind: "go", fn, run };
  }

  private enqueueAt(at: number, item: WorkItem): void {
    if (at - Date.now() <= 0) return this.queue.enqueue(item);
    this.timers.set(item.runId, `item:${item.stepId}`, at, () => this.queue.enqueue(item));
  }

  private enqueueDiscovery(run: RunRec): void {
    if (this.queue.has(run.id, "step")) return;
    this.queue.enqueue({ runId: run.id, stepId: "step", attempt: 0, transportFailures: 0 });
  }

  finishRun(run: RunRec, status: "completed" | "failed" | "cancelled", r: { output?: unknown; error?: unknown }): void {
    if (TERMINAL.has(run.status)) return;
    this.active.delete(run.id);
    run.status = status;
    run.endedAt = Date.now();
    if ("output" in r) run.output = r.output;
    if ("error" in r) run.error = r.error;
    this.store.putRun(run);
    this.timers.clearOwner(run.id);
    this.queue.removeRun(run.id);
    for (const s of this.store.stepsOf(run.id).values()) {
      if (s.status !== "completed" && s.status !== "failed") {
        s.status = "failed";
        s.endedAt = Date.now();
        s.nextAt = undefined;
        if (status === "cancelled") s.result = { type: "error", error: { name: "Cancelled", message: "run cancelled" } };
        this.store.putStep(run.id, s);
      }
    }
    const took = fmtMs(run.endedAt - (run.startedAt ?? run.createdAt));
    if (status === "completed") this.log(`run ${run.id} completed: ${run.fnId} in ${took}`);
    else if (status === "failed") this.log(`run ${run.id} failed: ${run.fnId} after ${took}: ${errMessage(run.error)}`);
    else this.log(`run ${run.id} cancelled: ${run.fnId} (${run.cancelReason ?? "cancelled"})`);

    // Cancel invoked children of a cancelled/failed parent.
    if (status !== "completed") {
      for (const s of this.store.stepsOf(run.id).values()) {
        if (s.invoke?.childRunId) this.cancelRun(s.invoke.childRunId, `parent run ${run.id} ${status}`);
      }
    }
    if (run.parentRunId) this.waits.resolveInvoke(run);
    this.ingest(lifecycleEvents(run));
  }
}
