import { and, asc, desc, eq, gte, inArray, isNull, lt, sql } from "drizzle-orm";
import type { Database } from "./client";
import { alerts, deliveries, sessions, stageLog, type AlertRow, type AlertType, type DeliveryRow } from "./schema";

/**
 * Queries behind alerts, deliveries, self-healing and retention: the service
 * half of Murmur, kept apart from the pipeline's own queries.
 */

// ── alerts ──────────────────────────────────────────────────────────────────

export interface NewAlert {
  dedupeKey: string;
  type: AlertType;
  sessionId?: string | null;
  stage?: string | null;
  data: Record<string, unknown>;
}

/** Records a failure to tell operators about; the same key twice is one alert. */
export async function recordAlert(db: Database, a: NewAlert): Promise<boolean> {
  const rows = await db.insert(alerts).values(a).onConflictDoNothing({ target: alerts.dedupeKey }).returning({ id: alerts.id });
  return rows.length > 0;
}

/**
 * Claims every alert nobody has sent yet, in one statement, so of the alert runs
 * that wake after a burst exactly one gets the rows and the others find none.
 * A group id claimed before (a retried step) returns its own rows again.
 */
export async function claimAlerts(db: Database, groupId: string, limit = 500): Promise<AlertRow[]> {
  const mine = await db.select().from(alerts).where(eq(alerts.groupId, groupId)).orderBy(asc(alerts.id));
  if (mine.length) return mine;
  const claimed = await db.execute<{ id: number }>(sql`
    update ${alerts} set claimed_at = now(), group_id = ${groupId}
    where id in (select id from ${alerts} where claimed_at is null order by id limit ${limit} for update skip locked)
    returning id`);
  const ids = rowsOf<{ id: number }>(claimed).map((r) => Number(r.id));
  if (!ids.length) return [];
  return db.select().from(alerts).where(inArray(alerts.id, ids)).orderBy(asc(alerts.id));
}

