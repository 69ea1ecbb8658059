import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { Database } from "@/db/client";
import * as m from "@/db/metrics";
import { FINAL_STATUSES, SESSION_STATUSES } from "@/lib/sessions/status";

const STAGE_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200];
const QUEUE_BUCKETS = [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900, 3600];

/**
 * A fresh prom-client registry filled from the database for one scrape. Never
 * process-wide counters: each serverless instance would report only what it saw. The
 * counters come from running totals that deleting sessions (retention) never lowers.
 */
export async function collectMetrics(db: Database): Promise<{ contentType: string; body: string }> {
  const [totals, current, stages, waits, deliveries] = await Promise.all([
    m.totals(db),
    m.currentByStatus(db),
    m.stageDurations(db),
    m.queueWaits(db),
    m.deliveryCounts(db),
  ]);
  const { endings, audioSeconds: audio, stepRetries: retries } = totals;
  const registry = new Registry();
  const registers = [registry];

  const total = new Counter({ name: "murmur_sessions_total", help: "Runs that reached each final status.", labelNames: ["status"], registers });
  for (const s of FINAL_STATUSES) total.inc({ status: s }, endings[s] ?? 0);

  const now = new Gauge({ name: "murmur_sessions", help: "Sessions in each status now.", labelNames: ["status"], registers });
  for (const s of SESSION_STATUSES) now.set({ status: s }, current[s] ?? 0);

  const stage = new Histogram({
    name: "murmur_stage_duration_seconds",
    help: "Time a session spent in each processing stage.",
    labelNames: ["stage"],
    buckets: STAGE_BUCKETS,
    registers,
  });
  for (const d of stages) stage.observe({ stage: d.stage }, d.seconds);

  const queue = new Histogram({ name: "murmur_queue_wait_seconds", help: "Time from queued to the first step of the run.", buckets: QUEUE_BUCKETS, registers });
  for (const w of waits) queue.observe(w);

  new Counter({ name: "murmur_audio_seconds_total", help: "Seconds of audio in completed sessions.", registers }).inc(audio);
  new Counter({ name: "murmur_step_retries_total", help: "Failed step attempts that were retried.", registers }).inc(retries);

  const sent = new Counter({
    name: "murmur_deliveries_total",
    help: "Alert and webhook delivery attempts, by outcome.",
    labelNames: ["kind", "channel", "outcome"],
    registers,
  });
  for (const d of deliveries) sent.inc({ kind: d.kind, channel: d.channel, outcome: d.ok ? "ok" : "failed" }, d.n);

  return { contentType: registry.contentType, body: await registry.metrics() };
}
