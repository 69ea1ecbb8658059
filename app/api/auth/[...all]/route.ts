import { getAuth } from "@/lib/auth/server";
import { assertSameOrigin, errorResponse, HttpError } from "@/lib/http";

export const dynamic = "force-dynamic";

/** Better Auth's own routes (sign-up, sign-in, sign-out, OAuth callbacks, API keys, sessions, delete account). */
async function handler(req: Request): Promise<Response> {
  try {
    // Our origin rule first (Better Auth checks its trusted origins too, but only where it thinks to).
    assertSameOrigin(req);
  } catch (err) {
    if (err instanceof HttpError) return errorResponse(err.status, err.code, err.message);
    throw err;
  }
  return (await getAuth()).handler(req);
}

export { handler as GET, handler as POST };
