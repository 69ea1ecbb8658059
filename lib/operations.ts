import { timingSafeEqual } from "node:crypto";
import type { Config } from "@/lib/config";

export type OperationsAccess = "open" | "granted" | "challenge" | "disabled";

/**
 * Operators see every session, so the page is guarded: with OPERATIONS_TOKEN
 * it asks for HTTP Basic credentials (the token as the password); without one
 * it is open on a local machine and switched off on Vercel.
 */
export function operationsAccess(c: Pick<Config, "OPERATIONS_TOKEN" | "VERCEL">, authorization: string | null): OperationsAccess {
  if (!c.OPERATIONS_TOKEN) return c.VERCEL ? "disabled" : "open";
  const m = /^Basic\s+(.+)$/i.exec(authorization ?? "");
  if (!m) return "challenge";
  const decoded = Buffer.from(m[1]!, "base64").toString("utf8");
  const password = decoded.slice(decoded.indexOf(":") + 1);
  const a = Buffer.from(password);
  const b = Buffer.from(c.OPERATIONS_TOKEN);
  return a.length === b.length && timingSafeEqual(a, b) ? "granted" : "challenge";
}
