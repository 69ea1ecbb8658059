import { randomUUID } from "node:crypto";
import type { Database } from "@/db/client";
import * as q from "@/db/queries";
import { deliveriesForSession } from "@/db/operations";
import type { SessionRow } from "@/db/schema";
import { config } from "@/lib/config";
import { formatDuration } from "@/lib/time";
import { HttpError, notFound } from "@/lib/http";
import { BlockedTargetError, checkTarget } from "@/lib/webhooks/target";
import { blobKeys, UploadIncompleteError, UploadTooLargeError, type BlobBody, type BlobStore } from "@/lib/storage/types";
import { createSessionBody, isAcceptableMedia, titleFromFileName, type CreateSessionBody } from "./upload-rules";
import { updateRun } from "@/lib/pipeline/fence";
import { isRetryable, isRunStatus, isStale, OPEN_STATUSES, RETRYABLE_STATUSES, RUN_STATUSES } from "./status";
import { parseRange } from "./range";
import { buildExport, contentDisposition, type ExportFile, type ExportFormat } from "@/lib/exports";
import { estimatesFor } from "./estimates";
import { servableType } from "./media-type";
import { failureHelp } from "./failure";
import { toSessionView, type SessionView } from "./view";

/**
 * The session use-cases behind the HTTP API. Each does database and storage
 * work only; sending the Inngest event is the caller's second and last step,
 * so an upload is acknowledged in milliseconds.
 */
export interface SessionDeps {
  db: Database;
  store: BlobStore;
  maxUploadBytes: number;
}

export { createSessionBody };

export async function createSession(deps: SessionDeps, ownerId: string, body: CreateSessionBody): Promise<SessionRow> {
  if (body.fileSize === 0) throw new HttpError(400, "empty_file", "The file is empty.");
  if (body.fileSize > deps.maxUploadBytes) {
    throw new HttpError(413, "too_large", `The file is larger than the limit of ${mb(deps.maxUploadBytes)} MB.`);
  }
  if (!isAcceptableMedia(body.fileName, body.contentType)) {
    throw new HttpError(
      415,
      "unsupported_type",
      `"${body.fileName}" does not look like an audio or video recording (type "${body.contentType || "unknown"}").`,
    );
  }
  if (body.webhookUrl) await acceptableWebhook(body.webhookUrl);
  return q.insertSession(deps.db, {
    id: randomUUID(),
    ownerId,
    title: body.title || titleFromFileName(body.fileName),
    fileName: body.fileName,
    // Only a listed audio/video type is kept; anything else is served as opaque bytes, never rendered.
    contentType: servableType(body.contentType),
    fileSize: body.fileSize,
    language: body.language ?? null,
    deleteAfterAnalysis: body.deleteAfterAnalysis,
    webhookUrl: body.webhookUrl ?? null,
  });
}

/** A webhook target is checked when it is given (and again at each delivery): loopback and private networks are refused. */
async function acceptableWebhook(url: string): Promise<void> {
  const c = config();
  if (!c.WEBHOOK_SECRET) {
    throw new HttpError(400, "webhooks_unavailable", "This server does not send webhooks (WEBHOOK_SECRET is not set).");
  }
  try {
    await checkTarget(url, { allowPrivate: c.WEBHOOK_ALLOW_PRIVATE });
  } catch (err) {
    if (err instanceof BlockedTargetError) throw new HttpError(400, "webhook_refused", err.message);
    throw err;
  }
}

export async function requireOwned(deps: Pick<SessionDeps, "db">, id: string, ownerId: string): Promise<SessionRow> {
  const row = await q.findOwnedSession(deps.db, id, ownerId);
  if (!row) throw notFound();
  return row;
}

/**
 * True when the upload already arrived, so a client's retry is answered as the first time was.
 * A session that ended before any bytes came (cancelled, or expired by the sweep after
 * UPLOAD_EXPIRES_AFTER) refuses the upload instead.
 */
function alreadyReceived(row: SessionRow): boolean {
  if (row.status === "awaiting_upload") return false;
  if (row.status === "cancelled") throw new HttpError(409, "cancelled", "This session was cancelled.");
  if (row.status === "failed" && row.generation === 0) throw new HttpError(409, "upload_expired", row.error ?? "This upload expired.");
  return true;
}

