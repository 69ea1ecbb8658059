/**
 * The same durable pipeline on the self-hosted setup: real PostgreSQL (a database of its own
 * on the local server) instead of PGlite, with the real engine and the local providers.
 * The database layer's own tests cover all three drivers; this proves the steps' writes,
 * the run fencing and onFailure behave the same on a server with concurrent connections.
 */
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureFixtures, type Fixtures } from "@/scripts/fixtures-lib";
import { createPostgresDatabase } from "../support/databases";
import { type Harness, stageOrder, startPipelineHarness } from "../support/pipeline-harness";

const MODEL_DIR = path.resolve(import.meta.dirname, "..", "..", ".data", "models", "moonshine-tiny");

let h: Harness;
let fx: Fixtures;
let database: Awaited<ReturnType<typeof createPostgresDatabase>>;

beforeAll(async () => {
  const { ensureLocalModel } = await import("@/scripts/setup-model");
  await ensureLocalModel(MODEL_DIR);
  fx = await ensureFixtures();
  database = await createPostgresDatabase();
  h = await startPipelineHarness({
    env: {
      DATABASE_URL: database.url,
      TRANSCRIPTION_PROVIDER: "local",
      ANALYSIS_PROVIDER: "local",
      MOONSHINE_MODEL_DIR: MODEL_DIR,
      PROCESSING_RETRIES: "2",
    },
  });
}, 180_000);

afterAll(async () => {
  await h?.stop();
  await database?.drop();
});

describe("pipeline on PostgreSQL", () => {
  it("runs on the pg driver", () => {
    expect(h.app.config.config().databaseDriver).toBe("pg");
  });

  it("turns the LibriVox recording into a transcript and an analysis", async () => {
    const row = await h.createAndUpload(fx.librivox.mp3);
    const done = await h.waitForStatus(row.id, ["completed", "failed"], 90_000);
    expect([done.status, done.progress, done.error]).toEqual(["completed", 100, null]);
    const view = await h.detail(row.id);
    expect(view.transcript!.text.toLowerCase()).toContain("dashwood");
    expect(view.analysis?.insights.provider).toBe("local");
    expect(stageOrder(await h.q.stageLogFor(h.db, row.id))).toEqual(["preparing", "transcribing", "analyzing", "finalizing", "completed"]);
  }, 120_000);

  it("fails a file that is not audio through onFailure, with its reason", async () => {
    const row = await h.createAndUpload(fx.bad.textAsMp3);
    const done = await h.waitForStatus(row.id, ["completed", "failed"], 60_000);
    expect(done.status).toBe("failed");
    expect(done.error).toMatch(/not audio/i);
    const { steps } = await h.finishedRun(row.id, row.generation);
    expect(steps.find((s) => s.name === "prepare")?.attempts).toBe(1);
  }, 90_000);
});
