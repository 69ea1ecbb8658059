import { getDb } from "@/db/client";
import { authorizeOperator } from "@/lib/auth/operator";
import { errorResponse, handle } from "@/lib/http";
import { collectMetrics } from "@/lib/metrics";

export const dynamic = "force-dynamic";

/** Prometheus text format, computed from the database at scrape time. Operators only. */
export const GET = handle(async (req: Request) => {
  const auth = await authorizeOperator(req.headers);
  if (!auth.ok) {
    return errorResponse(auth.status, "unauthorized", "Send Authorization: Bearer <OPERATIONS_TOKEN>.", {
      "www-authenticate": 'Bearer realm="Murmur metrics"',
    });
  }
  const { contentType, body } = await collectMetrics(await getDb());
  return new Response(body, { headers: { "content-type": contentType, "cache-control": "no-store" } });
});
