import { NextResponse } from "next/server";
import type { SessionRow } from "@/db/schema";
import { sendSessionUploaded } from "@/inngest/send";
import { errorResponse } from "@/lib/http";
import { markStartFailed, type SessionDeps } from "./service";
import { isRunStatus } from "./status";

/**
 * The one event that starts (or restarts) processing, then 202. The event id
 * is derived from the session and its generation, so sending it again after a
 * double click or a client retry is deduplicated and starts no second run.
 */
export async function startProcessing(deps: SessionDeps, res: { row: SessionRow }): Promise<Response> {
  const { row } = res;
  if (isRunStatus(row.status)) {
    try {
      await sendSessionUploaded(row.id, row.generation);
    } catch (err) {
      await markStartFailed(deps, row, err);
      return errorResponse(503, "engine_unavailable", "Your upload is saved, but processing could not be started. Press Retry in a moment.");
    }
  }
  return NextResponse.json({ id: row.id, status: row.status }, { status: 202 });
}
