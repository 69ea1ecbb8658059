import { and, asc, desc, eq, inArray, isNotNull, isNull, lt, sql } from "drizzle-orm";
import type { Analysis } from "@/lib/analysis/types";
import type { SessionStage, SessionStatus } from "@/lib/sessions/status";
import type { AudioSpan, TranscriptSegment } from "@/lib/transcription/types";
import type { Database } from "./client";
import {
  analyses,
  chunks,
  sessions,
  stageLog,
  transcriptSegments,
  transcripts,
  type ChunkRow,
  type SessionRow,
  type StageLogRow,
} from "./schema";

// Which statuses mean what is the domain's rule (lib/sessions/status.ts); the
// queries take the sets as arguments so each conditional write stays one statement.
type Statuses = readonly SessionStatus[];

export interface NewSession {
  id: string;
  ownerId: string;
  title: string;
  fileName: string;
  contentType: string;
  fileSize: number;
  language?: string | null;
  deleteAfterAnalysis: boolean;
  webhookUrl?: string | null;
}

export async function insertSession(db: Database, s: NewSession): Promise<SessionRow> {
  return db.transaction(async (tx) => {
    const [row] = await tx.insert(sessions).values(s).returning();
    await tx.insert(stageLog).values({ sessionId: s.id, status: "awaiting_upload", progress: 0, message: "Session created" });
    return row!;
  });
}

export async function findSession(db: Database, id: string): Promise<SessionRow | undefined> {
  const [row] = await db.select().from(sessions).where(eq(sessions.id, id));
  return row;
}

export async function findOwnedSession(db: Database, id: string, ownerId: string): Promise<SessionRow | undefined> {
  const [row] = await db
    .select()
    .from(sessions)
    .where(and(eq(sessions.id, id), eq(sessions.ownerId, ownerId)));
  return row;
}

export async function listOwnedSessions(db: Database, ownerId: string, limit = 100): Promise<SessionRow[]> {
  return db.select().from(sessions).where(eq(sessions.ownerId, ownerId)).orderBy(desc(sessions.createdAt)).limit(limit);
}

/** Active sessions queued before this moment: the work ahead of a session waiting in line. */
export async function countQueuedBefore(db: Database, queuedAt: Date, exceptId: string, active: Statuses): Promise<number> {
  const [r] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(sessions)
    .where(and(inArray(sessions.status, active), lt(sessions.queuedAt, queuedAt), sql`${sessions.id} <> ${exceptId}`));
  return Number(r?.n ?? 0);
}

/**
 * Processing seconds per second of audio of the latest completed runs of one transcriber
 * (queue time excluded), newest first: what an ETA can go on before this run has a rate.
 */
export async function recentProcessingRates(db: Database, transcriber: string, limit = 10): Promise<number[]> {
  const rows = await db
    .select({
      rate: sql<number>`extract(epoch from (${sessions.finishedAt} - ${sessions.startedAt})) / ${sessions.durationSec}`,
    })
    .from(sessions)
    .where(
      and(
        eq(sessions.status, "completed"),
        eq(sessions.transcriber, transcriber),
        isNotNull(sessions.startedAt),
        isNotNull(sessions.finishedAt),
        sql`${sessions.durationSec} > 0`,
      ),
    )
    .orderBy(desc(sessions.finishedAt))
    .limit(limit);
  return rows.map((r) => Number(r.rate)).filter((r) => Number.isFinite(r) && r > 0);
}

/** Ids of every session an owner has (deleting an account deletes them all). */
export async function sessionIdsOf(db: Database, ownerId: string): Promise<string[]> {
  const rows = await db.select({ id: sessions.id }).from(sessions).where(eq(sessions.ownerId, ownerId));
  return rows.map((r) => r.id);
}

/** Hands every session of one owner to another in one statement (an anonymous visitor who signs up). */
export async function reassignOwner(db: Database, fromOwner: string, toOwner: string): Promise<number> {
  const rows = await db
    .update(sessions)
    .set({ ownerId: toOwner, updatedAt: sql`now()` })
    .where(eq(sessions.ownerId, fromOwner))
    .returning({ id: sessions.id });
  return rows.length;
}

/** Every session, newest first, for the operators' view. */
export async function listAllSessions(db: Database, opts: { status?: SessionStatus; limit?: number } = {}): Promise<SessionRow[]> {
  const q = db.select().from(sessions);
  const filtered = opts.status ? q.where(eq(sessions.status, opts.status)) : q;
  return filtered.orderBy(desc(sessions.createdAt)).limit(opts.limit ?? 200);
}

