import { createHash, timingSafeEqual } from "node:crypto";
import { config, type Config } from "@/lib/config";

/**
 * May this request act as an operator? `Authorization: Bearer <OPERATIONS_TOKEN>`
 * (scrapers, scripts) or HTTP Basic with the token as the password (the
 * browser on /operations). Without a token configured nobody is an operator:
 * operators see every person's recordings. (The accounts work adds admins.)
 */
export type OperatorAuthorization = { ok: true; via: "token" | "admin" } | { ok: false; status: 401 | 403 };

export async function authorizeOperator(headers: Headers, c: Pick<Config, "OPERATIONS_TOKEN"> = config()): Promise<OperatorAuthorization> {
  const presented = presentedToken(headers.get("authorization"));
  if (presented === null || !c.OPERATIONS_TOKEN) return { ok: false, status: 401 };
  return sameSecret(presented, c.OPERATIONS_TOKEN) ? { ok: true, via: "token" } : { ok: false, status: 401 };
}

function presentedToken(authorization: string | null): string | null {
  if (!authorization) return null;
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (bearer) return bearer[1]!;
  const basic = /^Basic\s+(\S+)\s*$/i.exec(authorization);
  if (!basic) return null;
  const decoded = Buffer.from(basic[1]!, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  return colon === -1 ? "" : decoded.slice(colon + 1);
}

/** Digests first, so neither content nor length leaks through timing. */
function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(createHash("sha256").update(a).digest(), createHash("sha256").update(b).digest());
}
