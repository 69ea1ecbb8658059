import {
  bigint,
  boolean,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  real,
  serial,
  text,
  timestamp,
} from "drizzle-orm/pg-core";
import type { Insights, SpeechMetrics } from "@/lib/analysis/types";
import type { SessionStage, SessionStatus } from "@/lib/sessions/status";
import { accounts, apiKeys, authSessions, users, verifications } from "./auth-schema";
import type { AudioSpan, TranscriptSegment } from "@/lib/transcription/types";

const timestamps = {
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
};

export const sessions = pgTable(
  "sessions",
  {
    id: text("id").primaryKey(),
    ownerId: text("owner_id").notNull(),
    title: text("title").notNull(),
    fileName: text("file_name").notNull(),
    contentType: text("content_type").notNull(),
    fileSize: bigint("file_size", { mode: "number" }).notNull(),
    language: text("language"),
    deleteAfterAnalysis: boolean("delete_after_analysis").notNull().default(false),
    status: text("status").$type<SessionStatus>().notNull().default("awaiting_upload"),
    stage: text("stage").$type<SessionStage>(),
    progress: integer("progress").notNull().default(0),
    /** 1-based attempt of the step now running, as the engine reports it. */
    attempt: integer("attempt").notNull().default(0),
    error: text("error"),
    /** Seconds that actually decode: what is shown and used. */
    durationSec: real("duration_sec"),
    /** The container's own claim, kept only when it promised more than decodes. */
    announcedDurationSec: real("announced_duration_sec"),
    /** What the run is doing right now, in words ("Cutting part 3 of 8"); null when nothing is under way. */
    activity: text("activity"),
    /** Storage key of the original upload; null once deleted. */
    audioKey: text("audio_key"),
    audioDeletedAt: timestamp("audio_deleted_at", { withTimezone: true }),
    /** Bumped by every start or retry; part of the event id so each starts exactly one run. */
    generation: integer("generation").notNull().default(0),
    chunksTotal: integer("chunks_total").notNull().default(0),
    chunksDone: integer("chunks_done").notNull().default(0),
    transcriber: text("transcriber"),
    /** Pauses ffmpeg found while preparing; the analysis measures speaking time from them. */
    silences: jsonb("silences").$type<{ start: number; end: number }[]>(),
    /** Where session.completed / session.failed are POSTed (checked against private targets at creation and delivery). */
    webhookUrl: text("webhook_url"),
    /** Times self-healing re-dispatched this session after its run was lost; capped by AUTO_RECOVERY_ATTEMPTS. */
    recoveries: integer("recoveries").notNull().default(0),
    /** An operator asked for it to go first. */
    urgent: boolean("urgent").notNull().default(false),
    /** The engine's run of the current generation, for a link to its dashboard. */
    runId: text("run_id"),
    /** Names the person gave the transcript's speaker labels ("A" → "Maria"). */
    speakerNames: jsonb("speaker_names").$type<Record<string, string>>().notNull().default({}),
    queuedAt: timestamp("queued_at", { withTimezone: true }),
    startedAt: timestamp("started_at", { withTimezone: true }),
    /** When this run began transcribing: the ETA is the rate measured since. */
    transcribeStartedAt: timestamp("transcribe_started_at", { withTimezone: true }),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
    ...timestamps,
  },
  (t) => [index("sessions_owner_created_idx").on(t.ownerId, t.createdAt.desc())],
);

/** Every status change, for the timeline and for operators. */
export const stageLog = pgTable(
  "stage_log",
  {
    id: serial("id").primaryKey(),
    sessionId: text("session_id")
      .notNull()
      .references(() => sessions.id, { onDelete: "cascade" }),
    at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
    status: text("status").$type<SessionStatus>().notNull(),
    stage: text("stage").$type<SessionStage>(),
    progress: integer("progress").notNull(),
    attempt: integer("attempt").notNull().default(0),
    message: text("message"),
    error: text("error"),
  },
  (t) => [index("stage_log_session_idx").on(t.sessionId, t.id)],
);

/** The pieces `prepare` cut; each is transcribed by its own step. */
export const chunks = pgTable(
  "chunks",
  {
    sessionId: text("session_id")
      .notNull()
      .references(() => sessions.id, { onDelete: "cascade" }),
    index: integer("index").notNull(),
    startSec: real("start_sec").notNull(),
    endSec: real("end_sec").notNull(),
    blobKey: text("blob_key").notNull(),
    sizeBytes: bigint("size_bytes", { mode: "number" }).notNull(),
    /** Segments with timestamps in the whole recording's time; null until transcribed. */
    segments: jsonb("segments").$type<TranscriptSegment[]>(),
    /** Sound the transcriber gave no words for, in the whole recording's time. */
    untranscribed: jsonb("untranscribed").$type<AudioSpan[]>(),
    /** Where Silero VAD heard speech, in the whole recording's time; null when no VAD ran. */
    speech: jsonb("speech").$type<AudioSpan[]>(),
    /** Seconds of this part already decoded by the step now transcribing it. */
    doneSec: real("done_sec").notNull().default(0),
    /** When a step began transcribing it: a part in flight is started and not transcribed. */
    startedAt: timestamp("started_at", { withTimezone: true }),
    transcribedAt: timestamp("transcribed_at", { withTimezone: true }),
  },
  (t) => [primaryKey({ columns: [t.sessionId, t.index] })],
);