export async function countByStatus(db: Database): Promise<Record<string, number>> {
  const rows = await db
    .select({ status: sessions.status, n: sql<number>`count(*)::int` })
    .from(sessions)
    .groupBy(sessions.status);
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}

/**
 * Moves a session from `from` to queued and bumps its generation, in one
 * conditional update. A second identical call finds nothing to change and
 * reports the current row, so the caller re-sends the same event id and the
 * engine deduplicates it: a double click starts one run.
 */
export async function queueSession(
  db: Database,
  id: string,
  from: Statuses,
  patch: { audioKey?: string; message: string; /** only if the row has not changed since */ staleBefore?: Date },
): Promise<{ row: SessionRow; changed: boolean } | undefined> {
  return db.transaction(async (tx) => {
    const [updated] = await tx
      .update(sessions)
      .set({
        status: "queued",
        stage: null,
        progress: 0,
        attempt: 0,
        error: null,
        generation: sql`${sessions.generation} + 1`,
        queuedAt: sql`now()`,
        // The clocks of this run: waiting counts from queuedAt, processing from startedAt.
        startedAt: null,
        transcribeStartedAt: null,
        activity: null,
        finishedAt: null,
        updatedAt: sql`now()`,
        ...(patch.audioKey ? { audioKey: patch.audioKey } : {}),
      })
      .where(
        and(
          eq(sessions.id, id),
          inArray(sessions.status, from),
          patch.staleBefore ? lt(sessions.updatedAt, patch.staleBefore) : undefined,
        ),
      )
      .returning();
    if (updated) {
      await tx.insert(stageLog).values({ sessionId: id, status: "queued", progress: 0, message: patch.message });
      return { row: updated, changed: true };
    }
    const [current] = await tx.select().from(sessions).where(eq(sessions.id, id));
    return current ? { row: current, changed: false } : undefined;
  });
}

export interface ProgressUpdate {
  status: SessionStatus;
  stage?: SessionStage | null;
  progress?: number;
  attempt?: number;
  message?: string;
  error?: string | null;
  durationSec?: number;
  /** Set with durationSec: what the header promised when more than decodes, else null. */
  announcedDurationSec?: number | null;
  chunksTotal?: number;
  transcriber?: string;
  /** What is under way now, in words; null clears it. */
  activity?: string | null;
  /** Marks the start of transcription (kept if already set by this run). */
  transcribing?: boolean;
}

/**
 * Applies a run's update only if the session is still that run's (same
 * generation, status still one of `runStatuses`): a cancelled session or a
 * superseded run can never be dragged back to "processing". An update that
 * leaves those statuses ends the run. Returns whether it applied.
 */
export async function applyRunUpdate(
  db: Database,
  id: string,
  generation: number,
  runStatuses: Statuses,
  u: ProgressUpdate,
): Promise<boolean> {
  return db.transaction(async (tx) => {
    const finished = !runStatuses.includes(u.status);
    const [row] = await tx
      .update(sessions)
      .set({
        status: u.status,
        ...(u.stage !== undefined ? { stage: u.stage } : {}),
        ...(u.progress !== undefined ? { progress: Math.max(0, Math.min(100, Math.round(u.progress))) } : {}),
        ...(u.attempt !== undefined ? { attempt: u.attempt } : {}),
        ...(u.error !== undefined ? { error: u.error } : {}),
        ...(u.durationSec !== undefined ? { durationSec: u.durationSec } : {}),
        ...(u.announcedDurationSec !== undefined ? { announcedDurationSec: u.announcedDurationSec } : {}),
        ...(u.activity !== undefined ? { activity: u.activity } : {}),
        ...(u.transcribing ? { transcribeStartedAt: sql`coalesce(${sessions.transcribeStartedAt}, now())` } : {}),
        ...(u.chunksTotal !== undefined ? { chunksTotal: u.chunksTotal } : {}),
        ...(u.transcriber !== undefined ? { transcriber: u.transcriber } : {}),
        ...(u.status === "processing" ? { startedAt: sql`coalesce(${sessions.startedAt}, now())` } : {}),
        ...(finished ? { finishedAt: sql`now()` } : {}),
        updatedAt: sql`now()`,
      })
      .where(
        and(eq(sessions.id, id), eq(sessions.generation, generation), inArray(sessions.status, runStatuses)),
      )
      .returning({ progress: sessions.progress, stage: sessions.stage, attempt: sessions.attempt });
    if (!row) return false;
    await tx.insert(stageLog).values({
      sessionId: id,
      status: u.status,
      stage: row.stage,
      progress: row.progress,
      attempt: row.attempt,
      message: u.message ?? null,
      error: u.error ?? null,
    });
    return true;
  });
}

