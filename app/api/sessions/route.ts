import { NextResponse } from "next/server";
import { config } from "@/lib/config";
import { currentOwner, handle, readJson } from "@/lib/http";
import { sessionDeps } from "@/lib/sessions/deps";
import { createSession, createSessionBody, listSessions } from "@/lib/sessions/service";
import { uploadInstructions } from "@/lib/sessions/upload-instructions";

export const dynamic = "force-dynamic";

export const GET = handle(async () => {
  const owner = await currentOwner();
  return NextResponse.json({ sessions: await listSessions(await sessionDeps(), owner) });
});

export const POST = handle(async (req: Request) => {
  const owner = await currentOwner();
  const body = await readJson(req, createSessionBody);
  const row = await createSession(await sessionDeps(), owner, body);
  return NextResponse.json(
    { id: row.id, status: row.status, title: row.title, upload: uploadInstructions(config(), row) },
    { status: 201, headers: { location: `/api/sessions/${row.id}` } },
  );
});
