import { evaluate } from "./expressions.js";
import type { Store } from "./store.js";
import type { Timers } from "./timers.js";
import { type EventRec, type RunRec, type StepRec, type StepResult, TERMINAL } from "./types.js";
import type { Logger } from "./util.js";

export type CompleteStep = (run: RunRec, step: StepRec, result: StepResult, status?: "completed" | "failed") => void;

/**
 * Paused steps and what wakes them: a sleep's wake time, a waitForEvent's matching event or
 * timeout, an invoked child run's end or the invoke's timeout.
 */
export class Waits {
  constructor(
    private readonly store: Store,
    private readonly timers: Timers,
    private readonly complete: CompleteStep,
    private readonly log: Logger,
  ) {}

  armSleep(run: RunRec, step: StepRec): void {
    this.timers.set(run.id, `sleep:${step.hash}`, step.wakeAt ?? Date.now(), () => {
      if (TERMINAL.has(run.status) || step.status !== "sleeping") return;
      this.complete(run, step, { type: "data", data: null });
    });
  }

  armWaitTimeout(run: RunRec, step: StepRec): void {
    if (step.wait?.timeoutAt === undefined) return;
    this.timers.set(run.id, `wait:${step.hash}`, step.wait.timeoutAt, () => {
      if (TERMINAL.has(run.status) || step.status !== "waiting") return;
      this.log(`run ${run.id}: step "${step.id}" timed out waiting for ${step.wait?.event}`);
      this.complete(run, step, { type: "data", data: null });
    });
  }

  /** Deliver an event to every waitForEvent it matches. */
  deliver(live: RunRec[], ev: EventRec): void {
    for (const run of live) {
      if (TERMINAL.has(run.status)) continue;
      for (const step of this.store.stepsOf(run.id).values()) {
        if (step.status !== "waiting" || !step.wait || step.wait.event !== ev.name) continue;
        if (!evaluate(step.wait.if, { event: run.event, async: ev })) continue;
        this.timers.clear(run.id, `wait:${step.hash}`);
        this.complete(run, step, { type: "data", data: ev });
      }
    }
  }

  armInvokeTimeout(run: RunRec, step: StepRec): void {
    if (step.invoke?.timeoutAt === undefined) return;
    this.timers.set(run.id, `invoke:${step.hash}`, step.invoke.timeoutAt, () => {
      if (TERMINAL.has(run.status) || step.status !== "invoking") return;
      this.complete(
        run,
        step,
        { type: "error", error: { name: "InngestInvokeTimeoutError", message: "Timed out waiting for invoked function to complete" } },
        "failed",
      );
    });
  }

  /** An invoked child run ended: its result (or error) completes the parent's invoke step. */
  resolveInvoke(child: RunRec): void {
    if (!child.parentRunId || !child.parentStepHash) return;
    const parent = this.store.runs.get(child.parentRunId);
    if (!parent || TERMINAL.has(parent.status)) return;
    const step = this.store.stepsOf(parent.id).get(child.parentStepHash);
    if (!step || step.status !== "invoking") return;
    this.timers.clear(parent.id, `invoke:${step.hash}`);
    if (child.status === "completed") this.complete(parent, step, { type: "data", data: child.output ?? null });
    else this.complete(parent, step, { type: "error", error: child.error ?? { name: "Error", message: `invoked run ${child.status}` } }, "failed");
  }
}
