/**
 * /api/metrics' figures come from the database: sessions with a known history are
 * written on each driver, the registry is rendered, and a Prometheus text parser
 * reads it back.
 */
import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import parsePrometheusTextFormat, { type MetricFamily } from "parse-prometheus-text-format";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import * as ops from "@/db/operations";
import * as q from "@/db/queries";
import { stageLog } from "@/db/schema";
import { authorizeOperator } from "@/lib/auth/operator";
import { collectMetrics } from "@/lib/metrics";
import { DRIVERS, freshDatabase } from "../support/databases";

const T0 = Date.parse("2026-11-30T10:00:00Z");
const at = (sec: number) => new Date(T0 + sec * 1000);

/** A session whose log says: queued at 0, processing from `wait`, each stage for the given seconds, then `end`. */
async function sessionWithHistory(db: Database, h: { wait: number; stages: Array<[string, number]>; end: "completed" | "failed"; durationSec: number; retries?: number }) {
  const id = randomUUID();
  await q.insertSession(db, { id, ownerId: "o", title: "t", fileName: "a.mp3", contentType: "audio/mpeg", fileSize: 10, deleteAfterAnalysis: false });
  await db.execute(sql`update sessions set status = ${h.end}, duration_sec = ${h.durationSec} where id = ${id}`);
  const rows: Array<typeof stageLog.$inferInsert> = [{ sessionId: id, at: at(0), status: "queued", progress: 0 }];
  let t = h.wait;
  for (const [stage, secs] of h.stages) {
    rows.push({ sessionId: id, at: at(t), status: "processing", stage: stage as never, progress: 10 });
    for (let r = 0; r < (stage === "transcribing" ? (h.retries ?? 0) : 0); r++) {
      rows.push({ sessionId: id, at: at(t + 0.1 * (r + 1)), status: "processing", stage: stage as never, progress: 10, error: "429", message: "Transcribing failed on attempt 1; will retry if attempts remain" });
    }
    t += secs;
  }
  rows.push({ sessionId: id, at: at(t), status: h.end, stage: "finalizing", progress: 100 });
  await db.insert(stageLog).values(rows);
  return id;
}

/**
 * parse-prometheus-text-format folds a histogram's samples into one when they carry
 * labels besides `le`; read as untyped, each of _bucket/_sum/_count is its own family
 * with its labels intact.
 */
const asUntyped = (text: string) => parsePrometheusTextFormat(text.replace(/^# TYPE (\S+) histogram$/gm, "# TYPE $1 untyped"));
// (the suffixes alternate per label set, so one name appears as several families: search them all)
const sample = (all: MetricFamily[], name: string, labels: Record<string, string>) =>
  Number(
    all
      .filter((f) => f.name === name)
      .flatMap((f) => f.metrics)
      .find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))?.value,
  );

const family = (all: MetricFamily[], name: string) => {
  const f = all.find((m) => m.name === name);
  if (!f) throw new Error(`metric ${name} missing`);
  return f;
};