/**
 * Progress inside a step (a decoded window, a cut part): moves the bar forward and says
 * what is under way, fenced like applyRunUpdate, without a stage-log row each time (the
 * timeline keeps stage changes, not every percent). Never moves progress backwards:
 * parallel chunk steps report out of order.
 */
export async function applyRunProgress(
  db: Database,
  id: string,
  generation: number,
  u: { progress?: number; activity?: string | null },
): Promise<boolean> {
  const progress = u.progress === undefined ? undefined : Math.max(0, Math.min(100, Math.round(u.progress)));
  const rows = await db
    .update(sessions)
    .set({
      ...(progress !== undefined ? { progress: sql`greatest(${sessions.progress}, ${progress})` } : {}),
      ...(u.activity !== undefined ? { activity: u.activity } : {}),
      updatedAt: sql`now()`,
    })
    .where(and(eq(sessions.id, id), eq(sessions.generation, generation), eq(sessions.status, "processing")))
    .returning({ id: sessions.id });
  return rows.length > 0;
}

/** Cancels the session if its status is one of `from`; false when it was not (it had already ended). */
export async function cancelSession(db: Database, id: string, from: Statuses): Promise<boolean> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(sessions)
      .set({ status: "cancelled", finishedAt: sql`now()`, updatedAt: sql`now()`, error: null })
      .where(and(eq(sessions.id, id), inArray(sessions.status, from)))
      .returning({ stage: sessions.stage, progress: sessions.progress, attempt: sessions.attempt });
    if (!row) return false;
    await tx.insert(stageLog).values({ sessionId: id, status: "cancelled", ...row, message: "Cancelled by the person" });
    return true;
  });
}

export async function deleteSessionRow(db: Database, id: string): Promise<void> {
  await db.delete(sessions).where(eq(sessions.id, id));
}

export async function markAudioDeleted(db: Database, id: string): Promise<void> {
  await db.update(sessions).set({ audioKey: null, audioDeletedAt: sql`now()`, updatedAt: sql`now()` }).where(eq(sessions.id, id));
}

export async function stageLogFor(db: Database, id: string): Promise<StageLogRow[]> {
  return db.select().from(stageLog).where(eq(stageLog.sessionId, id)).orderBy(asc(stageLog.id));
}

// ── chunks ──────────────────────────────────────────────────────────────────

export interface NewChunk {
  index: number;
  startSec: number;
  endSec: number;
  blobKey: string;
  sizeBytes: number;
}

export async function listChunks(db: Database, sessionId: string): Promise<ChunkRow[]> {
  return db.select().from(chunks).where(eq(chunks.sessionId, sessionId)).orderBy(asc(chunks.index));
}

export async function findChunk(db: Database, sessionId: string, index: number): Promise<ChunkRow | undefined> {
  const [row] = await db.select().from(chunks).where(and(eq(chunks.sessionId, sessionId), eq(chunks.index, index)));
  return row;
}

/** Replaces the chunk plan (a re-run of prepare cuts the same audio the same way). */
export async function replaceChunks(db: Database, sessionId: string, list: NewChunk[]): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.delete(chunks).where(eq(chunks.sessionId, sessionId));
    if (list.length) await tx.insert(chunks).values(list.map((c) => ({ sessionId, ...c })));
  });
}

/** Records the size of a part once it is stored (size 0 means planned, not cut yet). */
export async function setChunkSize(db: Database, sessionId: string, index: number, sizeBytes: number): Promise<void> {
  await db.update(chunks).set({ sizeBytes }).where(and(eq(chunks.sessionId, sessionId), eq(chunks.index, index)));
}

