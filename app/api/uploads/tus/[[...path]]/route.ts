import type { Server } from "@tus/server";
import { config } from "@/lib/config";
import { currentOwner, errorResponse, handle } from "@/lib/http";
import { sessionDeps } from "@/lib/sessions/deps";
import { startProcessing } from "@/lib/sessions/start";
import { tusDirectory } from "@/lib/sessions/tus-dir";
import { createTusServer } from "@/lib/sessions/tus-upload";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/** One server per process: its lock on an upload id must be shared by all requests. */
let server: Server | undefined;

function tus(): Server {
  server ??= createTusServer({
    deps: sessionDeps,
    directory: tusDirectory(),
    ownerOf: () => currentOwner(),
    acknowledge: async (res) => startProcessing(await sessionDeps(), res),
  });
  return server;
}

/** Resumable uploads exist only where the bytes land on our own disk; Vercel Blob has its own multipart. */
const serve = handle(async (req: Request) => {
  if (config().storageDriver !== "local") return errorResponse(404, "not_found", "Resumable uploads are not offered with this storage.");
  return tus().handleWeb(req);
});

export { serve as POST, serve as HEAD, serve as PATCH, serve as OPTIONS, serve as DELETE };