describe.each(DRIVERS)("metrics from the database on %s", (driver) => {
  let db: Database;
  let dispose: () => Promise<void>;
  beforeAll(async () => {
    const h = await freshDatabase(driver);
    db = h.db;
    dispose = h.dispose;
    await sessionWithHistory(db, { wait: 2, stages: [["preparing", 3], ["transcribing", 40], ["analyzing", 1], ["finalizing", 0.5]], end: "completed", durationSec: 600, retries: 2 });
    await sessionWithHistory(db, { wait: 20, stages: [["preparing", 4], ["transcribing", 100]], end: "failed", durationSec: 1200 });
    await q.insertSession(db, { id: randomUUID(), ownerId: "o", title: "waiting", fileName: "b.mp3", contentType: "audio/mpeg", fileSize: 10, deleteAfterAnalysis: false });
  });
  afterAll(async () => dispose?.());

  it("renders Prometheus text that a parser reads back with the expected figures", async () => {
    const { contentType, body } = await collectMetrics(db);
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    const all = parsePrometheusTextFormat(body);

    const total = family(all, "murmur_sessions_total");
    expect(total.type).toBe("COUNTER");
    const byStatus = Object.fromEntries(total.metrics.map((m) => [m.labels!.status, Number(m.value)]));
    expect(byStatus).toEqual({ completed: 1, failed: 1, cancelled: 0 });

    const now = Object.fromEntries(family(all, "murmur_sessions").metrics.map((m) => [m.labels!.status, Number(m.value)]));
    expect(now).toMatchObject({ completed: 1, failed: 1, awaiting_upload: 1, processing: 0, queued: 0 });

    expect(family(all, "murmur_stage_duration_seconds").type).toBe("HISTOGRAM");
    const flat = asUntyped(body);
    const stage = (suffix: string, labels: Record<string, string>) => sample(flat, `murmur_stage_duration_seconds_${suffix}`, labels);
    expect(stage("count", { stage: "transcribing" })).toBe(2);
    expect(stage("sum", { stage: "transcribing" })).toBeCloseTo(140, 3);
    expect(stage("bucket", { stage: "transcribing", le: "60" })).toBe(1); // 40 s ≤ 60, 100 s is not
    expect(stage("bucket", { stage: "transcribing", le: "120" })).toBe(2);
    expect(stage("sum", { stage: "preparing" })).toBeCloseTo(7, 3);
    expect(stage("count", { stage: "analyzing" })).toBe(1);

    const queue = family(all, "murmur_queue_wait_seconds").metrics[0]!;
    expect(Number(queue.count)).toBe(2);
    expect(Number(queue.sum)).toBeCloseTo(22, 3);
    expect(Number(queue.buckets!["5"])).toBe(1);

    expect(Number(family(all, "murmur_audio_seconds_total").metrics[0]!.value)).toBe(600);
    expect(Number(family(all, "murmur_step_retries_total").metrics[0]!.value)).toBe(2);
  });

  it("never lowers a counter when sessions and their logs are deleted (retention), and counts a note on an ended session as no new ending", async () => {
    const counters = async () => {
      const all = parsePrometheusTextFormat((await collectMetrics(db)).body);
      const byStatus = Object.fromEntries(family(all, "murmur_sessions_total").metrics.map((m) => [m.labels!.status, Number(m.value)]));
      const one = (name: string) => Number(family(all, name).metrics[0]!.value);
      return { byStatus, audio: one("murmur_audio_seconds_total"), retries: one("murmur_step_retries_total") };
    };
    const before = await counters();
    const [completed] = ops.rowsOf<{ id: string }>(await db.execute(sql`select id from sessions where status = 'completed'`));
    // What retention writes when it deletes the audio: a log row that repeats the status.
    await ops.logEntry(db, completed!.id, "The audio was deleted 4s after processing ended (retention)");
    expect(await counters()).toEqual(before);

    await db.execute(sql`delete from sessions`);
    expect(ops.rowsOf<{ n: number }>(await db.execute(sql`select count(*)::int as n from stage_log`))[0]!.n).toBe(0);
    expect(await counters()).toEqual({ byStatus: { completed: 1, failed: 1, cancelled: 0 }, audio: 600, retries: 2 });
  });
});

describe("operator authorisation for /api/metrics", () => {
  const c = { OPERATIONS_TOKEN: "a-long-operations-token" };
  it("accepts the bearer token (and Basic with it as password), refuses anything else", async () => {
    const h = (v?: string) => new Headers(v ? { authorization: v } : {});
    expect(await authorizeOperator(h("Bearer a-long-operations-token"), c)).toEqual({ ok: true, via: "token" });
    expect(await authorizeOperator(h(`Basic ${Buffer.from("x:a-long-operations-token").toString("base64")}`), c)).toMatchObject({ ok: true });
    expect(await authorizeOperator(h("Bearer wrong-token-value"), c)).toEqual({ ok: false, status: 401 });
    expect(await authorizeOperator(h(), c)).toEqual({ ok: false, status: 401 });
    expect(await authorizeOperator(h("Bearer anything"), {})).toEqual({ ok: false, status: 401 });
  });
});
