import { NextResponse } from "next/server";
import { currentOwner, handle, readJson, sessionIdFrom } from "@/lib/http";
import { patchSessionBody, updateSession } from "@/lib/sessions/library";
import { sessionDeps } from "@/lib/sessions/deps";
import { notifyCancelled } from "@/lib/sessions/notify";
import { tusDirectory } from "@/lib/sessions/tus-dir";
import { removePartialUploads } from "@/lib/sessions/tus-upload";
import { deleteSession, sessionDetail } from "@/lib/sessions/service";

export const dynamic = "force-dynamic";
type Ctx = { params: Promise<{ id: string }> };

export const GET = handle(async (_req: Request, { params }: Ctx) => {
  const id = await sessionIdFrom(params);
  return NextResponse.json(await sessionDetail(await sessionDeps(), id, await currentOwner()), {
    headers: { "cache-control": "no-store" },
  });
});

export const DELETE = handle(async (_req: Request, { params }: Ctx) => {
  const id = await sessionIdFrom(params);
  const { wasActive } = await deleteSession(await sessionDeps(), id, await currentOwner());
  // Stop a run that may still be working on it; its writes are already fenced off.
  if (wasActive) await notifyCancelled(id);
  await removePartialUploads(tusDirectory(), id);
  return new Response(null, { status: 204 });
});

/** Rename (`{title}`) and name speakers (`{speakers: {"A": "Maria"}}`); answers the session as it now is. */
export const PATCH = handle(async (req: Request, { params }: Ctx) => {
  const id = await sessionIdFrom(params);
  const owner = await currentOwner();
  const deps = await sessionDeps();
  await updateSession(deps, id, owner, await readJson(req, patchSessionBody));
  return NextResponse.json(await sessionDetail(deps, id, owner), { headers: { "cache-control": "no-store" } });
});
