import type { Database } from "@/db/client";
import * as ops from "@/db/operations";
import { countByStatus } from "@/db/queries";
import type { Config } from "@/lib/config";
import { runUrl } from "@/lib/links";
import { failureHelp } from "@/lib/sessions/failure";
import { isStale, SESSION_STAGES } from "@/lib/sessions/status";

/** Hours of history in the outcome and failure-rate charts (the queries read 24). */
const OUTCOME_HOURS = 24;

export interface OperatorRow {
  id: string;
  title: string;
  ownerId: string;
  status: string;
  stage: string | null;
  progress: number;
  attempt: number;
  generation: number;
  urgent: boolean;
  stale: boolean;
  /** Retry can succeed (the same rule as the person's button: not for a file that is not audio, nor without the audio). */
  retryable: boolean;
  error: string | null;
  durationSec: number | null;
  createdAt: string;
  updatedAt: string;
  queueSec: number | null;
  processingSec: number | null;
  runUrl: string | null;
}

/** Everything /operations shows, in one read: rows, counts, the delivery log and the charts' series. */
export async function operationsSnapshot(db: Database, c: Config, opts: { status?: string; search?: string }) {
  const [rows, counts, deliveries, perHour, stages, depth] = await Promise.all([
    ops.operatorSessions(db, opts),
    countByStatus(db),
    ops.recentDeliveries(db, 50),
    ops.endingsPerHour(db),
    ops.stagePercentiles(db),
    ops.queueDepthPerHour(db),
  ]);
  const times = await ops.runTimes(db, rows.map((r) => r.id));
  const now = Date.now();
  const sessions: OperatorRow[] = rows.map((r) => ({
    id: r.id,
    title: r.title,
    ownerId: r.ownerId,
    status: r.status,
    stage: r.stage,
    progress: r.progress,
    attempt: r.attempt,
    generation: r.generation,
    urgent: r.urgent,
    stale: isStale(r, c.STALE_RUN_AFTER, now),
    retryable: failureHelp(r).retryable,
    error: r.error,
    durationSec: r.durationSec,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
    queueSec: times.get(r.id)?.queueSec ?? null,
    processingSec: times.get(r.id)?.processingSec ?? null,
    runUrl: r.runId ? runUrl(c, r.runId) : null,
  }));

  // One row for each of the last 24 hours (quiet ones too, so the charts read as a timeline
  // like the queue depth's) with a column per outcome, and the failure rate of that hour:
  // null when nothing ended, which the chart leaves as a gap rather than a 0 % that never was.
  const hours = new Map<string, { hour: string; completed: number; failed: number; cancelled: number }>();
  const thisHour = Math.floor(now / 3_600_000) * 3_600_000;
  for (let i = OUTCOME_HOURS - 1; i >= 0; i--) {
    const hour = new Date(thisHour - i * 3_600_000).toISOString();
    hours.set(hour, { hour, completed: 0, failed: 0, cancelled: 0 });
  }
  for (const p of perHour) {
    const h = hours.get(p.hour) ?? { hour: p.hour, completed: 0, failed: 0, cancelled: 0 };
    if (p.status === "completed" || p.status === "failed" || p.status === "cancelled") h[p.status] += p.n;
    hours.set(p.hour, h);
  }
  const outcomes = [...hours.values()]
    .sort((a, b) => a.hour.localeCompare(b.hour))
    .map((h) => ({
      ...h,
      failureRate: h.completed + h.failed ? Math.round((1000 * h.failed) / (h.completed + h.failed)) / 10 : null,
    }));
  // In the order a session goes through them, not the database's.
  const stageOrder = (s: string) => (SESSION_STAGES as readonly string[]).indexOf(s);
  stages.sort((a, b) => stageOrder(a.stage) - stageOrder(b.stage));
  return {
    sessions,
    counts,
    deliveries: deliveries.map((d) => ({ ...d, at: d.at.toISOString() })),
    charts: { outcomes, stages, queueDepth: depth },
  };
}
export type OperationsSnapshot = Awaited<ReturnType<typeof operationsSnapshot>>;
