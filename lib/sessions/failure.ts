import type { SessionRow } from "@/db/schema";
import { NOT_AUDIO_MESSAGE } from "@/lib/audio/probe";

/**
 * What a person can do about a session that stopped. Retry is offered only where it can
 * succeed: a file that is not readable audio fails the same way every time, and audio that
 * is no longer stored cannot be processed again; both need a new upload.
 */
export interface FailureHelp {
  retryable: boolean;
  /** A sentence on what to do instead, when Retry cannot help. */
  advice: string | null;
}

export function failureHelp(row: Pick<SessionRow, "status" | "error" | "audioKey" | "generation">): FailureHelp {
  if (row.status !== "failed" && row.status !== "cancelled") return { retryable: false, advice: null };
  if (row.status === "failed" && row.error?.startsWith(NOT_AUDIO_MESSAGE)) {
    return { retryable: false, advice: "Export it as MP3 or M4A (or save the sound track of the video) and upload it again." };
  }
  if (!row.audioKey) {
    return {
      retryable: false,
      advice: row.generation === 0 ? "The recording never arrived. Upload it again." : "The audio was deleted, so it cannot be processed again. Upload it again.",
    };
  }
  return { retryable: true, advice: null };
}
