import { NextResponse, type NextRequest } from "next/server";
import { authorizeOperator, BASIC_CHALLENGE } from "@/lib/auth/operator";
import { config as appConfig } from "@/lib/config";
import { checkWriteOrigin } from "@/lib/security/origin";

/**
 * Two gates in front of the handlers:
 * - every state-changing /api request from another origin is refused here (403), before any
 *   handler could create or replace an identity — routes added later are covered without opting in;
 * - the operators' page answers the HTTP way: 401, or 403 for a signed-in non-operator.
 */
export async function proxy(req: NextRequest) {
  if (req.nextUrl.pathname.startsWith("/api/")) {
    const verdict = checkWriteOrigin(req.method, req.headers, appConfig());
    if (!verdict.ok) {
      return NextResponse.json({ error: { code: "cross_site", message: verdict.message } }, { status: 403 });
    }
    return NextResponse.next();
  }
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

export const config = { matcher: ["/api/:path*", "/operations", "/operations/:path*"] };
