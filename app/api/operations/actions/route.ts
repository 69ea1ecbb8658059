import { NextResponse } from "next/server";
import { authorizeOperator } from "@/lib/auth/operator";
import { errorResponse, handle, readJson } from "@/lib/http";
import { operatorAction, runOperatorAction } from "@/lib/ops/actions";
import { sessionDeps } from "@/lib/sessions/deps";

export const dynamic = "force-dynamic";

/** Retry / cancel / delete / mark urgent on any sessions, or retry every failed one. Operators only; same-origin JSON only. */
export const POST = handle(async (req: Request) => {
  const auth = await authorizeOperator(req.headers);
  if (!auth.ok) return errorResponse(auth.status, "unauthorized", "Operators only.");
  const body = await readJson(req, operatorAction);
  const results = await runOperatorAction(await sessionDeps(), body);
  return NextResponse.json({ results });
});