/** Stores one chunk's segments and returns how much audio (seconds) is now transcribed. */
export async function saveChunkSegments(
  db: Database,
  sessionId: string,
  index: number,
  segments: TranscriptSegment[],
  untranscribed: AudioSpan[] = [],
  speech: AudioSpan[] | null = null,
): Promise<{ chunksDone: number; secondsDone: number }> {
  return db.transaction(async (tx) => {
    await tx
      .update(chunks)
      .set({ segments, untranscribed, speech, doneSec: sql`${chunks.endSec} - ${chunks.startSec}`, transcribedAt: sql`now()` })
      .where(and(eq(chunks.sessionId, sessionId), eq(chunks.index, index)));
    const [agg] = await tx
      .select({
        n: sql<number>`count(*)::int`,
        secs: sql<number>`coalesce(sum(${chunks.endSec} - ${chunks.startSec}), 0)::float8`,
      })
      .from(chunks)
      .where(and(eq(chunks.sessionId, sessionId), isNotNull(chunks.transcribedAt)));
    const chunksDone = Number(agg?.n ?? 0);
    await tx.update(sessions).set({ chunksDone, updatedAt: sql`now()` }).where(eq(sessions.id, sessionId));
    return { chunksDone, secondsDone: Number(agg?.secs ?? 0) };
  });
}

/** A step begins transcribing a part: it counts as in flight until it is transcribed. */
export async function markChunkStarted(db: Database, sessionId: string, index: number): Promise<void> {
  await db
    .update(chunks)
    .set({ startedAt: sql`now()`, doneSec: 0 })
    .where(and(eq(chunks.sessionId, sessionId), eq(chunks.index, index), isNull(chunks.transcribedAt)));
}

/** "part 3 of 8", "parts 2 and 3 of 8", "parts 1, 2 and 4 of 8" */
export function describeParts(indexes: number[], total: number): string {
  const n = indexes.map((i) => String(i + 1));
  if (n.length === 0) return "";
  const list = n.length > 1 ? `${n.slice(0, -1).join(", ")} and ${n.at(-1)}` : n[0];
  return `${n.length > 1 ? "parts" : "part"} ${list} of ${total}`;
}

/**
 * A transcription step's progress inside its part: records the seconds decoded so far
 * and moves the session's bar to the share of all audio decoded (finished parts whole,
 * parts in flight as far as they got), with the parts in flight named. Fenced by
 * generation like every run write; never moves the bar backwards.
 */
export async function reportChunkProgress(
  db: Database,
  sessionId: string,
  generation: number,
  index: number,
  doneSec: number,
  toProgress: (secondsDone: number, cutShare: number) => number,
): Promise<boolean> {
  return db.transaction(async (tx) => {
    const owned = await processingRun(tx, sessionId, generation);
    if (!owned) return false;
    await tx
      .update(chunks)
      .set({ doneSec: sql`least(${chunks.endSec} - ${chunks.startSec}, greatest(${chunks.doneSec}, ${doneSec}))` })
      .where(and(eq(chunks.sessionId, sessionId), eq(chunks.index, index), isNull(chunks.transcribedAt)));
    await writePartsProgress(tx, sessionId, owned.total, toProgress);
    return true;
  });
}

type Transaction = Parameters<Parameters<Database["transaction"]>[0]>[0];

/** The session, when this generation's run still holds it: what every part write is fenced by. */
async function processingRun(tx: Transaction, sessionId: string, generation: number): Promise<{ total: number } | undefined> {
  const [owned] = await tx
    .select({ total: sessions.chunksTotal })
    .from(sessions)
    .where(and(eq(sessions.id, sessionId), eq(sessions.generation, generation), eq(sessions.status, "processing")));
  return owned;
}

/**
 * A part was cut and stored while others transcribe (remote providers' parts): records its
 * size, which marks it cut, and moves the bar like reportChunkProgress. Fenced the same way.
 */
export async function markChunkCut(
  db: Database,
  sessionId: string,
  generation: number,
  index: number,
  sizeBytes: number,
  toProgress: (secondsDone: number, cutShare: number) => number,
): Promise<boolean> {
  return db.transaction(async (tx) => {
    const owned = await processingRun(tx, sessionId, generation);
    if (!owned) return false;
    await tx.update(chunks).set({ sizeBytes }).where(and(eq(chunks.sessionId, sessionId), eq(chunks.index, index)));
    await writePartsProgress(tx, sessionId, owned.total, toProgress);
    return true;
  });
}

