import { createHash } from "node:crypto";
import { evaluate, evaluateValue, nameMatches } from "./expressions.js";
import { type Op, parseFunctions, parseJson, SdkClient, type SdkReply, stepUrl } from "./protocol.js";
import { DEDUPE_WINDOW_MS, type Store } from "./store.js";
import {
  type EventRec,
  type FnConfig,
  type RunRec,
  type StepRec,
  type StepResult,
  TERMINAL,
} from "./types.js";
import { errMessage, fmtMs, type Logger, parseWhen, ulid } from "./util.js";

export interface SchedulerOptions {
  appUrls: string[];
  maxStepMs: number;
  pollIntervalMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  maxInFlight: number;
  /** Where the SDK should send events etc. (only used in logs). */
  log: Logger;
}

interface WorkItem {
  runId: string;
  /** "step" (discover / run next) or a step hash. */
  stepId: string;
  attempt: number;
  transportFailures: number;
  /** Queue order: older runs first (so started runs finish before new ones start), then FIFO. */
  rank?: string;
  seq?: number;
}

const MAX_TRANSPORT_FAILURES = 40;
export const FAILED_EVENT = "inngest/function.failed";
export const INVOKED_EVENT = "inngest/function.invoked";
export const CANCELLED_EVENT = "inngest/function.cancelled";
export const FINISHED_EVENT = "inngest/function.finished";

export class Scheduler {
  readonly functions = new Map<string, FnConfig>();
  private readonly sdk: SdkClient;
  private readonly ready: WorkItem[] = [];
  private readonly inFlightByBucket = new Map<string, number>();
  private inFlight = 0;
  private readonly inFlightByRun = new Map<string, number>();
  private readonly timers = new Map<string, Map<string, NodeJS.Timeout>>();
  private readonly appState = new Map<string, { synced: boolean; warnedDown: boolean; sig: string; inFlight?: Promise<boolean> }>();
  private pollTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private pumping = false;
  /** Ids of runs that are not finished (events are matched against these only). */
  private readonly active = new Set<string>();

  constructor(
    private readonly store: Store,
    private readonly opts: SchedulerOptions,
  ) {
    this.sdk = new SdkClient(opts.maxStepMs);
    for (const fns of store.apps.values()) for (const fn of fns) this.functions.set(fn.id, fn);
    for (const url of opts.appUrls) this.appState.set(url, { synced: false, warnedDown: false, sig: "" });
  }

  private get log() {
    return this.opts.log;
  }

  // ───────────────────────────── lifecycle ─────────────────────────────

