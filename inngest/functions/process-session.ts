import { NonRetriableError, RetryAfterError } from "inngest";
import { config } from "@/lib/config";
import { errorMessage, PermanentError, TransientError } from "@/lib/errors";
import * as steps from "@/lib/pipeline/steps";
import { recordFailedAttempt } from "@/lib/pipeline/attempts";
import { pipelineDeps } from "@/lib/pipeline/deps";
import { inngest } from "../client";
import { finishedEventId, sessionCancelled, sessionCompleted, sessionFailed, sessionUploaded, sessionUploadedData } from "../events";

type Retries = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10 | 11 | 12 | 13 | 14 | 15 | 16 | 17 | 18 | 19 | 20;

/**
 * Runs one step body, has a failed attempt recorded for the person, and
 * translates domain errors into the SDK's retry semantics.
 */
async function attemptStep<T>(ctx: steps.RunContext, what: string, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    await recordFailedAttempt((await pipelineDeps()).db, ctx, what, err);
    if (err instanceof PermanentError) throw new NonRetriableError(errorMessage(err), { cause: err });
    if (err instanceof TransientError && err.retryAfterMs !== undefined) {
      throw new RetryAfterError(errorMessage(err), Math.max(1000, err.retryAfterMs), { cause: err });
    }
    throw err;
  }
}

/** Chunks in batches of CHUNK_PARALLELISM, so 1 means strictly one after another (PREPARE_MODE=sequential). */
function batches<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * fn over the items in order, at most `width` at a time, the next starting as soon as any
 * finishes. Deterministic under replay, as step ids must be: each memoized step resumes the
 * worker that ran it in the order the steps completed, and the ids depend only on the item.
 */
async function inWindow<T>(items: readonly T[], width: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, width), items.length) }, worker));
}

/**
 * Parts cut at once by cut steps. A constant, not the machine's core count: the steps a
 * function discovers must not depend on where an invocation ran. Two keep the cutting ahead
 * of the transcription without delaying the first part (four encodes on two cores here made
 * each one take twice as long).
 */
const CUT_WIDTH = 2;

/**
 * Race mode: Inngest's optimised parallelism otherwise waits for every parallel step in
 * flight to end before it looks for the next ones, so a part's transcription could not start
 * until the parts cut beside it were done, and the window above would move in batches. With
 * it, each finished step lets its own chain go on (the server asks for the next steps at once).
 */
const RACE = { parallelMode: "race" } as const;

