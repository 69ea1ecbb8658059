import { NextResponse } from "next/server";
import { currentOwner, handle, sessionIdFrom } from "@/lib/http";
import { sessionDeps } from "@/lib/sessions/deps";
import { cancel } from "@/lib/sessions/service";
import { sendSessionCancelled } from "@/inngest/send";

export const dynamic = "force-dynamic";

export const POST = handle(async (_req: Request, { params }: { params: Promise<{ id: string }> }) => {
  const id = await sessionIdFrom(params);
  const row = await cancel(await sessionDeps(), id, await currentOwner());
  // The row is already cancelled and the run's writes are fenced off; the event just stops it sooner.
  await sendSessionCancelled(id).catch((err: unknown) => console.warn("cancel event not sent:", err));
  return NextResponse.json({ id: row.id, status: row.status });
});