  start(): void {
    this.recover();
    void this.syncAll();
    const poll = () => {
      if (this.stopped) return;
      this.pollTimer = setTimeout(() => {
        void this.syncAll().finally(poll);
      }, this.anyUnsynced() ? Math.min(1000, this.opts.pollIntervalMs) : this.opts.pollIntervalMs);
    };
    poll();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.pollTimer) clearTimeout(this.pollTimer);
    for (const m of this.timers.values()) for (const t of m.values()) clearTimeout(t);
    this.timers.clear();
    await this.sdk.close();
  }

  private anyUnsynced(): boolean {
    for (const s of this.appState.values()) if (!s.synced) return true;
    return false;
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
        switch (step.status) {
          case "planned":
          case "running":
            this.enqueue({ runId: run.id, stepId: step.hash, attempt: step.attempt, transportFailures: 0 });
            pending++;
            break;
          case "retrying":
            this.enqueueAt(step.nextAt ?? Date.now(), { runId: run.id, stepId: step.hash, attempt: step.attempt, transportFailures: 0 });
            pending++;
            break;
          case "sleeping":
            this.armSleep(run, step);
            pending++;
            break;
          case "waiting":
            this.armWaitTimeout(run, step);
            pending++;
            break;
          case "invoking": {
            pending++;
            const child = step.invoke?.childRunId ? this.store.runs.get(step.invoke.childRunId) : undefined;
            if (child && TERMINAL.has(child.status)) queueMicrotask(() => this.resolveInvoke(child));
            else this.armInvokeTimeout(run, step);
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

  // ───────────────────────────── sync ─────────────────────────────

  async syncAll(): Promise<void> {
    await Promise.all(this.opts.appUrls.map((u) => this.syncApp(u)));
  }

  syncApp(appUrl: string): Promise<boolean> {
    let st = this.appState.get(appUrl);
    if (!st) this.appState.set(appUrl, (st = { synced: false, warnedDown: false, sig: "" }));
    if (st.inFlight) return st.inFlight;
    const p = this.doSync(appUrl, st).finally(() => {
      st.inFlight = undefined;
    });
    st.inFlight = p;
    return p;
  }

  private async doSync(appUrl: string, st: { synced: boolean; warnedDown: boolean; sig: string }): Promise<boolean> {
    const reply = await this.sdk.call(appUrl, "PUT", { url: appUrl }, { "x-inngest-sync-kind": "in_band" });
    if (this.stopped) return false;
    if (reply.kind !== "http" || !reply.fromSdk || reply.status >= 300) {
      if (!st.warnedDown) {
        const why = reply.kind !== "http" ? reply.error : `HTTP ${reply.status}${reply.fromSdk ? "" : " (not an Inngest SDK reply)"}`;
        this.log(`app at ${appUrl} not reachable yet (${why}); retrying quietly`);
        st.warnedDown = true;
      }
      st.synced = false;
      return false;
    }
    const body = parseJson(reply.text) as { app_id?: string; functions?: unknown[] };
    if (!body || !Array.isArray(body.functions)) {
      // Out-of-band: the SDK registers itself through POST /fn/register.
      st.synced = true;
      return true;
    }
    this.register(appUrl, body.app_id ?? "app", body.functions);
    st.synced = true;
    st.warnedDown = false;
    return true;
  }

  /** Register an app's functions (in-band sync reply or out-of-band /fn/register). */
  register(appUrl: string, appId: string, rawFns: unknown[]): FnConfig[] {
    const fns = parseFunctions(appId, rawFns);
    const sig = JSON.stringify(fns);
    let st = this.appState.get(appUrl);
    if (!st) this.appState.set(appUrl, (st = { synced: true, warnedDown: false, sig: "" }));
    const prev = this.store.apps.get(appUrl);
    if (prev && JSON.stringify(prev) === sig) {
      st.sig = sig;
      return fns;
    }
    const removed = new Set<string>();
    for (const old of prev ?? []) {
      if (!fns.some((f) => f.id === old.id)) {
        this.functions.delete(old.id);
        removed.add(old.id);
      }
    }
    for (const fn of fns) this.functions.set(fn.id, fn);
    this.store.putApp(appUrl, fns);
    st.sig = sig;
    this.log(`synced app "${appId}" at ${appUrl}: ${fns.length} function(s) [${fns.map((f) => f.id).join(", ")}]`);
    for (const fn of fns) for (const w of fn.warnings) this.log(`warning: function ${fn.id}: ${w}`);
    for (const id of [...this.active]) {
      const run = this.store.runs.get(id);
      if (run && removed.has(run.fnId)) {
        this.finishRun(run, "failed", { error: { name: "Error", message: `function ${run.fnId} no longer exists in the app` } });
      }
    }
    this.pump();
    return fns;
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
    // 1. waitForEvent
    for (const run of live) {
      if (TERMINAL.has(run.status)) continue;
      for (const step of this.store.stepsOf(run.id).values()) {
        if (step.status !== "waiting" || !step.wait || step.wait.event !== ev.name) continue;
        if (!evaluate(step.wait.if, { event: run.event, async: ev })) continue;
        this.clearTimer(run.id, `wait:${step.hash}`);
        this.completeStep(run, step, { type: "data", data: ev });
      }
    }
    // 2. cancelOn
    for (const run of live) {
      if (TERMINAL.has(run.status)) continue;
      const fn = this.functions.get(run.fnId);
      if (!fn) continue;
      for (const c of fn.cancel) {
        if (c.event !== ev.name) continue;
        if (!evaluate(c.if, { event: run.event, async: ev })) continue;
        this.cancelRun(run.id, `cancelled by event ${ev.name} (${ev.id})`);
        break;
      }
    }
    // 3. triggers
    if (ev.name === INVOKED_EVENT) return;
    for (const fn of this.functions.values()) {
      const hit = fn.triggers.some(
        (t) => t.event !== undefined && nameMatches(t.event, ev.name) && evaluate(t.expression, { event: ev }),
      );
      if (hit) this.createRun(fn, ev);
    }
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
    this.store.putRun(run);
    this.active.add(run.id);
    this.enqueueDiscovery(run);
    return run;
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

  // ───────────────────────────── queue ─────────────────────────────

  private seq = 0;

  private enqueue(item: WorkItem): void {
    if (this.stopped) return;
    item.rank = item.runId; // run ids are ULIDs: sortable by creation, monotonic within a millisecond
    item.seq = ++this.seq;
    // binary insertion by (rank, seq)
    let lo = 0;
    let hi = this.ready.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const m = this.ready[mid]!;
      if (m.rank! < item.rank || (m.rank === item.rank && m.seq! < item.seq)) lo = mid + 1;
      else hi = mid;
    }
    this.ready.splice(lo, 0, item);
    this.pump();
  }

  private enqueueAt(at: number, item: WorkItem): void {
    const delay = at - Date.now();
    if (delay <= 0) return this.enqueue(item);
    this.setTimer(item.runId, `item:${item.stepId}`, at, () => this.enqueue(item));
  }

  private enqueueDiscovery(run: RunRec): void {
    if (this.ready.some((i) => i.runId === run.id && i.stepId === "step")) return;
    this.enqueue({ runId: run.id, stepId: "step", attempt: 0, transportFailures: 0 });
  }

  private buckets(fn: FnConfig, run: RunRec): Array<{ key: string; limit: number }> {
    return fn.concurrency.map((c) => {
      const keyVal = c.key ? JSON.stringify(evaluateValue(c.key, { event: run.event }) ?? null) : "";
      const scope = c.scope ?? "fn";
      const key = scope === "fn" ? `fn:${fn.id}:${keyVal}` : `${scope}:${c.key ?? ""}:${keyVal}`;
      return { key, limit: c.limit };
    });
  }

  private pump(): void {
    if (this.pumping || this.stopped) return;
    this.pumping = true;
    try {
      for (let i = 0; i < this.ready.length && this.inFlight < this.opts.maxInFlight; ) {
        const item = this.ready[i]!;
        const run = this.store.runs.get(item.runId);
        if (!run || TERMINAL.has(run.status)) {
          this.ready.splice(i, 1);
          continue;
        }
        const fn = this.functions.get(run.fnId);
        if (!fn) {
          i++; // wait for a sync that brings the function
          continue;
        }
        const buckets = this.buckets(fn, run);
        if (buckets.some((b) => (this.inFlightByBucket.get(b.key) ?? 0) >= b.limit)) {
          i++;
          continue;
        }
        this.ready.splice(i, 1);
        for (const b of buckets) this.inFlightByBucket.set(b.key, (this.inFlightByBucket.get(b.key) ?? 0) + 1);
        this.inFlight++;
        this.inFlightByRun.set(run.id, (this.inFlightByRun.get(run.id) ?? 0) + 1);
        void this.execute(fn, run, item).finally(() => {
          for (const b of buckets) {
            const n = (this.inFlightByBucket.get(b.key) ?? 1) - 1;
            if (n <= 0) this.inFlightByBucket.delete(b.key);
            else this.inFlightByBucket.set(b.key, n);
          }
          this.inFlight--;
          const r = (this.inFlightByRun.get(run.id) ?? 1) - 1;
          if (r <= 0) this.inFlightByRun.delete(run.id);
          else this.inFlightByRun.set(run.id, r);
          this.pump();
        });
      }
    } finally {
      this.pumping = false;
    }
  }

  /** Number of executing SDK requests (for tests and the dashboard). */
  stats(): { inFlight: number; ready: number; buckets: Record<string, number> } {
    return { inFlight: this.inFlight, ready: this.ready.length, buckets: Object.fromEntries(this.inFlightByBucket) };
  }

  // ───────────────────────────── execution ─────────────────────────────

  private maxAttempts(fn: FnConfig): number {
    return fn.retries + 1;
  }

  private async execute(fn: FnConfig, run: RunRec, item: WorkItem): Promise<void> {
    const steps = this.store.stepsOf(run.id);
    if (run.status === "queued") {
      run.status = "running";
      run.startedAt = Date.now();
      this.store.putRun(run);
      this.log(`run ${run.id} started: ${fn.id} (event ${run.event.name})`);
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
    const reply = await this.sdk.call(stepUrl(fn.url, item.stepId), "POST", body);
    if (this.stopped || TERMINAL.has(run.status)) return;
    this.handleReply(fn, run, item, reply, started);
  }

  private backoff(attempt: number, headers?: Record<string, string>): number {
    const ra = headers?.["retry-after"];
    if (ra) {
      const secs = Number(ra);
      if (!Number.isNaN(secs)) return Math.max(0, secs * 1000);
      const at = Date.parse(ra);
      if (!Number.isNaN(at)) return Math.max(0, at - Date.now());
    }
    const base = this.opts.backoffBaseMs * 2 ** attempt;
    const jitter = base * (0.75 + Math.random() * 0.5);
    return Math.min(this.opts.backoffMaxMs, Math.round(jitter));
  }

  private handleReply(fn: FnConfig, run: RunRec, item: WorkItem, reply: SdkReply, started: number): void {
    // A step that outlived the max step duration: a failed attempt like any other error.
    if (reply.kind === "timeout") {
      const error = { name: "TimeoutError", message: reply.error };
      if (item.stepId !== "step") {
        const step = this.store.stepsOf(run.id).get(item.stepId);
        if (step && step.status !== "completed" && step.status !== "failed") {
          return this.handleOp(fn, run, item, { id: step.hash, op: "StepError", name: step.name, userland: { id: step.id }, error }, {}, started);
        }
      }
      return this.handleReply(fn, run, item, { kind: "http", status: 500, headers: {}, text: JSON.stringify(error), fromSdk: true }, started);
    }
    // The app is down, restarting, or answered with something that is not the SDK (a framework error page).
    if (reply.kind === "transport" || !reply.fromSdk) {
      const why = reply.kind === "transport" ? reply.error : `HTTP ${reply.status} without x-inngest-sdk header`;
      item.transportFailures++;
      if (item.transportFailures >= MAX_TRANSPORT_FAILURES) {
        return this.finishRun(run, "failed", { error: { name: "Error", message: `app unreachable: ${why}` } });
      }
      const delay = Math.min(this.backoff(Math.min(item.transportFailures, 6)), 10_000);
      if (item.transportFailures === 1) this.log(`run ${run.id}: app not reachable (${why}); retrying`);
      this.markRetrying(run, item);
      this.enqueueAt(Date.now() + delay, item);
      return;
    }
    const { status, headers, text } = reply;
    const payload = parseJson(text);
    if (status === 200) {
      return this.finishRun(run, "completed", { output: payload });
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
      return this.finishRun(run, "failed", { error: payload });
    }
    // A function-level error (thrown outside any step), or a function the app does not know (yet).
    const message = errMessage(payload);
    if (/was not found in this app|could not find function|function not found/i.test(message) && item.transportFailures < 3) {
      item.transportFailures++;
      this.log(`run ${run.id}: app does not know ${fn.id}; re-syncing`);
      void this.syncApp(this.appUrlOf(fn)).finally(() => {
        if (TERMINAL.has(run.status)) return;
        if (!this.functions.has(fn.id)) {
          return this.finishRun(run, "failed", { error: { name: "Error", message: `function ${fn.id} no longer exists in the app` } });
        }
        this.enqueueAt(Date.now() + this.backoff(0), item);
      });
      return;
    }
    const next = item.attempt + 1;
    if (noRetry || next >= this.maxAttempts(fn)) {
      return this.finishRun(run, "failed", { error: payload });
    }
    const delay = this.backoff(item.attempt, headers);
    run.attempts = next;
    (run.errors ??= []).push({ attempt: item.attempt, at: Date.now(), error: payload });
    this.store.putRun(run);
    this.log(`run ${run.id}: function errored (attempt ${next}/${this.maxAttempts(fn)}): ${message}; retrying in ${fmtMs(delay)}`);
    this.markRetrying(run, { ...item, attempt: next });
    this.enqueueAt(Date.now() + delay, { ...item, attempt: next, transportFailures: 0 });
  }

  private markRetrying(run: RunRec, item: WorkItem): void {
    if (item.stepId === "step") return;
    const step = this.store.stepsOf(run.id).get(item.stepId);
    if (step && step.status === "running") {
      step.status = "planned";
      step.attempt = item.attempt;
    }
  }

  private appUrlOf(fn: FnConfig): string {
    for (const [url, fns] of this.store.apps) if (fns.some((f) => f.id === fn.id)) return url;
    return this.opts.appUrls[0] ?? "";
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
    const steps = this.store.stepsOf(run.id);
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
        this.store.putRun(run);
        this.store.putStep(run.id, step);
        this.log(
          `run ${run.id}: step "${step.id}" errored (attempt ${next}/${this.maxAttempts(fn)}): ${errMessage(op.error)}; retrying in ${fmtMs(delay)}`,
        );
        this.enqueueAt(step.nextAt, { runId: run.id, stepId: step.hash, attempt: next, transportFailures: 0 });
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
          this.store.putRun(run);
        }
        this.store.putStep(run.id, step);
        this.enqueue({ runId: run.id, stepId: step.hash, attempt: 0, transportFailures: 0 });
        return;
      }
      case "Sleep": {
        step.status = "sleeping";
        step.wakeAt = parseWhen(op.name) ?? parseWhen(op.opts?.duration) ?? Date.now();
        this.store.putStep(run.id, step);
        this.log(`run ${run.id}: step "${step.id}" sleeping until ${new Date(step.wakeAt).toISOString()}`);
        this.armSleep(run, step);
        return;
      }
      case "WaitForEvent": {
        step.status = "waiting";
        const timeoutAt = parseWhen(op.opts?.timeout);
        step.wait = { event: String(op.name ?? op.opts?.event), if: op.opts?.if as string | undefined, timeoutAt };
        this.store.putStep(run.id, step);
        this.log(`run ${run.id}: step "${step.id}" waiting for event ${step.wait.event}`);
        this.armWaitTimeout(run, step);
        return;
      }
      case "InvokeFunction": {
        const target = String(op.opts?.function_id ?? "");
        const payload = (op.opts?.payload ?? {}) as { data?: Record<string, unknown>; v?: string };
        const tfn = this.functions.get(target);
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
        this.store.putEvent(ev);
        const child = this.createRun(tfn, ev, { parentRunId: run.id, parentStepHash: step.hash });
        step.invoke.childRunId = child.id;
        this.store.putStep(run.id, step);
        this.log(`run ${run.id}: step "${step.id}" invoked ${target} (run ${child.id})`);
        this.armInvokeTimeout(run, step);
        return;
      }
      case "RunComplete":
        this.finishRun(run, "completed", { output: op.data ?? null });
        return;
      default:
        this.finishRun(run, "failed", {
          error: { name: "Error", message: `op ${op.op} is not supported by the local engine` },
        });
    }
  }

  private completeStep(run: RunRec, step: StepRec, result: StepResult, status: "completed" | "failed" = "completed"): void {
    step.result = result;
    step.status = status;
    step.endedAt = Date.now();
    step.nextAt = undefined;
    run.stack.push(step.hash);
    this.store.putStep(run.id, step);
    this.store.putRun(run);
    const took = step.startedAt ? ` in ${fmtMs(step.endedAt - step.startedAt)}` : "";
    if (status === "completed") this.log(`run ${run.id}: step "${step.id}" completed${took}`);
    else this.log(`run ${run.id}: step "${step.id}" failed${took}: ${errMessage((result as { error: unknown }).error)}`);
    this.enqueueDiscovery(run);
  }

  private armSleep(run: RunRec, step: StepRec): void {
    this.setTimer(run.id, `sleep:${step.hash}`, step.wakeAt ?? Date.now(), () => {
      if (TERMINAL.has(run.status) || step.status !== "sleeping") return;
      this.completeStep(run, step, { type: "data", data: null });
    });
  }

  private armWaitTimeout(run: RunRec, step: StepRec): void {
    if (step.wait?.timeoutAt === undefined) return;
    this.setTimer(run.id, `wait:${step.hash}`, step.wait.timeoutAt, () => {
      if (TERMINAL.has(run.status) || step.status !== "waiting") return;
      this.log(`run ${run.id}: step "${step.id}" timed out waiting for ${step.wait?.event}`);
      this.completeStep(run, step, { type: "data", data: null });
    });
  }

  private armInvokeTimeout(run: RunRec, step: StepRec): void {
    if (step.invoke?.timeoutAt === undefined) return;
    this.setTimer(run.id, `invoke:${step.hash}`, step.invoke.timeoutAt, () => {
      if (TERMINAL.has(run.status) || step.status !== "invoking") return;
      this.completeStep(
        run,
        step,
        { type: "error", error: { name: "InngestInvokeTimeoutError", message: "Timed out waiting for invoked function to complete" } },
        "failed",
      );
    });
  }

  private resolveInvoke(child: RunRec): void {
    if (!child.parentRunId || !child.parentStepHash) return;
    const parent = this.store.runs.get(child.parentRunId);
    if (!parent || TERMINAL.has(parent.status)) return;
    const step = this.store.stepsOf(parent.id).get(child.parentStepHash);
    if (!step || step.status !== "invoking") return;
    this.clearTimer(parent.id, `invoke:${step.hash}`);
    if (child.status === "completed") this.completeStep(parent, step, { type: "data", data: child.output ?? null });
    else this.completeStep(parent, step, { type: "error", error: child.error ?? { name: "Error", message: `invoked run ${child.status}` } }, "failed");
  }

  private finishRun(run: RunRec, status: "completed" | "failed" | "cancelled", r: { output?: unknown; error?: unknown }): void {
    if (TERMINAL.has(run.status)) return;
    this.active.delete(run.id);
    run.status = status;
    run.endedAt = Date.now();
    if ("output" in r) run.output = r.output;
    if ("error" in r) run.error = r.error;
    this.store.putRun(run);
    const t = this.timers.get(run.id);
    if (t) for (const h of t.values()) clearTimeout(h);
    this.timers.delete(run.id);
    for (let i = this.ready.length - 1; i >= 0; i--) if (this.ready[i]!.runId === run.id) this.ready.splice(i, 1);
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
    if (run.parentRunId) this.resolveInvoke(run);
    const meta = { function_id: run.fnId, run_id: run.id };
    const internal: Array<Record<string, unknown>> = [];
    if (status === "failed") internal.push({ name: FAILED_EVENT, data: { ...meta, error: run.error, event: run.event } });
    if (status === "cancelled") internal.push({ name: CANCELLED_EVENT, data: { ...meta, event: run.event } });
    internal.push({
      name: FINISHED_EVENT,
      data: { ...meta, correlation_id: run.parentRunId ? `${run.parentRunId}.${run.parentStepHash}` : undefined, ...(status === "completed" ? { result: run.output } : { error: run.error }) },
    });
    this.ingest(internal);
  }

  // ───────────────────────────── timers ─────────────────────────────

  private setTimer(runId: string, key: string, at: number, fn: () => void): void {
    let m = this.timers.get(runId);
    if (!m) this.timers.set(runId, (m = new Map()));
    const old = m.get(key);
    if (old) clearTimeout(old);
    const delay = Math.max(0, at - Date.now());
    // setTimeout caps at ~24.8 days: re-arm for long sleeps.
    const h = setTimeout(
      () => {
        m.delete(key);
        if (this.stopped) return;
        if (Date.now() < at - 5) return this.setTimer(runId, key, at, fn);
        fn();
      },
      Math.min(delay, 2 ** 31 - 1),
    );
    m.set(key, h);
  }

  private clearTimer(runId: string, key: string): void {
    const m = this.timers.get(runId);
    const h = m?.get(key);
    if (h) clearTimeout(h);
    m?.delete(key);
  }
}

export const sha1 = (s: string) => createHash("sha1").update(s).digest("hex");
