import type { Database } from "@/db/client";
import * as q from "@/db/queries";
import type { SessionRow } from "@/db/schema";
import { BANDS } from "@/lib/pipeline/progress";
import { isRunStatus, RUN_STATUSES } from "./status";

export interface Estimates {
  /** Seconds until the session is done; null when there is nothing honest to go on. */
  etaSec: number | null;
  /** Active sessions queued before this one while it waits; null when it is not waiting. */
  queuePosition: number | null;
}

/** Share of the transcription band this run must have measured before its own rate is trusted. */
const MIN_MEASURED_SHARE = 0.03;
/** Seconds still to come once transcription is done: merge, local analysis, finalize (measured: ~1–3 s). */
const TAIL_SEC = 2;

function median(values: number[]): number | undefined {
  if (!values.length) return undefined;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

/**
 * The ETA from the rate measured in this run: inside the transcription band, progress is
 * the share of audio decoded, so the time left is the time spent transcribing so far times
 * what is left over what is done. Before this run has a rate (queued, preparing, the very
 * start of transcription), from recent runs of the same transcriber per second of audio;
 * without those either, null.
 */
export function etaFromRun(row: Pick<SessionRow, "status" | "stage" | "progress" | "durationSec" | "startedAt" | "transcribeStartedAt">, now: Date, recentRates: number[]): number | null {
  if (!isRunStatus(row.status)) return null;
  const band = BANDS.transcribing;
  if (row.status === "processing" && row.stage === "transcribing" && row.transcribeStartedAt) {
    const share = (row.progress - band.from) / (band.to - band.from);
    const spent = (now.getTime() - row.transcribeStartedAt.getTime()) / 1000;
    if (share >= MIN_MEASURED_SHARE && spent > 0) {
      return Math.max(0, Math.round(spent * ((1 - Math.min(1, share)) / share) + TAIL_SEC));
    }
  }
  if (row.status === "processing" && (row.stage === "analyzing" || row.stage === "finalizing")) return TAIL_SEC;
  const rate = median(recentRates);
  if (rate === undefined || !row.durationSec) return null;
  const total = rate * row.durationSec;
  const spent = row.status === "processing" && row.startedAt ? (now.getTime() - row.startedAt.getTime()) / 1000 : 0;
  return Math.max(TAIL_SEC, Math.round(total - spent));
}

export async function estimatesFor(db: Database, row: SessionRow, now = new Date()): Promise<Estimates> {
  if (!isRunStatus(row.status)) return { etaSec: null, queuePosition: null };
  const [rates, ahead] = await Promise.all([
    row.transcriber ? q.recentProcessingRates(db, row.transcriber) : Promise.resolve([]),
    row.status === "queued" && row.queuedAt ? q.countQueuedBefore(db, row.queuedAt, row.id, RUN_STATUSES) : Promise.resolve(null),
  ]);
  return { etaSec: etaFromRun(row, now, rates), queuePosition: ahead };
}
