import { timingSafeEqual } from "node:crypto";
import type { Config } from "@/lib/config";

/** A session still "active" but silent for this long is flagged as possibly stuck. */
export const STALE_AFTER_MS = 15 * 60_000;

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

export function isStale(s: { status: string; updatedAt: Date }, now = Date.now()): boolean {
  return (s.status === "queued" || s.status === "processing") && now - s.updatedAt.getTime() > STALE_AFTER_MS;
}
