import { currentOwner, handle, sessionIdFrom } from "@/lib/http";
import { sessionDeps } from "@/lib/sessions/deps";
import { requireOwned, sessionDetail } from "@/lib/sessions/service";
import { isFinal } from "@/lib/sessions/status";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

const POLL_MS = 700;
// Ends before a serverless limit would cut it; the browser's EventSource reconnects.
const MAX_STREAM_MS = 270_000;
export const maxDuration = 300;

/**
 * Server-sent events with the session's state whenever it changes. The
 * database is the source of truth (steps may run anywhere), so this watches
 * the row's updatedAt; it ends when the session does, and the browser's SWR
 * polling takes over if the stream is cut (proxies, serverless limits).
 */
export const GET = handle(async (req: Request, { params }: { params: Promise<{ id: string }> }) => {
  const id = await sessionIdFrom(params);
  const owner = await currentOwner();
  const deps = await sessionDeps();
  await requireOwned(deps, id, owner);
  const encoder = new TextEncoder();
  let stopped = false;
  req.signal.addEventListener("abort", () => (stopped = true));

  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      const began = Date.now();
      let lastStamp = "";
      try {
        while (!stopped && Date.now() - began < MAX_STREAM_MS) {
          const row = await requireOwned(deps, id, owner).catch(() => undefined);
          if (!row) {
            controller.enqueue(encoder.encode(`event: gone\ndata: {}\n\n`));
            break;
          }
          // An active session is re-sent every few seconds even unchanged: its ETA and queue
          // position move with the clock and with other sessions.
          const tick = isFinal(row.status) ? 0 : Math.floor(Date.now() / 3000);
          const stamp = `${row.updatedAt.toISOString()}|${row.status}|${row.progress}|${tick}`;
          if (stamp !== lastStamp) {
            lastStamp = stamp;
            const view = await sessionDetail(deps, id, owner);
            controller.enqueue(encoder.encode(`data: ${JSON.stringify(view)}\n\n`));
          } else {
            controller.enqueue(encoder.encode(`: keep-alive\n\n`));
          }
          if (isFinal(row.status)) break;
          await new Promise((r) => setTimeout(r, POLL_MS));
        }
      } finally {
        try {
          controller.close();
        } catch {
          // the client went away first
        }
      }
    },
    cancel() {
      stopped = true;
    },
  });
  return new Response(stream, {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store, no-transform",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    },
  });
});