/**
 * Streams the bytes of a local-storage upload to disk and queues the session.
 * The declared size is the limit: more is cut off (413), less means the upload
 * broke (400); either way nothing partial is kept and the session can be uploaded again.
 */
export async function receiveUpload(
  deps: SessionDeps,
  id: string,
  ownerId: string,
  body: BlobBody | null,
): Promise<{ row: SessionRow; changed: boolean }> {
  const row = await requireOwned(deps, id, ownerId);
  if (alreadyReceived(row)) return { row, changed: false };
  if (!body) throw new HttpError(400, "empty_file", "The request carried no audio.");
  const key = blobKeys.audio(id, row.fileName);
  try {
    await deps.store.write(key, body, { contentType: row.contentType, exactBytes: row.fileSize });
  } catch (err) {
    if (err instanceof UploadTooLargeError) {
      throw new HttpError(413, "too_large", `The upload is larger than the ${row.fileSize} bytes announced for it.`);
    }
    if (err instanceof UploadIncompleteError) {
      throw new HttpError(
        400,
        err.received === 0 ? "empty_file" : "upload_incomplete",
        err.received === 0 ? "The file is empty." : `Only ${err.received} of ${row.fileSize} bytes arrived. Please upload again.`,
      );
    }
    throw new HttpError(400, "upload_interrupted", "The upload was interrupted before all bytes arrived. Please upload again.");
  }
  return markUploaded(deps, row, key);
}

/** After a browser's direct upload to Vercel Blob: check the blob is really there, then queue. */
export async function confirmBlobUpload(
  deps: SessionDeps,
  id: string,
  ownerId: string,
): Promise<{ row: SessionRow; changed: boolean }> {
  const row = await requireOwned(deps, id, ownerId);
  if (alreadyReceived(row)) return { row, changed: false };
  const key = blobKeys.audio(id, row.fileName);
  const stat = await deps.store.stat(key);
  if (!stat) throw new HttpError(409, "not_uploaded", "No uploaded audio was found for this session. Upload it first.");
  if (stat.size === 0) throw new HttpError(400, "empty_file", "The file is empty.");
  if (stat.size !== row.fileSize) {
    // The token capped the size; a smaller blob means the upload stopped early.
    throw new HttpError(400, "upload_incomplete", `Only ${stat.size} of ${row.fileSize} bytes arrived. Please upload again.`);
  }
  return markUploaded(deps, row, key);
}

async function markUploaded(deps: SessionDeps, row: SessionRow, key: string) {
  const res = await q.queueSession(deps.db, row.id, ["awaiting_upload"], { audioKey: key, message: "Upload received" });
  if (!res) throw notFound();
  return res;
}

/** A failed or cancelled session starts a new run; what already finished is reused by the steps. */
export async function retrySession(deps: SessionDeps, id: string, ownerId: string): Promise<{ row: SessionRow; changed: boolean }> {
  const row = await requireOwned(deps, id, ownerId);
  if (isRunStatus(row.status)) {
    const staleAfter = config().STALE_RUN_AFTER;
    if (!isStale(row, staleAfter)) return { row, changed: false };
    // No progress for a long time: the run was lost (engine reset, deleted state). A new
    // generation fences off the old run, should it ever wake up, and starts a fresh one.
    const res = await q.queueSession(deps.db, id, RUN_STATUSES, {
      message: `Retry requested after no progress for ${formatDuration(staleAfter / 1000)}`,
      staleBefore: new Date(Date.now() - staleAfter),
    });
    if (!res) throw notFound();
    return res;
  }
  if (!isRetryable(row.status)) {
    throw new HttpError(409, "not_retryable", `A ${row.status.replace("_", " ")} session cannot be retried.`);
  }
  const help = failureHelp(row);
  if (!help.retryable && row.audioKey) throw new HttpError(409, "not_retryable", `${row.error ?? "This session cannot be retried."} ${help.advice ?? ""}`.trim());
  if (!row.audioKey) {
    throw row.generation === 0
      ? new HttpError(409, "not_uploaded", "This session never received its audio; upload the recording again.")
      : new HttpError(409, "audio_deleted", "The audio of this session was deleted, so it cannot be processed again.");
  }
  const res = await q.queueSession(deps.db, id, RETRYABLE_STATUSES, { message: "Retry requested" });
  if (!res) throw notFound();
  return res;
}

