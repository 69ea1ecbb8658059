import { NextResponse } from "next/server";
import { z } from "zod";
import { getDb } from "@/db/client";
import { authorizeOperator } from "@/lib/auth/operator";
import { config } from "@/lib/config";
import { errorResponse, handle } from "@/lib/http";
import { operationsSnapshot } from "@/lib/ops/dashboard";
import { isSessionStatus } from "@/lib/sessions/status";

export const dynamic = "force-dynamic";

const query = z.object({ status: z.string().optional(), q: z.string().trim().max(200).optional() });

/** What /operations renders (rows, counts, delivery log, chart series); polled by the page. */
export const GET = handle(async (req: Request) => {
  const auth = await authorizeOperator(req.headers);
  if (!auth.ok) return errorResponse(auth.status, "unauthorized", "Operators only.");
  const p = query.parse(Object.fromEntries(new URL(req.url).searchParams));
  const snapshot = await operationsSnapshot(await getDb(), config(), {
    status: isSessionStatus(p.status) ? p.status : undefined,
    search: p.q || undefined,
  });
  return NextResponse.json(snapshot, { headers: { "cache-control": "no-store" } });
});
