import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import * as q from "@/db/queries";
import { OPEN_STATUSES, RUN_STATUSES } from "@/lib/sessions/status";
import { DRIVERS, freshDatabase } from "../support/databases";

function newSession(ownerId: string, over: Partial<q.NewSession> = {}): q.NewSession {
  return {
    id: randomUUID(),
    ownerId,
    title: "Weekly sync",
    fileName: "sync.mp3",
    contentType: "audio/mpeg",
    fileSize: 1234,
    deleteAfterAnalysis: false,
    ...over,
  };
}

// The same behaviour on the embedded default, on PostgreSQL and through the Neon driver.
describe.each(DRIVERS)("database layer on %s", (driver) => {
  let db: Database;
  let dispose: () => Promise<void>;

  beforeAll(async () => {
    const h = await freshDatabase(driver);
    db = h.db;
    dispose = h.dispose;
  });
  afterAll(async () => dispose?.());

  it("creates a session with a first stage-log entry and lists only the owner's, newest first", async () => {
    const owner = randomUUID();
    const a = await q.insertSession(db, newSession(owner, { title: "first" }));
    await new Promise((r) => setTimeout(r, 5));
    const b = await q.insertSession(db, newSession(owner, { title: "second" }));
    await q.insertSession(db, newSession(randomUUID(), { title: "someone else's" }));

    expect(a.status).toBe("awaiting_upload");
    expect((await q.listOwnedSessions(db, owner)).map((s) => s.id)).toEqual([b.id, a.id]);
    expect(await q.findOwnedSession(db, a.id, randomUUID())).toBeUndefined();
    const log = await q.stageLogFor(db, a.id);
    expect(log).toHaveLength(1);
    expect(log[0]!.status).toBe("awaiting_upload");
  });

  it("queues exactly once when two acknowledgements race, keeping one generation", async () => {
    const s = await q.insertSession(db, newSession(randomUUID()));
    const [r1, r2] = await Promise.all([
      q.queueSession(db, s.id, ["awaiting_upload"], { audioKey: "k", message: "Upload received" }),
      q.queueSession(db, s.id, ["awaiting_upload"], { audioKey: "k", message: "Upload received" }),
    ]);
    expect([r1!.changed, r2!.changed].sort()).toEqual([false, true]);
    expect(r1!.row.generation).toBe(1);
    expect(r2!.row.generation).toBe(1);
    expect(r1!.row.status).toBe("queued");
    const queuedEntries = (await q.stageLogFor(db, s.id)).filter((l) => l.status === "queued");
    expect(queuedEntries).toHaveLength(1);
  });

  it("fences run updates by generation and status: a cancelled session stays cancelled", async () => {
    const s = await q.insertSession(db, newSession(randomUUID()));
    const { row } = (await q.queueSession(db, s.id, ["awaiting_upload"], { audioKey: "k", message: "m" }))!;
    expect(await q.applyRunUpdate(db, s.id, row.generation, RUN_STATUSES, { status: "processing", stage: "preparing", progress: 5, attempt: 1 })).toBe(true);
    expect(await q.applyRunUpdate(db, s.id, row.generation + 1, RUN_STATUSES, { status: "processing", progress: 50 })).toBe(false);
    expect(await q.cancelSession(db, s.id, OPEN_STATUSES)).toBe(true);
    expect(await q.applyRunUpdate(db, s.id, row.generation, RUN_STATUSES, { status: "processing", progress: 60 })).toBe(false);
    const after = (await q.findSession(db, s.id))!;
    expect(after.status).toBe("cancelled");
    expect(after.progress).toBe(5);
    expect(await q.cancelSession(db, s.id, OPEN_STATUSES)).toBe(false);

    const retried = (await q.queueSession(db, s.id, ["failed", "cancelled"], { message: "Retry requested" }))!;
    expect(retried.changed).toBe(true);
    expect(retried.row.generation).toBe(row.generation + 1);
    expect(retried.row.progress).toBe(0);
  });

  it("records progress from transcribed chunks and writes the transcript idempotently", async () => {
    const s = await q.insertSession(db, newSession(randomUUID()));
    await q.replaceChunks(db, s.id, [
      { index: 0, startSec: 0, endSec: 30, blobKey: "c0", sizeBytes: 10 },
      { index: 1, startSec: 30, endSec: 45, blobKey: "c1", sizeBytes: 10 },
    ]);
    const first = await q.saveChunkSegments(db, s.id, 1, [{ start: 31, end: 44, text: "second part" }]);
    expect(first).toEqual({ chunksDone: 1, secondsDone: 15 });
    const again = await q.saveChunkSegments(db, s.id, 1, [{ start: 31, end: 44, text: "second part" }]);
    expect(again.chunksDone).toBe(1);
    const both = await q.saveChunkSegments(db, s.id, 0, [{ start: 0.5, end: 29, text: "first part", speaker: "A" }]);
    expect(both).toEqual({ chunksDone: 2, secondsDone: 45 });

    const segments = (await q.listChunks(db, s.id)).flatMap((c) => c.segments ?? []);
    for (let i = 0; i < 2; i++) {
      const t = await q.saveTranscript(db, s.id, { provider: "local:test", segments });
      expect(t).toEqual({ text: "first part second part", segmentCount: 2 });
    }
    const stored = (await q.findTranscript(db, s.id))!;
    expect(stored.segments).toEqual([
      { start: 0.5, end: 29, text: "first part", speaker: "A" },
      { start: 31, end: 44, text: "second part", speaker: null },
    ]);
  });

  it("keeps the stretches a chunk could not transcribe, through the chunk row to the transcript", async () => {
    const s = await q.insertSession(db, newSession(randomUUID()));
    await q.replaceChunks(db, s.id, [{ index: 0, startSec: 0, endSec: 60, blobKey: "c0", sizeBytes: 10 }]);
    const lost = [{ start: 26.1, end: 52.7 }];
    await q.saveChunkSegments(db, s.id, 0, [{ start: 0, end: 25, text: "first half" }], lost);
    const [chunk] = await q.listChunks(db, s.id);
    expect(chunk?.untranscribed).toEqual(lost);
    await q.saveTranscript(db, s.id, { provider: "p", segments: chunk?.segments ?? [], untranscribed: chunk?.untranscribed ?? [] });
    expect((await q.findTranscript(db, s.id))?.untranscribed).toEqual(lost);
    // A transcript without gaps says so with an empty list, not null.
    await q.saveTranscript(db, s.id, { provider: "p", segments: [] });
    expect((await q.findTranscript(db, s.id))?.untranscribed).toEqual([]);
  });

  it("stores a long transcript in batches and an analysis that a second write replaces", async () => {
    const s = await q.insertSession(db, newSession(randomUUID()));
    const segments = Array.from({ length: 1203 }, (_, i) => ({ start: i, end: i + 0.9, text: `word${i}` }));
    await q.saveTranscript(db, s.id, { provider: "p", segments });
    expect((await q.findTranscript(db, s.id))!.segments).toHaveLength(1203);

    const metrics = {
      durationSec: 10, wordCount: 3, wordsPerMinute: 18, speakingSec: 8, silentSec: 2, longestPauseSec: 1,
      fillerCount: 0, fillerRatePerMin: 0, fillers: {}, keywords: ["word"],
    };
    const insights = { provider: "local", summary: "s1", keyPoints: [], decisions: [], actionItems: [], topics: [], questions: [] };
    await q.saveAnalysis(db, s.id, { noSpeech: false, metrics, insights });
    await q.saveAnalysis(db, s.id, { noSpeech: false, metrics, insights: { ...insights, summary: "s2" } });
    expect((await q.findAnalysis(db, s.id))!.insights.summary).toBe("s2");
  });

  it("deleting a session removes its log, chunks, transcript and analysis", async () => {
    const s = await q.insertSession(db, newSession(randomUUID()));
    await q.replaceChunks(db, s.id, [{ index: 0, startSec: 0, endSec: 1, blobKey: "c", sizeBytes: 1 }]);
    await q.saveTranscript(db, s.id, { provider: "p", segments: [{ start: 0, end: 1, text: "hi" }] });
    await q.deleteSessionRow(db, s.id);
    expect(await q.findSession(db, s.id)).toBeUndefined();
    expect(await q.stageLogFor(db, s.id)).toEqual([]);
    expect(await q.listChunks(db, s.id)).toEqual([]);
    expect(await q.findTranscript(db, s.id)).toBeUndefined();
  });
});
