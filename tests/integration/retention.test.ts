/**
 * Retention on schedule through the real engine, with short durations: the audio of a
 * finished session goes after AUDIO_RETENTION (and the person is told when), the whole
 * session after SESSION_RETENTION.
 */
import path from "node:path";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collectMetrics } from "@/lib/metrics";
import { ensureFixtures, type Fixtures } from "@/scripts/fixtures-lib";
import { type Harness, listFiles, startPipelineHarness, waitFor } from "../support/pipeline-harness";

const MODEL_DIR = path.resolve(import.meta.dirname, "..", "..", ".data", "models", "moonshine-tiny");

let h: Harness;
let fx: Fixtures;

/** What a Prometheus scrape of /api/metrics would read now. */
async function counters() {
  const all = parsePrometheusTextFormat((await collectMetrics(h.db)).body);
  const value = (name: string, status?: string) =>
    Number(all.find((f) => f.name === name)?.metrics.find((m) => status === undefined || m.labels?.status === status)?.value);
  return { completed: value("murmur_sessions_total", "completed"), audioSeconds: value("murmur_audio_seconds_total") };
}

beforeAll(async () => {
  const { ensureLocalModel } = await import("@/scripts/setup-model");
  await ensureLocalModel(MODEL_DIR);
  fx = await ensureFixtures();
  h = await startPipelineHarness({
    env: {
      TRANSCRIPTION_PROVIDER: "local",
      ANALYSIS_PROVIDER: "local",
      MOONSHINE_MODEL_DIR: MODEL_DIR,
      RETENTION_CRON: "@every 1s",
      AUDIO_RETENTION: "4s",
      SESSION_RETENTION: "40s",
    },
  });
}, 180_000);

afterAll(async () => {
  await h?.stop();
});

describe("retention", () => {
  it("deletes the audio after AUDIO_RETENTION, then the session after SESSION_RETENTION", async () => {
    const row = await h.createAndUpload(fx.espeak.path);
    const done = await h.waitForStatus(row.id, ["completed"], 60_000);
    const counted = await counters();
    expect(counted.completed).toBeGreaterThanOrEqual(1);
    // (durationSec is a float4 column; the total adds it as a double)
    expect(counted.audioSeconds).toBeGreaterThanOrEqual(done.durationSec! - 0.001);
    const view = await h.detail(row.id);
    expect(view.audioAvailable).toBe(true);
    // The person sees when: AUDIO_RETENTION after processing ended.
    expect(Date.parse(view.audioDeletesAt!)).toBeCloseTo(done.finishedAt!.getTime() + 4000, -2);
    expect(Date.parse(view.deletesAt!)).toBeCloseTo(done.createdAt.getTime() + 40_000, -2);

    const audioDir = path.join(h.dataDir, "blobs", "sessions", row.id);
    await waitFor(async () => !(await h.session(row.id)).audioKey, 30_000, "the audio to be deleted");
    expect(await listFiles(audioDir)).toEqual([]);
    const after = await h.detail(row.id);
    expect(after.audioAvailable).toBe(false);
    expect(after.audioDeletesAt).toBeNull();
    expect(after.transcript?.text.length).toBeGreaterThan(0); // the transcript stays until the session goes
    expect(after.timeline!.some((t) => /audio was deleted 4s after processing ended/.test(t.message ?? ""))).toBe(true);

    await waitFor(async () => !(await h.q.findSession(h.db, row.id)), 60_000, "the session to be deleted");
    // Counters never go down: the session and its log are gone, what it counted stays.
    expect(await counters()).toEqual(counted);
  }, 150_000);
});
