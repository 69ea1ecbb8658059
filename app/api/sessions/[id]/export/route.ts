import { z } from "zod";
import { exportFormat } from "@/lib/exports";
import { currentOwner, handle, HttpError, sessionIdFrom } from "@/lib/http";
import { sessionDeps } from "@/lib/sessions/deps";
import { exportSession } from "@/lib/sessions/service";

export const dynamic = "force-dynamic";
type Ctx = { params: Promise<{ id: string }> };

const query = z.object({ format: exportFormat });

/** GET /api/sessions/:id/export?format=srt|vtt|txt|md|json — the transcript as a download. */
export const GET = handle(async (req: Request, { params }: Ctx) => {
  const id = await sessionIdFrom(params);
  const parsed = query.safeParse({ format: new URL(req.url).searchParams.get("format") ?? undefined });
  if (!parsed.success) throw new HttpError(400, "invalid_format", "format must be one of srt, vtt, txt, md, json.");
  const file = await exportSession(await sessionDeps(), id, await currentOwner(), parsed.data.format);
  return new Response(file.body, {
    headers: {
      "content-type": file.contentType,
      "content-disposition": file.contentDisposition,
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
    },
  });
});