/** Marks the session cancelled; the caller then sends the cancel event to stop the run. */
export async function cancelSession(deps: SessionDeps, id: string, ownerId: string): Promise<SessionRow> {
  const row = await requireOwned(deps, id, ownerId);
  if (!(await q.cancelSession(deps.db, id, OPEN_STATUSES)) && row.status !== "cancelled") {
    throw new HttpError(409, "already_finished", `The session has already ${row.status === "completed" ? "completed" : "ended"}.`);
  }
  return (await q.findSession(deps.db, id))!;
}

/** Deletes the session, its rows and every stored byte (audio and chunks). */
export async function deleteSession(deps: SessionDeps, id: string, ownerId: string): Promise<{ wasActive: boolean }> {
  const row = await requireOwned(deps, id, ownerId);
  const wasActive = isRunStatus(row.status);
  if (wasActive) await q.cancelSession(deps.db, id, RUN_STATUSES);
  await deps.store.deletePrefix(blobKeys.sessionPrefix(id));
  await q.deleteSessionRow(deps.db, id);
  return { wasActive };
}

/** When the background engine cannot be reached, the upload is kept and the person can retry. */
export async function markStartFailed(deps: Pick<SessionDeps, "db">, row: SessionRow, err: unknown): Promise<void> {
  await updateRun(deps.db, { sessionId: row.id, generation: row.generation }, {
    status: "failed",
    error: "Processing could not be started (the background engine did not answer). Your upload is saved: press Retry.",
    message: `inngest.send failed: ${err instanceof Error ? err.message : String(err)}`,
  });
}

export async function sessionDetail(deps: Pick<SessionDeps, "db">, id: string, ownerId: string): Promise<SessionView> {
  const row = await requireOwned(deps, id, ownerId);
  const [transcript, analysis, log, deliveries, estimates] = await Promise.all([
    q.findTranscript(deps.db, id),
    q.findAnalysis(deps.db, id),
    q.stageLogFor(deps.db, id),
    deliveriesForSession(deps.db, id),
    estimatesFor(deps.db, row),
  ]);
  return toSessionView(row, { transcript, analysis, log, deliveries, estimates }, retentionPolicy());
}

/** The transcript as a file to download; 409 while there is none yet. */
export async function exportSession(
  deps: Pick<SessionDeps, "db">,
  id: string,
  ownerId: string,
  format: ExportFormat,
): Promise<ExportFile & { contentDisposition: string }> {
  const view = await sessionDetail(deps, id, ownerId);
  const file = buildExport(view, format);
  if (!file) throw new HttpError(409, "no_transcript", "This recording has no transcript yet.");
  return { ...file, contentDisposition: contentDisposition(view.title, file.fileName, format) };
}

export async function listSessions(deps: Pick<SessionDeps, "db">, ownerId: string): Promise<SessionView[]> {
  const retention = retentionPolicy();
  const rows = await q.listOwnedSessions(deps.db, ownerId);
  return Promise.all(rows.map(async (r) => toSessionView(r, { estimates: await estimatesFor(deps.db, r) }, retention)));
}

function retentionPolicy() {
  const c = config();
  return { audioMs: c.AUDIO_RETENTION, sessionMs: c.SESSION_RETENTION };
}

const mb = (bytes: number) => Math.round(bytes / (1024 * 1024));

/** The original recording for playback, honouring a byte range. */
export async function openAudio(deps: SessionDeps, id: string, ownerId: string, rangeHeader: string | null) {
  const row = await requireOwned(deps, id, ownerId);
  if (!row.audioKey) throw new HttpError(404, "audio_deleted", "The audio of this session is not stored (deleted, or not uploaded yet).");
  const whole = await deps.store.stat(row.audioKey);
  if (!whole) throw new HttpError(404, "audio_deleted", "The audio of this session is not stored.");
  const range = parseRange(rangeHeader, whole.size);
  if (range === "unsatisfiable") return { unsatisfiable: true as const, size: whole.size };
  const read = await deps.store.read(row.audioKey, range);
  if (!read) throw new HttpError(404, "audio_deleted", "The audio of this session is not stored.");
  // Re-checked on the way out: rows stored before the list existed may hold anything.
  return { unsatisfiable: false as const, contentType: servableType(row.contentType), fileName: row.fileName, seekable: deps.store.kind === "local", ...read };
}
