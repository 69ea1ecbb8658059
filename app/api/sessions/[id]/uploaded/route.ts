import { NextResponse } from "next/server";
import { currentOwner, handle, sessionIdFrom } from "@/lib/http";
import { sessionDeps } from "@/lib/sessions/deps";
import { confirmBlobUpload } from "@/lib/sessions/service";
import { startProcessing } from "@/lib/sessions/start";

export const dynamic = "force-dynamic";

/** Vercel Blob: the browser finished its direct upload; queue the session. */
export const POST = handle(async (_req: Request, { params }: { params: Promise<{ id: string }> }) => {
  const id = await sessionIdFrom(params);
  const deps = await sessionDeps();
  return NextResponse.json(await startProcessing(deps, await confirmBlobUpload(deps, id, await currentOwner())), { status: 202 });
});
