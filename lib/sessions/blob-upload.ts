import type { SessionRow } from "@/db/schema";
import { handleUpload, type HandleUploadBody } from "@vercel/blob/client";
import * as q from "@/db/queries";
import { HttpError } from "@/lib/http";
import { blobKeys } from "@/lib/storage/types";
import { requireOwned, type SessionDeps } from "./service";
import { isRunStatus } from "./status";

/**
 * Issues a client-upload token that can only write this session's own audio
 * path, only audio/video types, and no more than the announced size. Vercel's
 * completion webhook (when it can reach us) queues the session too; the
 * deterministic event id makes that and the browser's /uploaded call one run.
 */
export async function blobUploadToken(
  deps: SessionDeps,
  routeSessionId: string,
  token: string,
  req: Request,
  body: HandleUploadBody,
  ownerId: string | null,
  onQueued: (row: SessionRow) => Promise<void>,
) {
  return handleUpload({
    token,
    request: req,
    body,
    onBeforeGenerateToken: async (pathname, clientPayload) => {
      const sessionId = parsePayload(clientPayload);
      if (sessionId !== routeSessionId) throw new HttpError(403, "wrong_session", "The upload names another session.");
      if (!ownerId) throw new HttpError(401, "no_identity", "No session cookie.");
      const row = await requireOwned(deps, sessionId, ownerId);
      if (row.status !== "awaiting_upload") throw new HttpError(409, "already_uploaded", "This session already has its audio.");
      if (pathname !== blobKeys.audio(row.id, row.fileName)) {
        throw new HttpError(403, "wrong_path", "Uploads may only go to the session's own audio path.");
      }
      return {
        allowedContentTypes: ["audio/*", "video/*", "application/octet-stream"],
        maximumSizeInBytes: Math.min(row.fileSize, deps.maxUploadBytes),
        addRandomSuffix: false,
        allowOverwrite: true,
        tokenPayload: JSON.stringify({ sessionId: row.id }),
      };
    },
    onUploadCompleted: async ({ tokenPayload }) => {
      const sessionId = parsePayload(tokenPayload ?? null);
      const row = await q.findSession(deps.db, sessionId);
      if (!row) return;
      const res = await q.queueSession(deps.db, sessionId, ["awaiting_upload"], {
        audioKey: blobKeys.audio(row.id, row.fileName),
        message: "Upload received (storage webhook)",
      });
      if (res && isRunStatus(res.row.status)) await onQueued(res.row);
    },
  });
}

function parsePayload(payload: string | null): string {
  try {
    const v = JSON.parse(payload ?? "") as unknown;
    const id = typeof v === "object" && v !== null && "sessionId" in v ? (v as { sessionId: unknown }).sessionId : v;
    if (typeof id === "string" && id) return id;
  } catch {
    // fall through
  }
  throw new HttpError(400, "invalid_payload", "clientPayload must name the session.");
}