/** Sessions that failed at `stage` since `since` (for "a step keeps failing across sessions"). */
export async function sessionsFailedAtStage(db: Database, stage: string, since: Date): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(distinct ${alerts.sessionId})::int` })
    .from(alerts)
    .where(and(eq(alerts.type, "session.failed"), eq(alerts.stage, stage), gte(alerts.createdAt, since)));
  return Number(row?.n ?? 0);
}

/** Whether a step.failing alert for this stage was already raised since `since` (one per window). */
export async function stepAlertRaisedSince(db: Database, stage: string, since: Date): Promise<boolean> {
  const [row] = await db
    .select({ id: alerts.id })
    .from(alerts)
    .where(and(eq(alerts.type, "step.failing"), eq(alerts.stage, stage), gte(alerts.createdAt, since)))
    .limit(1);
  return Boolean(row);
}

// ── deliveries ──────────────────────────────────────────────────────────────

export type NewDelivery = Omit<DeliveryRow, "id" | "at">;

export async function recordDelivery(db: Database, d: NewDelivery): Promise<void> {
  await db.insert(deliveries).values(d);
}

export async function deliveriesForSession(db: Database, sessionId: string): Promise<DeliveryRow[]> {
  return db.select().from(deliveries).where(and(eq(deliveries.sessionId, sessionId), eq(deliveries.kind, "webhook"))).orderBy(asc(deliveries.id));
}

export async function recentDeliveries(db: Database, limit = 100): Promise<DeliveryRow[]> {
  return db.select().from(deliveries).orderBy(desc(deliveries.id)).limit(limit);
}

// ── self-healing ────────────────────────────────────────────────────────────

/** Sessions with a run on them that have not moved since `before`. */
export async function staleRuns(db: Database, before: Date, limit = 100) {
  return db
    .select()
    .from(sessions)
    .where(and(inArray(sessions.status, ["queued", "processing"]), lt(sessions.updatedAt, before)))
    .orderBy(asc(sessions.updatedAt))
    .limit(limit);
}

/** Sessions whose upload was started before `before` and never finished. */
export async function abandonedUploads(db: Database, before: Date, limit = 100) {
  return db
    .select()
    .from(sessions)
    .where(and(eq(sessions.status, "awaiting_upload"), lt(sessions.createdAt, before)))
    .orderBy(asc(sessions.createdAt))
    .limit(limit);
}

/**
 * Ends a session that is in one of `from` and unchanged since `staleBefore`, with a reason.
 * Conditional, so a run that moved at the last moment is left alone. Returns whether it applied.
 */
export async function endWithReason(
  db: Database,
  id: string,
  from: string[],
  staleBefore: Date,
  reason: string,
  message: string,
): Promise<boolean> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(sessions)
      .set({ status: "failed", error: reason, finishedAt: sql`now()`, updatedAt: sql`now()` })
      .where(and(eq(sessions.id, id), inArray(sessions.status, from as never[]), lt(sessions.updatedAt, staleBefore)))
      .returning({ stage: sessions.stage, progress: sessions.progress, attempt: sessions.attempt });
    if (!row) return false;
    await tx.insert(stageLog).values({ sessionId: id, status: "failed", ...row, message, error: reason });
    return true;
  });
}

export async function countRecovery(db: Database, id: string): Promise<void> {
  await db.update(sessions).set({ recoveries: sql`${sessions.recoveries} + 1` }).where(eq(sessions.id, id));
}

/** Ended sessions (any generation) that may still hold chunk rows: their chunk blobs are leftovers. */
export async function endedSessionIds(db: Database, ids: string[]): Promise<Set<string>> {
  if (!ids.length) return new Set();
  const rows = await db
    .select({ id: sessions.id, status: sessions.status })
    .from(sessions)
    .where(inArray(sessions.id, ids));
  const known = new Map(rows.map((r) => [r.id, r.status]));
  // A folder with no session row at all belongs to a deleted session: also a leftover.
  return new Set(ids.filter((id) => !known.has(id) || ["completed", "failed", "cancelled"].includes(known.get(id)!)));
}

// ── retention ───────────────────────────────────────────────────────────────

/** Ended sessions whose audio is still stored and which finished before `before`. */
export async function audioPastRetention(db: Database, before: Date, limit = 200) {
  return db
    .select({ id: sessions.id })
    .from(sessions)
    .where(
      and(
        inArray(sessions.status, ["completed", "failed", "cancelled"]),
        sql`${sessions.audioKey} is not null`,
        lt(sql`coalesce(${sessions.finishedAt}, ${sessions.updatedAt})`, before),
      ),
    )
    .limit(limit);
}

/** Sessions created before `before` that are not running. */
export async function sessionsPastRetention(db: Database, before: Date, limit = 200) {
  return db
    .select({ id: sessions.id })
    .from(sessions)
    .where(and(inArray(sessions.status, ["completed", "failed", "cancelled", "awaiting_upload"]), lt(sessions.createdAt, before)))
    .limit(limit);
}

export async function setUrgent(db: Database, id: string, urgent: boolean): Promise<boolean> {
  const rows = await db.update(sessions).set({ urgent, updatedAt: sql`now()` }).where(eq(sessions.id, id)).returning({ id: sessions.id });
  return rows.length > 0;
}

export async function setRunId(db: Database, id: string, generation: number, runId: string): Promise<void> {
  await db.update(sessions).set({ runId }).where(and(eq(sessions.id, id), eq(sessions.generation, generation)));
}

export async function unclaimedAlertCount(db: Database): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(alerts).where(isNull(alerts.claimedAt));
  return Number(row?.n ?? 0);
}

/** db.execute answers differ by driver: pg/neon give {rows}, PGlite gives {rows} too, some give an array. */
export function rowsOf<T>(result: unknown): T[] {
  if (Array.isArray(result)) return result as T[];
  return ((result as { rows?: T[] }).rows ?? []) as T[];
}

/** Chunk rows left by sessions that ended before `before` (finalize removes them on completion; failures keep them for a retry). */
export async function chunkLeftovers(db: Database, before: Date, limit = 200): Promise<string[]> {
  const res = await db.execute(sql`
    select distinct c.session_id as id from chunks c join sessions s on s.id = c.session_id
    where s.status in ('completed', 'failed', 'cancelled') and coalesce(s.finished_at, s.updated_at) < ${before.toISOString()}
    limit ${limit}`);
  return rowsOf<{ id: string }>(res).map((r) => r.id);
}

/** Cancels the session if the cancelled run was still the one holding it. */
export async function cancelGeneration(db: Database, id: string, generation: number, message: string): Promise<boolean> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(sessions)
      .set({ status: "cancelled", finishedAt: sql`now()`, updatedAt: sql`now()` })
      .where(and(eq(sessions.id, id), eq(sessions.generation, generation), inArray(sessions.status, ["queued", "processing"])))
      .returning({ stage: sessions.stage, progress: sessions.progress, attempt: sessions.attempt });
    if (!row) return false;
    await tx.insert(stageLog).values({ sessionId: id, status: "cancelled", ...row, message });
    return true;
  });
}

export async function logEntry(db: Database, id: string, message: string): Promise<void> {
  const [row] = await db.select({ status: sessions.status, stage: sessions.stage, progress: sessions.progress }).from(sessions).where(eq(sessions.id, id));
  if (row) await db.insert(stageLog).values({ sessionId: id, ...row, message });
}

// ── the operations page ─────────────────────────────────────────────────────

/** Sessions for operators: filter by status, search title / file name / id. */
export async function operatorSessions(db: Database, opts: { status?: string; search?: string; limit?: number }) {
  const conds = [];
  if (opts.status) conds.push(eq(sessions.status, opts.status as never));
  if (opts.search) {
    const like = `%${opts.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    conds.push(sql`(${sessions.title} ilike ${like} or ${sessions.fileName} ilike ${like} or ${sessions.id}::text like ${like})`);
  }
  return db
    .select()
    .from(sessions)
    .where(conds.length ? and(...conds) : undefined)
    .orderBy(desc(sessions.createdAt))
    .limit(opts.limit ?? 200);
}

