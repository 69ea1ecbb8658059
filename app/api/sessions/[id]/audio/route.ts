import { currentOwner, handle, sessionIdFrom } from "@/lib/http";
import { sessionDeps } from "@/lib/sessions/deps";
import { receiveUpload } from "@/lib/sessions/service";
import { startProcessing } from "@/lib/sessions/start";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/** Local storage: the raw bytes, streamed to disk; answered 202 as soon as they are stored. */
export const PUT = handle(async (req: Request, { params }: { params: Promise<{ id: string }> }) => {
  const id = await sessionIdFrom(params);
  const deps = await sessionDeps();
  return startProcessing(deps, await receiveUpload(deps, id, await currentOwner(), req.body));
});
