import { NextResponse } from "next/server";
import { config } from "@/lib/config";
import { currentOwner, handle, readJson } from "@/lib/http";
import { sessionDeps } from "@/lib/sessions/deps";
import { bulkDeleteBody, listLibrary, deleteSessions } from "@/lib/sessions/library";
import { createSession, createSessionBody } from "@/lib/sessions/service";
import { uploadInstructions } from "@/lib/sessions/upload-instructions";
import { notifyCancelled } from "@/lib/sessions/notify";
import { tusDirectory } from "@/lib/sessions/tus-dir";
import { removePartialUploads } from "@/lib/sessions/tus-upload";

export const dynamic = "force-dynamic";

/** The caller's sessions: `?q=` words in titles and transcripts, `?status=`, `?sort=`, `?cursor=` for the next page. */
export const GET = handle(async (req: Request) => {
  const owner = await currentOwner();
  const page = await listLibrary(await sessionDeps(), owner, new URL(req.url).searchParams);
  return NextResponse.json(page, { headers: { "cache-control": "no-store" } });
});

export const POST = handle(async (req: Request) => {
  const body = await readJson(req, createSessionBody);
  // The one place a visitor becomes someone: an anonymous user who can sign up later and keep this.
  const owner = await currentOwner({ create: true });
  const row = await createSession(await sessionDeps(), owner, body);
  return NextResponse.json(
    { id: row.id, status: row.status, title: row.title, upload: uploadInstructions(config(), row) },
    { status: 201, headers: { location: `/api/sessions/${row.id}` } },
  );
});

/** Deletes several sessions: `{ids: [...]}`. Ids that are not the caller's are reported as not found. */
export const DELETE = handle(async (req: Request) => {
  const owner = await currentOwner();
  const { ids } = await readJson(req, bulkDeleteBody);
  const { deleted, notFound, stopped } = await deleteSessions(await sessionDeps(), ids, owner);
  // Runs still working on a deleted session are stopped; their writes are already fenced off.
  await Promise.all([...stopped.map((id) => notifyCancelled(id)), ...deleted.map((id) => removePartialUploads(tusDirectory(), id))]);
  return NextResponse.json({ deleted, notFound });
});
