import { NextResponse } from "next/server";
import { currentOwner, handle, sessionIdFrom } from "@/lib/http";
import { sessionDeps } from "@/lib/sessions/deps";
import { contentDisposition } from "@/lib/sessions/media-type";
import { openAudio, receiveUpload } from "@/lib/sessions/service";
import { startProcessing } from "@/lib/sessions/start";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

type Ctx = { params: Promise<{ id: string }> };

/** Local storage: the raw bytes, streamed to disk; answered 202 as soon as they are stored. */
export const PUT = handle(async (req: Request, { params }: Ctx) => {
  const id = await sessionIdFrom(params);
  const deps = await sessionDeps();
  return NextResponse.json(await startProcessing(deps, await receiveUpload(deps, id, await currentOwner(), req.body)), { status: 202 });
});

/** The recording, for the player on the session page (seekable: byte ranges). */
export const GET = handle(async (req: Request, { params }: Ctx) => {
  const id = await sessionIdFrom(params);
  const audio = await openAudio(await sessionDeps(), id, await currentOwner(), req.headers.get("range"));
  if (audio.unsatisfiable) {
    return new Response(null, { status: 416, headers: { "content-range": `bytes */${audio.size}` } });
  }
  const headers: Record<string, string> = {
    "content-type": audio.contentType,
    "x-content-type-options": "nosniff",
    "content-disposition": contentDisposition(audio.fileName),
    "cache-control": "private, no-store",
    "accept-ranges": audio.seekable ? "bytes" : "none",
  };
  if (audio.range) {
    headers["content-range"] = `bytes ${audio.range.start}-${audio.range.end}/${audio.size}`;
    headers["content-length"] = String(audio.range.end - audio.range.start + 1);
    return new Response(audio.stream, { status: 206, headers });
  }
  headers["content-length"] = String(audio.size);
  return new Response(audio.stream, { status: 200, headers });
});
