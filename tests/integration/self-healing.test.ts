/**
 * Self-healing and cancellation through the real engine, with short durations:
 * the engine loses every run (its data directory is deleted under a running session)
 * and the sweep brings the session to completion on its own; an abandoned upload
 * expires; a run cancelled in the engine's API leaves the session cancelled.
 */
import fsp from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureFixtures, type Fixtures } from "@/scripts/fixtures-lib";
import { type Harness, listFiles, OWNER, startPipelineHarness, waitFor } from "../support/pipeline-harness";

const MODEL_DIR = path.resolve(import.meta.dirname, "..", "..", ".data", "models", "moonshine-tiny");

let h: Harness;
let fx: Fixtures;

beforeAll(async () => {
  const { ensureLocalModel } = await import("@/scripts/setup-model");
  await ensureLocalModel(MODEL_DIR);
  fx = await ensureFixtures();
  h = await startPipelineHarness({
    env: {
      TRANSCRIPTION_PROVIDER: "local",
      ANALYSIS_PROVIDER: "local",
      MOONSHINE_MODEL_DIR: MODEL_DIR,
      CHUNK_SECONDS: "5",
      CHUNK_PARALLELISM: "1",
      SWEEP_CRON: "@every 1s",
      STALE_RUN_AFTER: "20s",
      AUTO_RECOVERY_ATTEMPTS: "2",
      UPLOAD_EXPIRES_AFTER: "15s",
    },
  });
}, 180_000);

afterAll(async () => {
  await h?.stop();
});

describe("self-healing", () => {
  it("a session whose run the engine lost completes on its own after STALE_RUN_AFTER", async () => {
    const row = await h.createAndUpload(fx.librivox.mp3);
    await waitFor(async () => {
      const s = await h.session(row.id);
      return s.status === "processing" && s.chunksDone >= 1 ? s : undefined;
    }, 60_000, "transcription to be under way");

    // Every run, queued step and timer is gone: nothing will ever finish generation 1.
    await h.restartEngine({ wipeData: true });
    const lost = await h.session(row.id);
    expect(lost.status).toBe("processing");

    const done = await h.waitForStatus(row.id, ["completed"], 120_000);
    expect(done.generation).toBeGreaterThan(lost.generation);
    expect(done.recoveries).toBe(done.generation - 1);
    const log = await h.q.stageLogFor(h.db, row.id);
    expect(log.some((l) => /Self-healing: no progress for 20s/.test(l.message ?? ""))).toBe(true);
    // The new run reused the parts the lost one had transcribed.
    const view = await h.detail(row.id);
    expect(view.transcript!.text.toLowerCase()).toContain("dashwood");
  }, 240_000);

  it("an upload that never finished ends with a reason, and its partial files are removed", async () => {
    const body = h.app.service.createSessionBody.parse({ fileName: "half.mp3", fileSize: 1_000_000 });
    const created = await h.app.service.createSession(h.deps, OWNER, body);
    // What a broken upload leaves: some bytes under the session's prefix.
    const { blobKeys } = await import("@/lib/storage/types");
    await h.store.write(blobKeys.audio(created.id, "half.mp3"), Readable.from([Buffer.alloc(1000)]), { contentType: "audio/mpeg" });
    expect(await listFiles(path.join(h.dataDir, "blobs", "sessions", created.id))).toHaveLength(1);

    const ended = await h.waitForStatus(created.id, ["failed"], 40_000);
    expect(ended.error).toMatch(/The upload never finished/);
    // The bytes arriving now are turned away with the reason.
    await expect(h.app.service.receiveUpload(h.deps, created.id, OWNER, Readable.from([Buffer.alloc(10)]))).rejects.toMatchObject({
      status: 409,
      code: "upload_expired",
    });
    // Ended first (conditionally, so a last-moment upload wins), then its files are removed.
    await waitFor(async () => (await listFiles(path.join(h.dataDir, "blobs", "sessions", created.id))).length === 0, 10_000, "the partial files to go");
  }, 60_000);

  it("removes the prepare folders of ended sessions, and only those", async () => {
    const ended = await h.createAndUpload(fx.espeak.path);
    await h.waitForStatus(ended.id, ["completed"], 60_000);
    const { workRoot } = await import("@/lib/audio/leftovers");
    await fsp.mkdir(workRoot(), { recursive: true });
    const leftover = await fsp.mkdtemp(path.join(workRoot(), `murmur-prepare-${ended.id}-`));
    const foreign = await fsp.mkdtemp(path.join(workRoot(), `murmur-prepare-not-a-session-`));
    const old = new Date(Date.now() - 60_000);
    await fsp.utimes(leftover, old, old);
    await waitFor(async () => !(await fsp.stat(leftover).catch(() => null)), 30_000, "the leftover folder to go");
    expect(await fsp.stat(foreign).catch(() => null)).not.toBeNull();
    await fsp.rm(foreign, { recursive: true, force: true });
  }, 90_000);
});

describe("cancelled anywhere means cancelled", () => {
  it("cancelling the run in the engine's API makes the session cancelled within seconds", async () => {
    const row = await h.createAndUpload(fx.librivox.mp3);
    const run = await waitFor(async () => {
      const s = await h.session(row.id);
      return s.status === "processing" ? h.runFor(row.id, row.generation) : undefined;
    }, 60_000, "the run to be processing");
    const t0 = Date.now();
    await h.engineApi(`/api/runs/${encodeURIComponent(run.id)}/cancel`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    const cancelled = await h.waitForStatus(row.id, ["cancelled", "completed", "failed"], 15_000);
    expect(cancelled.status).toBe("cancelled");
    expect(Date.now() - t0).toBeLessThan(10_000);
    const log = await h.q.stageLogFor(h.db, row.id);
    expect(log.at(-1)?.message).toMatch(/Cancelled in the Inngest server/);
    // Nothing drags it back: a minute of the sweep's attention later it is still cancelled.
    await new Promise((r) => setTimeout(r, 8000));
    expect((await h.session(row.id)).status).toBe("cancelled");
  }, 90_000);
});