/** A promise settled from outside (Promise.withResolvers needs Node 22). */
function deferred(): { promise: Promise<void>; resolve: () => void; reject: (err: unknown) => void } {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

export const processSession = inngest.createFunction(
  {
    id: "process-session",
    name: "Process a recording",
    triggers: [sessionUploaded],
    retries: Math.min(20, config().PROCESSING_RETRIES) as Retries,
    // Two limits (Inngest's maximum): all recordings together, and each owner's, so one person's
    // 30 uploads cannot take every slot. Both count executing steps.
    concurrency: [
      { limit: config().PROCESSING_CONCURRENCY },
      { key: "event.data.ownerId", limit: Math.min(config().PROCESSING_CONCURRENCY, config().PROCESSING_CONCURRENCY_PER_OWNER) },
    ],
    // Short recordings first, urgent ones before all (seconds ahead in the queue; see lib/sessions/priority.ts).
    priority: { run: "event.data.priority" },
    cancelOn: [{ event: sessionCancelled, match: "data.sessionId" }],
    onFailure: async ({ event, error, logger, step }) => {
      // The failed run's own trigger, carried inside inngest/function.failed: validated like any payload.
      const original = sessionUploadedData.safeParse(event.data.event.data);
      if (!original.success) {
        logger.error("process-session failed for an event without a valid session", original.error.issues);
        return;
      }
      const deps = await pipelineDeps();
      const failed = await step.run("mark-failed", () => steps.markFailed(deps, original.data, readableReason(error)));
      // Only when this run still held the session: a cancelled or superseded run's failure is nobody's news.
      if (failed) {
        const { sessionId, generation } = original.data;
        await step.sendEvent(
          "announce-failed",
          sessionFailed.create({ sessionId, generation, reason: "processing" }, { id: finishedEventId("failed", sessionId, generation) }),
        );
      }
    },
  },
  async ({ event, step, attempt, runId }) => {
    const ctx = { sessionId: event.data.sessionId, generation: event.data.generation, attempt: attempt + 1, runId };
    const deps = await pipelineDeps();

    const prepared = await step.run("prepare", () => attemptStep(ctx, "Preparing", () => steps.prepare(deps, ctx)));
    if (!prepared.active) return { skipped: "session no longer active" };

    const todo = prepared.chunks.filter((c) => !c.done);
    // No more parts in flight than the transcriber works on at once: the rest would only wait
    // inside it (the local model's decode queue), each holding a concurrency slot, so a short
    // recording's steps would wait for a long one's parts to finish decoding.
    const width = Math.min(config().CHUNK_PARALLELISM, (await deps.transcriber()).parallelism ?? Infinity);
    const transcribe = (c: steps.PlannedChunk, opts: { parallelMode?: "race" } = {}) =>
      step.run({ id: `transcribe-${c.index}`, ...opts }, () =>
        attemptStep(ctx, `Transcribing part ${c.index + 1}`, () => steps.transcribeChunk(deps, ctx, c.index)),
      );
    if (config().PREPARE_MODE === "sequential") {
      for (const batch of batches(todo, width)) await Promise.all(batch.map((c) => transcribe(c)));
    } else {
      // Parts still to be cut (remote providers' Opus parts) are cut CUT_WIDTH at a time in
      // order, and each part's transcription starts once its own part is stored, while later
      // parts are still being cut; at most `width` parts transcribe at once.
      const toCut = todo.filter((c) => c.cut === false);
      const cutDone = new Map(toCut.map((c) => [c.index, deferred()] as const));
      // A failed cut fails the run through the cutting window below; waiting parts need not report it twice.
      for (const d of cutDone.values()) d.promise.catch(() => {});
      await Promise.all([
        inWindow(toCut, CUT_WIDTH, async (c) => {
          const d = cutDone.get(c.index)!;
          try {
            await step.run({ id: `cut-${c.index}`, ...RACE }, () =>
              attemptStep(ctx, `Cutting part ${c.index + 1}`, () => steps.cutPart(deps, ctx, c.index)),
            );
            d.resolve();
          } catch (err) {
            d.reject(err);
            throw err;
          }
        }),
        inWindow(todo, width, async (c) => {
          await cutDone.get(c.index)?.promise;
          await transcribe(c, RACE);
        }),
      ]);
    }

    const merged = await step.run("merge", () => attemptStep(ctx, "Merging", () => steps.merge(deps, ctx)));
    if (!merged.active) return { skipped: "session no longer active" };
    await step.run("analyze", () => attemptStep(ctx, "Analysing", () => steps.analyze(deps, ctx)));
    const done = await step.run("finalize", () => attemptStep(ctx, "Finalising", () => steps.finalize(deps, ctx)));
    if (done.active) {
      await step.sendEvent(
        "announce-completed",
        sessionCompleted.create(
          { sessionId: ctx.sessionId, generation: ctx.generation },
          { id: finishedEventId("completed", ctx.sessionId, ctx.generation) },
        ),
      );
    }
    return { sessionId: ctx.sessionId, chunks: prepared.chunks.length, words: merged.words, ...done };
  },
);

/** The SDK wraps step errors; the person needs the innermost message, without stack noise. */
function readableReason(error: unknown): string {
  const msg = errorMessage(error).replace(/^(NonRetriableError|Error|StepError):\s*/i, "").trim();
  return msg || "Processing failed for an unknown reason.";
}
