/**
 * The session lifecycle, in one place: every status and stage, the sets the
 * rest of the code asks about, and the words people read. Adding a status is a
 * change here (the Records below fail to compile until it has a label and a
 * place in the sets) plus a migration if the database needs one.
 *
 * No imports: the browser bundle, the database layer and the engine's steps all
 * read this module.
 */

export const SESSION_STATUSES = ["awaiting_upload", "queued", "processing", "completed", "failed", "cancelled"] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];

/** The steps of processing, in order; only meaningful while a run is on the session. */
export const SESSION_STAGES = ["preparing", "transcribing", "analyzing", "finalizing"] as const;
export type SessionStage = (typeof SESSION_STAGES)[number];

/**
 * A run is on the session: its writes are accepted only in these statuses (with
 * its own generation), and a session in them that stops moving is stale.
 */
export const RUN_STATUSES = ["queued", "processing"] as const satisfies readonly SessionStatus[];

/** Nothing more happens without the person (retry or delete). */
export const FINAL_STATUSES = ["completed", "failed", "cancelled"] as const satisfies readonly SessionStatus[];

/**
 * Not ended yet: the browser keeps polling and the person may still cancel.
 * Unlike RUN_STATUSES this includes a session still waiting for its upload.
 */
export const OPEN_STATUSES = ["awaiting_upload", ...RUN_STATUSES] as const satisfies readonly SessionStatus[];

/** A session that ended without completing; Retry starts a new run (if the audio is kept). */
export const RETRYABLE_STATUSES = ["failed", "cancelled"] as const satisfies readonly SessionStatus[];

const has = <S extends SessionStatus>(set: readonly S[], status: string): status is S => (set as readonly string[]).includes(status);

export const isRunStatus = (status: string) => has(RUN_STATUSES, status);
export const isFinal = (status: string) => has(FINAL_STATUSES, status);
export const isOpen = (status: string) => has(OPEN_STATUSES, status);
export const isRetryable = (status: string) => has(RETRYABLE_STATUSES, status);
export const isSessionStatus = (status: unknown): status is SessionStatus => typeof status === "string" && has(SESSION_STATUSES, status);

/**
 * The run was probably lost (engine reset, deleted state): the person is offered Retry.
 * `staleAfterMs` is the STALE_RUN_AFTER setting (passed in: this module reads no
 * configuration), the same one the sweep uses to re-dispatch, so the page never calls
 * a session stale that self-healing does not, or the other way round.
 */
export function isStale(s: { status: string; updatedAt: Date }, staleAfterMs: number, now = Date.now()): boolean {
  return isRunStatus(s.status) && now - s.updatedAt.getTime() > staleAfterMs;
}

export const STATUS_LABEL: Record<SessionStatus, string> = {
  awaiting_upload: "Waiting for upload",
  queued: "Waiting",
  processing: "Processing",
  completed: "Completed",
  failed: "Failed",
  cancelled: "Cancelled",
};

/** What the progress bar says when no stage label applies. */
export const STATUS_PROGRESS_LABEL: Record<SessionStatus, string> = {
  awaiting_upload: "Waiting for the upload",
  queued: "Waiting for a worker",
  processing: "Processing",
  completed: "Done",
  failed: "Stopped",
  cancelled: "Cancelled",
};

export const STAGE_LABEL: Record<SessionStage, string> = {
  preparing: "Preparing audio",
  transcribing: "Transcribing",
  analyzing: "Analysing",
  finalizing: "Finishing",
};
