import { randomBytes } from "node:crypto";
import fsp from "node:fs/promises";
import path from "node:path";
import { FileStore } from "@tus/file-store";
import { Server } from "@tus/server";
import type { SessionRow } from "@/db/schema";
import * as q from "@/db/queries";
import { HttpError, idParam } from "@/lib/http";
import { receiveUpload, type SessionDeps } from "./service";
import { TUS_ENDPOINT } from "./upload-instructions";

/**
 * Resumable uploads (the tus protocol) for local storage. The bytes gather in a
 * staging directory that survives a dropped connection, so the browser asks the
 * server's offset (HEAD) and continues from there. When the last byte arrives the
 * file goes through `receiveUpload`, exactly as a plain PUT would: the same size
 * check, the same conditional UPDATE, the same event id.
 *
 * An upload id is `<sessionId>_<random>`: every request can be checked against
 * the session's owner without a lookup table, and a fresh attempt for the same
 * session never collides with an older partial one.
 */
/** Partial uploads nobody came back for are removed after this long. */
const PARTIAL_UPLOAD_TTL_MS = 24 * 3600 * 1000;

export interface TusUploadOptions {
  deps: () => Promise<SessionDeps>;
  /** Where partial uploads are kept (outside the blob store: they are not audio yet). */
  directory: string;
  /** The caller's owner id, the same way every other route finds it. */
  ownerOf: (req: Request) => Promise<string>;
  /** What a finished upload triggers: the same start-processing step as the PUT route. */
  acknowledge: (res: { row: SessionRow; changed: boolean }) => Promise<{ id: string; status: string }>;
}

/** tus-node-server turns a thrown `{status_code, body}` into that answer. */
const refuse = (status_code: number, message: string) => ({ status_code, body: `${message}\n` });

function refuseHttp(err: unknown): never {
  if (err instanceof HttpError) throw refuse(err.status, err.message);
  throw err;
}

export function sessionIdOfUpload(uploadId: string): string | null {
  const sessionId = uploadId.split("_")[0] ?? "";
  return idParam.safeParse(sessionId).success ? sessionId : null;
}

export function createTusServer(opts: TusUploadOptions): Server {
  const datastore = new FileStore({ directory: opts.directory, expirationPeriodInMilliseconds: PARTIAL_UPLOAD_TTL_MS });

  /** The session behind an upload id, owned by the caller; anything else is "not found". */
  async function ownedSession(req: Request, uploadId: string): Promise<{ row: SessionRow; owner: string; deps: SessionDeps }> {
    const sessionId = sessionIdOfUpload(uploadId);
    if (!sessionId) throw refuse(404, "Upload not found.");
    const [deps, owner] = await Promise.all([opts.deps(), opts.ownerOf(req)]);
    const row = await q.findOwnedSession(deps.db, sessionId, owner);
    if (!row) throw refuse(404, "Upload not found.");
    return { row, owner, deps };
  }

  return new Server({
    path: TUS_ENDPOINT,
    datastore,
    relativeLocation: true,
    // Same origin only: the browser's cookie is the owner, so no cross-origin access is offered.
    allowedOrigins: [],
    disableTerminationForFinishedUploads: true,
    maxSize: async () => (await opts.deps()).maxUploadBytes,
    namingFunction: (_req, metadata) => {
      const sessionId = metadata?.sessionId ?? "";
      if (!idParam.safeParse(sessionId).success) throw refuse(400, "Upload-Metadata must carry the sessionId of a session created with POST /api/sessions.");
      return `${sessionId}_${randomBytes(8).toString("hex")}`;
    },
    onIncomingRequest: async (req, uploadId) => {
      const { row } = await ownedSession(req, uploadId);
      // A session that already has its audio (or was cancelled) takes no more bytes.
      // HEAD stays open so a client can still learn that its upload had finished.
      if ((req.method === "POST" || req.method === "PATCH") && row.status !== "awaiting_upload") {
        throw refuse(409, row.status === "cancelled" ? "This session was cancelled." : "This session already received its audio.");
      }
    },
    onUploadCreate: async (_req, upload) => {
      const sessionId = sessionIdOfUpload(upload.id)!;
      const deps = await opts.deps();
      const row = (await q.findSession(deps.db, sessionId))!;
      if (upload.sizeIsDeferred || upload.size === undefined) throw refuse(400, "Upload-Length is required: it must equal the announced file size.");
      if (upload.size > row.fileSize) throw refuse(413, `The upload is larger than the ${row.fileSize} bytes announced for it.`);
      if (upload.size !== row.fileSize) throw refuse(400, `Upload-Length must equal the announced file size (${row.fileSize} bytes).`);
      // Partial uploads abandoned long ago go now, rather than on a timer this process may not have.
      void datastore.deleteExpired().catch(() => {});
      return {};
    },
    onUploadFinish: async (req, upload) => {
      const { row, owner, deps } = await ownedSession(req, upload.id);
      let answer: { id: string; status: string };
      try {
        const received = await receiveUpload(deps, row.id, owner, datastore.read(upload.id));
        answer = await opts.acknowledge(received).catch((err: unknown) => {
          // The bytes are stored and the session says what happened (failed, with Retry):
          // the upload itself succeeded, so the client is not told to send it again.
          if (err instanceof HttpError && err.status === 503) return { id: row.id, status: "failed" };
          throw err;
        });
      } catch (err) {
        refuseHttp(err);
      } finally {
        await datastore.remove(upload.id).catch(() => {});
      }
      return { status_code: 200, headers: { "content-type": "application/json" }, body: JSON.stringify(answer) };
    },
  });
}

/** A deleted session's unfinished uploads go with it, rather than waiting for their expiry. */
export async function removePartialUploads(directory: string, sessionId: string): Promise<void> {
  const names = await fsp.readdir(directory).catch(() => [] as string[]);
  await Promise.all(names.filter((n) => n.startsWith(`${sessionId}_`)).map((n) => fsp.rm(path.join(directory, n), { force: true })));
}
