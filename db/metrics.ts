import { sql } from "drizzle-orm";
import type { Database } from "./client";
import { rowsOf } from "./operations";

/**
 * What /api/metrics reports, read from the database at scrape time: every
 * instance (serverless has many short-lived ones) answers the same figures.
 */

/**
 * The running totals (metric_totals), kept by triggers as sessions end and steps are
 * retried; retention deleting sessions and their logs leaves them as they are.
 */
export async function totals(db: Database): Promise<{ endings: Record<string, number>; audioSeconds: number; stepRetries: number }> {
  const res = await db.execute(sql`select name, label, value from metric_totals`);
  const out = { endings: {} as Record<string, number>, audioSeconds: 0, stepRetries: 0 };
  for (const r of rowsOf<{ name: string; label: string; value: number }>(res)) {
    const v = Number(r.value);
    if (r.name === "sessions_total") out.endings[r.label] = v;
    else if (r.name === "audio_seconds_total") out.audioSeconds = v;
    else if (r.name === "step_retries_total") out.stepRetries = v;
  }
  return out;
}

export async function currentByStatus(db: Database): Promise<Record<string, number>> {
  const res = await db.execute(sql`select status, count(*)::int as n from sessions group by status`);
  return Object.fromEntries(rowsOf<{ status: string; n: number }>(res).map((r) => [r.status, Number(r.n)]));
}

/**
 * Seconds each session spent in each stage: every log entry of a stage lasts
 * until the session's next entry; summed per session and stage.
 */
export async function stageDurations(db: Database): Promise<Array<{ stage: string; seconds: number }>> {
  const res = await db.execute(sql`
    with l as (
      select session_id, stage, status, at, lead(at) over (partition by session_id order by id) as next_at
      from stage_log)
    select stage, extract(epoch from sum(next_at - at))::float8 as seconds
    from l where status = 'processing' and stage is not null and next_at is not null
    group by session_id, stage`);
  return rowsOf<{ stage: string; seconds: number }>(res).map((r) => ({ stage: r.stage, seconds: Number(r.seconds) }));
}

/** Seconds from each "queued" to the run's first sign of work. */
export async function queueWaits(db: Database): Promise<number[]> {
  const res = await db.execute(sql`
    with l as (
      select status, at, lead(at) over w as next_at, lead(status) over w as next_status
      from stage_log window w as (partition by session_id order by id))
    select extract(epoch from next_at - at)::float8 as seconds from l
    where status = 'queued' and next_status = 'processing'`);
  return rowsOf<{ seconds: number }>(res).map((r) => Number(r.seconds));
}

export async function deliveryCounts(db: Database): Promise<Array<{ kind: string; channel: string; ok: boolean; n: number }>> {
  const res = await db.execute(sql`select kind, channel, ok, count(*)::int as n from deliveries group by kind, channel, ok`);
  return rowsOf<{ kind: string; channel: string; ok: boolean; n: number }>(res).map((r) => ({ ...r, n: Number(r.n) }));
}
