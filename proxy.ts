import { NextResponse, type NextRequest } from "next/server";
import { authorizeOperator, BASIC_CHALLENGE } from "@/lib/auth/operator";
import { config as appConfig } from "@/lib/config";

/**
 * The operators' page answers the HTTP way: 401, or 403 for a signed-in non-operator.
 */
export async function proxy(req: NextRequest) {
  const access = await authorizeOperator(req.headers);
  if (!access.ok) {
    // A Basic challenge makes the browser prompt, so only a real visit gets one, and only when a token exists.
    // A router prefetch must not: a headless browser waits on the prompt and stalls the page.
    const isPrefetch = req.headers.has("rsc") || req.headers.has("next-router-prefetch");
    const challenge = access.status === 401 && Boolean(appConfig().OPERATIONS_TOKEN) && !isPrefetch;
    return new NextResponse(access.status === 401 ? "Operators only." : "Your account is not an operator.", {
      status: access.status,
      headers: challenge ? { "www-authenticate": BASIC_CHALLENGE } : {},
    });
  }
  return NextResponse.next();
}

// Not /api: a matched request's body is buffered for the proxy (cut at 10 MB, and a cut-off
// upload never reaches its handler). Writes are guarded by handle() in lib/http.ts instead.
export const config = { matcher: ["/operations", "/operations/:path*"] };