export const transcripts = pgTable("transcripts", {
  sessionId: text("session_id")
    .primaryKey()
    .references(() => sessions.id, { onDelete: "cascade" }),
  text: text("text").notNull(),
  provider: text("provider").notNull(),
  language: text("language"),
  segmentCount: integer("segment_count").notNull(),
  /** Stretches with sound that gave no words: the page says so instead of leaving a silent hole. */
  untranscribed: jsonb("untranscribed").$type<AudioSpan[]>().notNull().default([]),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

export const transcriptSegments = pgTable(
  "transcript_segments",
  {
    sessionId: text("session_id")
      .notNull()
      .references(() => sessions.id, { onDelete: "cascade" }),
    seq: integer("seq").notNull(),
    start: real("start").notNull(),
    end: real("end").notNull(),
    text: text("text").notNull(),
    speaker: text("speaker"),
  },
  (t) => [primaryKey({ columns: [t.sessionId, t.seq] })],
);

export const analyses = pgTable("analyses", {
  sessionId: text("session_id")
    .primaryKey()
    .references(() => sessions.id, { onDelete: "cascade" }),
  noSpeech: boolean("no_speech").notNull(),
  metrics: jsonb("metrics").$type<SpeechMetrics>().notNull(),
  insights: jsonb("insights").$type<Insights>().notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

/**
 * Failures waiting to be told to operators. A burst is grouped: the first alert run
 * to wake after the grouping window claims every unclaimed row and sends one message.
 */
export const alerts = pgTable(
  "alerts",
  {
    id: serial("id").primaryKey(),
    /** "<type>:<session>:<generation>": the same failure recorded twice is one alert. */
    dedupeKey: text("dedupe_key").notNull().unique(),
    type: text("type").$type<AlertType>().notNull(),
    sessionId: text("session_id"),
    stage: text("stage"),
    data: jsonb("data").$type<Record<string, unknown>>().notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    claimedAt: timestamp("claimed_at", { withTimezone: true }),
    groupId: text("group_id"),
  },
  (t) => [index("alerts_unclaimed_idx").on(t.claimedAt, t.createdAt)],
);
export type AlertType = "session.failed" | "session.recovery_exhausted" | "step.failing";

/** Every attempt to deliver an alert or a completion webhook, for /operations and the session. */
export const deliveries = pgTable(
  "deliveries",
  {
    id: serial("id").primaryKey(),
    at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
    kind: text("kind").$type<"alert" | "webhook">().notNull(),
    channel: text("channel").$type<"webhook" | "slack" | "email">().notNull(),
    /** session.completed, session.failed, alerts.grouped, … */
    eventType: text("event_type").notNull(),
    /** The Standard Webhooks message id (the same on every retry of one message). */
    messageId: text("message_id").notNull(),
    sessionId: text("session_id"),
    /** The URL without credentials or query, or the e-mail recipients. */
    target: text("target").notNull(),
    attempt: integer("attempt").notNull(),
    ok: boolean("ok").notNull(),
    statusCode: integer("status_code"),
    error: text("error"),
    durationMs: integer("duration_ms"),
  },
  (t) => [index("deliveries_session_idx").on(t.sessionId, t.id), index("deliveries_at_idx").on(t.at)],
);

/**
 * Running totals behind /api/metrics' counters (`murmur_sessions_total{status}`,
 * `murmur_audio_seconds_total`, `murmur_step_retries_total`). A Prometheus counter must
 * never go down, and counting rows of sessions or their stage log did when retention
 * deleted them. The totals are added to by database triggers (migration 0006) in the
 * statement that makes the change: a session's status becoming final, a retried step
 * written to the stage log. Every path that ends a session (steps, cancel, sweep, a
 * script's UPDATE) counts, and nothing that deletes rows touches them.
 */
export const metricTotals = pgTable(
  "metric_totals",
  {
    /** The metric without its prefix: sessions_total, audio_seconds_total, step_retries_total. */
    name: text("name").notNull(),
    /** The label value (the status for sessions_total), "" for a metric without labels. */
    label: text("label").notNull().default(""),
    value: doublePrecision("value").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.name, t.label] })],
);

export * from "./auth-schema";
export const schema = {
  ...{ sessions, stageLog, chunks, transcripts, transcriptSegments, analyses, alerts, deliveries, metricTotals },
  ...{ users, authSessions, accounts, verifications, apiKeys },
};

export type SessionRow = typeof sessions.$inferSelect;
export type StageLogRow = typeof stageLog.$inferSelect;
export type ChunkRow = typeof chunks.$inferSelect;
export type AlertRow = typeof alerts.$inferSelect;
export type DeliveryRow = typeof deliveries.$inferSelect;
