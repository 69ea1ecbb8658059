import { NextResponse } from "next/server";
import { currentOwner, handle, sessionIdFrom } from "@/lib/http";
import { sessionDeps } from "@/lib/sessions/deps";
import { notifyCancelled } from "@/lib/sessions/notify";
import { cancelSession } from "@/lib/sessions/service";

export const dynamic = "force-dynamic";

export const POST = handle(async (_req: Request, { params }: { params: Promise<{ id: string }> }) => {
  const id = await sessionIdFrom(params);
  const row = await cancelSession(await sessionDeps(), id, await currentOwner());
  await notifyCancelled(id);
  return NextResponse.json({ id: row.id, status: row.status });
});
