import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import canonicalize from "canonicalize";

/**
 * Request signing as Inngest Cloud does it and the SDK (inngest-js `helpers/net.ts`,
 * `InngestCommHandler.validateSignature`) checks it:
 *
 *   X-Inngest-Signature: t=<unix seconds>&s=<hex HMAC-SHA256(key, canonical(body) + t)>
 *
 * The HMAC key is the signing key without its `signkey-<env>-` prefix, used as a string (its hex is
 * not decoded). The SDK parses the JSON body and canonicalises it (RFC 8785, the `canonicalize`
 * package), so the engine sends exactly the canonical text it signs. A body-less request signs "".
 * Responses are signed the same way over the raw response text. Signatures older or newer than
 * 5 minutes are refused, as the SDK does.
 */
export const SIGNATURE_HEADER = "x-inngest-signature";
const PREFIX = /^signkey-[\w]+-/;
const MAX_SKEW_S = 5 * 60;

export function isSigningKey(key: string): boolean {
  return /^signkey-[\w]+-[0-9a-f]+$/i.test(key);
}

export function canonicalJson(body: unknown): string {
  return canonicalize(body) ?? "";
}

function hmacHex(key: string, text: string, ts: string): string {
  return createHmac("sha256", key.replace(PREFIX, "")).update(text).update(ts).digest("hex");
}

/** The header value for a body already serialised as `text` (canonical JSON or ""). */
export function signText(key: string, text: string, now = Date.now()): string {
  const ts = String(Math.round(now / 1000));
  return `t=${ts}&s=${hmacHex(key, text, ts)}`;
}

/** Check a `t=…&s=…` header over `text` with the key (or its fallback). Returns why not, or undefined. */
export function verifyText(keys: string[], header: string | undefined, text: string, now = Date.now()): string | undefined {
  if (!header) return "no signature";
  const params = new URLSearchParams(header);
  const t = params.get("t") ?? "";
  const s = params.get("s") ?? "";
  if (!t || !s) return "malformed signature";
  const ts = Number.parseInt(t, 10);
  if (!Number.isFinite(ts) || Math.abs(now / 1000 - ts) > MAX_SKEW_S) return "signature expired";
  for (const key of keys) {
    const want = Buffer.from(hmacHex(key, text, t), "utf8");
    const got = Buffer.from(s, "utf8");
    if (want.length === got.length && timingSafeEqual(want, got)) return undefined;
  }
  return "signature does not match";
}

/**
 * What the SDK sends as `Authorization: Bearer …` to the API (`hashSigningKey`): the prefix kept,
 * then the SHA-256 of the key's hex decoded to bytes.
 */
export function hashSigningKey(key: string): string {
  const prefix = PREFIX.exec(key)?.[0] ?? "";
  return prefix + createHash("sha256").update(Buffer.from(key.replace(PREFIX, ""), "hex")).digest("hex");
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Keys the engine holds, and the checks its API makes with them. */
export class Keys {
  private readonly bearers: string[];

  constructor(
    readonly signingKey: string | undefined,
    readonly signingKeyFallback: string | undefined,
    readonly eventKey: string | undefined,
  ) {
    this.bearers = [signingKey, signingKeyFallback].filter((k): k is string => !!k).flatMap((k) => [k, hashSigningKey(k)]);
  }

  get signed(): boolean {
    return !!this.signingKey;
  }

  get signingKeys(): string[] {
    return [this.signingKey, this.signingKeyFallback].filter((k): k is string => !!k);
  }

  /** The `Authorization` header carries the signing key or its hash (as the SDK sends it). */
  bearerOk(authorization: string | undefined): boolean {
    if (!this.signed) return true;
    const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? "");
    return !!m && this.bearers.some((b) => safeEqual(b, m[1]!));
  }

  /** The key in `/e/<key>` (any key in dev mode, as the dev server does). */
  eventKeyOk(key: string): boolean {
    if (!this.signed) return true;
    return !!this.eventKey && safeEqual(key, this.eventKey);
  }
}
