import { NextResponse } from "next/server";
import { BlobError } from "@vercel/blob";
import type { HandleUploadBody } from "@vercel/blob/client";
import { config } from "@/lib/config";
import { HttpError, handle, sessionIdFrom, signedInOwner } from "@/lib/http";
import { blobUploadToken } from "@/lib/sessions/blob-upload";
import { sessionDeps } from "@/lib/sessions/deps";
import { notifyUploaded } from "@/lib/sessions/notify";

export const dynamic = "force-dynamic";

/** Vercel Blob client uploads: token for the browser, and the completion webhook. */
export const POST = handle(async (req: Request, { params }: { params: Promise<{ id: string }> }) => {
  const id = await sessionIdFrom(params);
  const token = config().BLOB_READ_WRITE_TOKEN;
  if (!token) throw new HttpError(404, "not_found", "Direct uploads are not enabled (local storage is in use).");
  const body = (await req.json().catch(() => null)) as HandleUploadBody | null;
  if (!body || typeof body !== "object" || !("type" in body)) throw new HttpError(400, "invalid_json", "Expected a Vercel Blob upload body.");
  const owner = await signedInOwner();
  try {
    return NextResponse.json(await blobUploadToken(await sessionDeps(), id, token, req, body, owner, notifyUploaded));
  } catch (err) {
    // A forged or malformed completion callback is the caller's fault, not ours.
    if (err instanceof BlobError) throw new HttpError(400, "invalid_upload_request", err.message);
    throw err;
  }
});
