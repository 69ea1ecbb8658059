import { sql } from "drizzle-orm";
import type { Database } from "./client";
import { rowsOf } from "./operations";

/**
 * What /api/metrics reports, read from the database at scrape time: every
 * instance (serverless has many short-lived ones) answers the same figures.
 */

/** Runs that ended, by final status (from the stage log, so a retried session counts each ending). */
export async function endings(db: Database): Promise<Record<string, number>> {
  const res = await db.execute(sql`
    select status, count(*)::int as n from stage_log
    where status in ('completed', 'failed', 'cancelled') group by status`);
  return Object.fromEntries(rowsOf<{ status: string; n: number }>(res).map((r) => [r.status, Number(r.n)]));
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

export async function audioSecondsCompleted(db: Database): Promise<number> {
  const res = await db.execute(sql`select coalesce(sum(duration_sec), 0)::float8 as s from sessions where status = 'completed'`);
  return Number(rowsOf<{ s: number }>(res)[0]?.s ?? 0);
}

/** Failed step attempts that were retried (the stage log records each one). */
export async function stepRetries(db: Database): Promise<number> {
  const res = await db.execute(sql`
    select count(*)::int as n from stage_log
    where status = 'processing' and error is not null and message like '%will retry%'`);
  return Number(rowsOf<{ n: number }>(res)[0]?.n ?? 0);
}

export async function deliveryCounts(db: Database): Promise<Array<{ kind: string; channel: string; ok: boolean; n: number }>> {
  const res = await db.execute(sql`select kind, channel, ok, count(*)::int as n from deliveries group by kind, channel, ok`);
  return rowsOf<{ kind: string; channel: string; ok: boolean; n: number }>(res).map((r) => ({ ...r, n: Number(r.n) }));
}