/** The bar from every part's state: seconds decoded, parts cut (size > 0), and the parts in flight named. */
async function writePartsProgress(
  tx: Transaction,
  sessionId: string,
  total: number,
  toProgress: (secondsDone: number, cutShare: number) => number,
): Promise<void> {
  const rows = await tx
    .select({ index: chunks.index, doneSec: chunks.doneSec, sizeBytes: chunks.sizeBytes, startedAt: chunks.startedAt, transcribedAt: chunks.transcribedAt })
    .from(chunks)
    .where(eq(chunks.sessionId, sessionId))
    .orderBy(asc(chunks.index));
  const seconds = rows.reduce((sum, r) => sum + r.doneSec, 0);
  const cut = rows.filter((r) => r.sizeBytes > 0 || r.transcribedAt).length;
  const inFlight = rows.filter((r) => r.startedAt && !r.transcribedAt).map((r) => r.index);
  const progress = Math.max(0, Math.min(100, Math.round(toProgress(seconds, rows.length ? cut / rows.length : 1))));
  const doing = [
    ...(cut < rows.length ? [`Cutting parts (${cut} of ${total} cut)`] : []),
    ...(inFlight.length ? [`${cut < rows.length ? "transcribing" : "Transcribing"} ${describeParts(inFlight, total)}`] : []),
  ];
  await tx
    .update(sessions)
    .set({
      progress: sql`greatest(${sessions.progress}, ${progress})`,
      activity: doing.length ? doing.join("; ") : null,
      updatedAt: sql`now()`,
    })
    .where(eq(sessions.id, sessionId));
}

export async function deleteChunkRows(db: Database, sessionId: string): Promise<void> {
  await db.delete(chunks).where(eq(chunks.sessionId, sessionId));
}

// ── transcript and analysis ─────────────────────────────────────────────────

/** Writes the whole transcript at once; running it twice leaves the same rows. */
export async function saveTranscript(
  db: Database,
  sessionId: string,
  t: { provider: string; language?: string | null; segments: TranscriptSegment[]; untranscribed?: AudioSpan[] },
): Promise<{ text: string; segmentCount: number }> {
  const text = t.segments
    .map((s) => s.text.trim())
    .filter(Boolean)
    .join(" ");
  await db.transaction(async (tx) => {
    await tx.delete(transcriptSegments).where(eq(transcriptSegments.sessionId, sessionId));
    await tx.delete(transcripts).where(eq(transcripts.sessionId, sessionId));
    await tx.insert(transcripts).values({
      sessionId,
      text,
      provider: t.provider,
      language: t.language ?? null,
      segmentCount: t.segments.length,
      untranscribed: t.untranscribed ?? [],
    });
    // Batched so a many-hour transcript stays under the parameter limit.
    for (let i = 0; i < t.segments.length; i += 500) {
      const batch = t.segments.slice(i, i + 500).map((s, j) => ({
        sessionId,
        seq: i + j,
        start: s.start,
        end: s.end,
        text: s.text,
        speaker: s.speaker ?? null,
      }));
      await tx.insert(transcriptSegments).values(batch);
    }
  });
  return { text, segmentCount: t.segments.length };
}

export async function findTranscript(db: Database, sessionId: string) {
  const [t] = await db.select().from(transcripts).where(eq(transcripts.sessionId, sessionId));
  if (!t) return undefined;
  const segments = await db
    .select({ start: transcriptSegments.start, end: transcriptSegments.end, text: transcriptSegments.text, speaker: transcriptSegments.speaker })
    .from(transcriptSegments)
    .where(eq(transcriptSegments.sessionId, sessionId))
    .orderBy(asc(transcriptSegments.seq));
  return { ...t, segments };
}

export async function saveAnalysis(db: Database, sessionId: string, a: Analysis): Promise<void> {
  await db
    .insert(analyses)
    .values({ sessionId, noSpeech: a.noSpeech, metrics: a.metrics, insights: a.insights })
    .onConflictDoUpdate({
      target: analyses.sessionId,
      set: { noSpeech: a.noSpeech, metrics: a.metrics, insights: a.insights, createdAt: sql`now()` },
    });
}

export async function findAnalysis(db: Database, sessionId: string) {
  const [a] = await db.select().from(analyses).where(eq(analyses.sessionId, sessionId));
  return a;
}

export async function setSilences(db: Database, id: string, silences: { start: number; end: number }[]): Promise<void> {
  await db.update(sessions).set({ silences }).where(eq(sessions.id, id));
}
