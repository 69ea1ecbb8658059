import type { DeliveryRow, SessionRow, StageLogRow } from "@/db/schema";
import { redactUrl } from "@/lib/webhooks/target";
import { failureHelp } from "./failure";
import { config } from "@/lib/config";
import { isStale } from "./status";
import type { Analysis } from "@/lib/analysis/types";
import type { AudioSpan, TranscriptSegment } from "@/lib/transcription/types";

/** The public shape of a session (GET /api/sessions/:id); also what the pages render. */
export interface SessionView {
  id: string;
  title: string;
  fileName: string;
  fileSize: number;
  status: SessionRow["status"];
  stage: SessionRow["stage"];
  progress: number;
  attempt: number;
  error: string | null;
  /** Seconds that decode (what is shown and used). */
  durationSec: number | null;
  /** What the file's header promised, only when noticeably more than decodes. */
  announcedDurationSec: number | null;
  /** What is under way now, in words ("Transcribing parts 2 and 3 of 8"). */
  activity: string | null;
  /** Seconds until done, from the rate measured in this run (or recent runs); null when unknown. */
  etaSec: number | null;
  /** Sessions ahead of this one while it waits; null when it is not waiting. */
  queuePosition: number | null;
  chunks: { total: number; done: number };
  transcriber: string | null;
  language: string | null;
  deleteAfterAnalysis: boolean;
  audioAvailable: boolean;
  /** Active but without any progress for STALE_RUN_AFTER: the person is offered Retry. */
  stale: boolean;
  /** Stopped (failed or cancelled): whether Retry can succeed, and what to do when it cannot. */
  retryable: boolean;
  advice: string | null;
  createdAt: string;
  updatedAt: string;
  /** When the upload finished and the session joined the queue: the elapsed clock starts here. */
  queuedAt: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  transcript: {
    text: string;
    provider: string;
    language: string | null;
    /** `speaker` is the name to show (the person's name for it, or the label); `speakerId` the transcriber's label. */
    segments: (TranscriptSegment & { speakerId?: string })[];
    /** Each speaker label once, in order of appearance, with the name given to it (null: none yet). */
    speakers: { id: string; name: string | null }[];
    /** Stretches with sound that gave no words (recording time, seconds). */
    untranscribed: AudioSpan[];
  } | null;
  analysis: Analysis | null;
  /** An operator marked it to go first. */
  urgent: boolean;
  /** When AUDIO_RETENTION will delete the audio (null: kept until the person deletes it, or already gone). */
  audioDeletesAt: string | null;
  /** When SESSION_RETENTION will delete the whole session (null: kept). */
  deletesAt: string | null;
  timeline?: TimelineEntry[];
  /** The webhook given at creation (without its query) and every delivery attempt. */
  webhook?: { url: string; deliveries: WebhookDelivery[] } | null;
}

export interface WebhookDelivery {
  at: string;
  event: string;
  attempt: number;
  ok: boolean;
  statusCode: number | null;
  error: string | null;
}

export interface RetentionPolicy {
  audioMs?: number;
  sessionMs?: number;
}

export interface TimelineEntry {
  at: string;
  status: StageLogRow["status"];
  stage: StageLogRow["stage"];
  progress: number;
  attempt: number;
  message: string | null;
  error: string | null;
}

const FINAL: string[] = ["completed", "failed", "cancelled"];
const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

export function toSessionView(
  row: SessionRow,
  extra: {
    transcript?: {
      text: string;
      provider: string;
      language: string | null;
      segments: { start: number; end: number; text: string; speaker: string | null }[];
      untranscribed: AudioSpan[];
    };
    analysis?: { noSpeech: boolean; metrics: Analysis["metrics"]; insights: Analysis["insights"] };
    log?: StageLogRow[];
    estimates?: { etaSec: number | null; queuePosition: number | null };
    deliveries?: DeliveryRow[];
  } = {},
  retention: RetentionPolicy = {},
): SessionView {
  const ended = FINAL.includes(row.status);
  const endedAt = row.finishedAt ?? row.updatedAt;
  return {
    id: row.id,
    title: row.title,
    fileName: row.fileName,
    fileSize: row.fileSize,
    status: row.status,
    stage: row.stage,
    progress: row.progress,
    attempt: row.attempt,
    error: row.error,
    durationSec: row.durationSec,
    announcedDurationSec: row.announcedDurationSec,
    activity: row.status === "processing" ? row.activity : null,
    etaSec: extra.estimates?.etaSec ?? null,
    queuePosition: extra.estimates?.queuePosition ?? null,
    chunks: { total: row.chunksTotal, done: row.chunksDone },
    transcriber: row.transcriber,
    language: row.language,
    deleteAfterAnalysis: row.deleteAfterAnalysis,
    audioAvailable: row.audioKey !== null,
    stale: isStale(row, config().STALE_RUN_AFTER),
    ...failureHelp(row),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    queuedAt: iso(row.queuedAt),
    startedAt: iso(row.startedAt),
    finishedAt: iso(row.finishedAt),
    transcript: extra.transcript
      ? {
          text: extra.transcript.text,
          provider: extra.transcript.provider,
          language: extra.transcript.language,
          segments: extra.transcript.segments.map((s) => ({
            start: s.start,
            end: s.end,
            text: s.text,
            ...(s.speaker ? { speaker: row.speakerNames[s.speaker] ?? s.speaker, speakerId: s.speaker } : {}),
          })),
          speakers: [...new Set(extra.transcript.segments.map((s) => s.speaker).filter((s): s is string => !!s))].map((id) => ({
            id,
            name: row.speakerNames[id] ?? null,
          })),
          untranscribed: extra.transcript.untranscribed,
        }
      : null,
    analysis: extra.analysis
      ? { noSpeech: extra.analysis.noSpeech, metrics: extra.analysis.metrics, insights: extra.analysis.insights }
      : null,
    urgent: row.urgent,
    audioDeletesAt:
      retention.audioMs !== undefined && row.audioKey && ended ? new Date(endedAt.getTime() + retention.audioMs).toISOString() : null,
    deletesAt: retention.sessionMs !== undefined ? new Date(row.createdAt.getTime() + retention.sessionMs).toISOString() : null,
    ...(extra.deliveries
      ? {
          webhook: row.webhookUrl
            ? {
                url: redactUrl(row.webhookUrl),
                deliveries: extra.deliveries.map((d) => ({
                  at: d.at.toISOString(),
                  event: d.eventType,
                  attempt: d.attempt,
                  ok: d.ok,
                  statusCode: d.statusCode,
                  error: d.error,
                })),
              }
            : null,
        }
      : {}),
    ...(extra.log
      ? {
          timeline: extra.log.map((l) => ({
            at: l.at.toISOString(),
            status: l.status,
            stage: l.stage,
            progress: l.progress,
            attempt: l.attempt,
            message: l.message,
            error: l.error,
          })),
        }
      : {}),
  };
}
