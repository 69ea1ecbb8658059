import { createHash, timingSafeEqual } from "node:crypto";
import { config, type Config } from "@/lib/config";

/**
 * The one question every operators' surface asks (/operations, its actions,
 * /api/metrics, alerts): may this request act as an operator?
 *
 * - `Authorization: Bearer <OPERATIONS_TOKEN>` — scripts and metrics scrapers.
 * - HTTP Basic with the token as the password — kept for existing bookmarks and scripts.
 * - a signed-in user with the `admin` role (see lib/auth/server.ts) — people.
 *
 * Without a token and without an admin the answer is no: operators see every
 * person's recordings, so nothing is open by default, not even on a local machine.
 */
export type OperatorAuthorization = { ok: true; via: "token" | "admin" } | { ok: false; status: 401 | 403 };

/** Looks up the signed-in user's role from the request's cookies or API key; null when nobody is signed in. */
export type RoleLookup = (headers: Headers) => Promise<{ role: string | null | undefined } | null>;

/** The signed-in user's role, through the auth library, loaded only when a request carries no token. */
const signedInRole: RoleLookup = async (headers) => {
  // Nobody can be signed in without a session cookie or an API key: answer without opening the database.
  if (!headers.get("x-api-key") && !/(?:^|;\s*)(?:__Secure-)?murmur\.session_token=/.test(headers.get("cookie") ?? "")) return null;
  const { getSignedIn } = await import("./server");
  const s = await getSignedIn(headers);
  return s ? { role: (s.user as { role?: string | null }).role } : null;
};

export async function authorizeOperator(
  headers: Headers,
  c: Pick<Config, "OPERATIONS_TOKEN"> = config(),
  lookup: RoleLookup | undefined = signedInRole,
): Promise<OperatorAuthorization> {
  const presented = presentedToken(headers.get("authorization"));
  if (presented !== null) {
    // A wrong token is a 401 even for a signed-in admin: a script with a stale token should hear about it.
    return c.OPERATIONS_TOKEN && sameSecret(presented, c.OPERATIONS_TOKEN) ? { ok: true, via: "token" } : { ok: false, status: 401 };
  }
  const user = lookup ? await lookup(headers) : null;
  if (!user) return { ok: false, status: 401 };
  return user.role?.split(",").map((r) => r.trim()).includes("admin") ? { ok: true, via: "admin" } : { ok: false, status: 403 };
}

/** The token from `Bearer <token>` or the password of `Basic base64(user:token)`; null when neither is there. */
function presentedToken(authorization: string | null): string | null {
  if (!authorization) return null;
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (bearer) return bearer[1]!;
  const basic = /^Basic\s+(\S+)\s*$/i.exec(authorization);
  if (basic) {
    const decoded = Buffer.from(basic[1]!, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    return colon === -1 ? "" : decoded.slice(colon + 1);
  }
  return null;
}

/** Compares digests so neither the content nor the length of the token leaks through timing. */
function sameSecret(a: string, b: string): boolean {
  const da = createHash("sha256").update(a).digest();
  const db = createHash("sha256").update(b).digest();
  return timingSafeEqual(da, db);
}

/** The header that makes a browser ask for Basic credentials (only useful while no admin can sign in). */
export const BASIC_CHALLENGE = 'Basic realm="Murmur operations", charset="UTF-8"';
