import { NextResponse, type NextRequest } from "next/server";
import { authorizeOperator, BASIC_CHALLENGE } from "@/lib/auth/operator";

/**
 * The operators' page: admins and the OPERATIONS_TOKEN (bearer, or Basic for old scripts) get in;
 *   a signed-in non-operator gets 403, a stranger is sent to sign in.
 */
export async function proxy(req: NextRequest) {
  const access = await authorizeOperator(req.headers);
  if (access.ok) return NextResponse.next();
  if (access.status === 403) return new NextResponse("Your account is not an operator.", { status: 403 });
  // A script that sent a wrong token hears so; a person is sent to sign in (operators are admins).
  if (req.headers.has("authorization")) {
    return new NextResponse("Operators only: the token is not valid.", { status: 401, headers: { "www-authenticate": BASIC_CHALLENGE } });
  }
  if (req.headers.has("rsc") || req.headers.has("next-router-prefetch")) return new NextResponse(null, { status: 401 });
  const signIn = new URL("/sign-in", req.nextUrl);
  signIn.searchParams.set("next", req.nextUrl.pathname + req.nextUrl.search);
  return NextResponse.redirect(signIn);
}

// Not /api: a matched request's body is buffered for the proxy (cut at 10 MB, and a cut-off
// upload never reaches its handler). Writes are guarded by handle() in lib/http.ts instead.
export const config = { matcher: ["/operations", "/operations/:path*"] };