/** Per session: seconds waiting in the queue and seconds processing, from the stage log of its current run. */
export async function runTimes(db: Database, ids: string[]): Promise<Map<string, { queueSec: number | null; processingSec: number | null }>> {
  if (!ids.length) return new Map();
  const res = await db.execute(sql`
    with last_queued as (
      select session_id, max(id) as qid from stage_log where status = 'queued' and ${inArray(stageLog.sessionId, ids)} group by session_id),
    l as (
      select s.session_id, s.status, s.at, s.id from stage_log s join last_queued q on q.session_id = s.session_id and s.id >= q.qid)
    select session_id,
      extract(epoch from (min(at) filter (where status = 'processing')) - min(at))::float8 as queue_sec,
      extract(epoch from coalesce(max(at) filter (where status in ('completed','failed','cancelled')), now()) - min(at) filter (where status = 'processing'))::float8 as processing_sec
    from l group by session_id`);
  return new Map(
    rowsOf<{ session_id: string; queue_sec: number | null; processing_sec: number | null }>(res).map((r) => [
      r.session_id,
      { queueSec: r.queue_sec === null ? null : Number(r.queue_sec), processingSec: r.processing_sec === null ? null : Number(r.processing_sec) },
    ]),
  );
}

/**
 * Runs ended per hour over the last `hours`, by outcome. An ending is a change of status in the
 * log: a later note on an ended session (retention deleting its audio) repeats the status and is
 * not another ending.
 */
export async function endingsPerHour(db: Database, hours = 24) {
  const res = await db.execute(sql`
    select date_trunc('hour', at) as hour, status, count(*)::int as n from (
      select at, status, lag(status) over (partition by session_id order by id) as prev from stage_log) l
    where status in ('completed','failed','cancelled') and prev is distinct from status and at > now() - make_interval(hours => ${hours})
    group by 1, 2 order by 1`);
  return rowsOf<{ hour: Date | string; status: string; n: number }>(res).map((r) => ({ hour: new Date(r.hour).toISOString(), status: r.status, n: Number(r.n) }));
}

/** p50 / p95 seconds per stage over the last `days`. */
export async function stagePercentiles(db: Database, days = 7) {
  const res = await db.execute(sql`
    with l as (
      select session_id, stage, status, at, lead(at) over (partition by session_id order by id) as next_at from stage_log
      where at > now() - make_interval(days => ${days})),
    d as (
      select stage, extract(epoch from sum(next_at - at))::float8 as s from l
      where status = 'processing' and stage is not null and next_at is not null group by session_id, stage)
    select stage, percentile_cont(0.5) within group (order by s)::float8 as p50, percentile_cont(0.95) within group (order by s)::float8 as p95, count(*)::int as n
    from d group by stage`);
  return rowsOf<{ stage: string; p50: number; p95: number; n: number }>(res).map((r) => ({ stage: r.stage, p50: Number(r.p50), p95: Number(r.p95), n: Number(r.n) }));
}

/** Sessions waiting in the queue at the end of each of the last `hours` hours (and now). */
export async function queueDepthPerHour(db: Database, hours = 24) {
  const res = await db.execute(sql`
    with w as (
      select at as queued_at, next_at as started_at from (
        select status, at, lead(at) over w2 as next_at, lead(status) over w2 as next_status
        from stage_log window w2 as (partition by session_id order by id)) x
      where status = 'queued'),
    t as (select generate_series(date_trunc('hour', now()) - make_interval(hours => ${hours - 1}), date_trunc('hour', now()), interval '1 hour') + interval '1 hour' as at)
    select least(t.at, now()) as at, (select count(*)::int from w where w.queued_at <= least(t.at, now()) and (w.started_at is null or w.started_at > least(t.at, now()))) as depth
    from t order by 1`);
  return rowsOf<{ at: Date | string; depth: number }>(res).map((r) => ({ at: new Date(r.at).toISOString(), depth: Number(r.depth) }));
}
