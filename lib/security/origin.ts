import type { Config } from "@/lib/config";

/**
 * No cross-site writes. A browser tells us where a request comes from
 * (`Origin`, `Sec-Fetch-Site`); a state-changing request from anywhere but the
 * app itself is refused before it reaches a handler, so it cannot create,
 * replace or use an identity. The cookies are SameSite=Lax, but Lax still lets
 * a cross-site top-level form POST through without them — which used to mint a
 * new identity and overwrite the victim's cookie.
 *
 * Requests that carry neither header are not from a browser (curl, scripts
 * with an API key, the engine, Vercel Blob's webhook): they cannot ride on a
 * visitor's cookies, so they pass.
 */

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);

export type OriginVerdict = { ok: true } | { ok: false; message: string };

export function isSafeMethod(method: string): boolean {
  return SAFE_METHODS.has(method.toUpperCase());
}

/**
 * The origins that are the app's own: APP_URL, Vercel's deployment URLs, and on
 * a local machine both loopback names at the port being served. Without APP_URL
 * a non-loopback Host is not trusted (a DNS-rebinding page would match it).
 */
export function appOrigins(
  c: Pick<Config, "APP_URL" | "VERCEL_URL" | "VERCEL_BRANCH_URL" | "VERCEL_PROJECT_PRODUCTION_URL" | "PORT">,
  host: string | null,
): Set<string> {
  const out = new Set<string>();
  const add = (origin: string) => {
    out.add(origin);
    const u = new URL(origin);
    if (LOOPBACK.has(u.hostname)) for (const name of LOOPBACK) out.add(`${u.protocol}//${name}${u.port ? `:${u.port}` : ""}`);
  };
  if (c.APP_URL) add(new URL(c.APP_URL).origin);
  for (const h of vercelHosts(c)) out.add(`https://${h}`);
  const port = c.PORT ?? portOf(host);
  if (!c.APP_URL && !c.VERCEL_URL && port !== undefined && isLoopbackHost(host)) add(`http://localhost:${port}`);
  return out;
}

/**
 * Where the app may say it lives when APP_URL is not set (Better Auth's dynamic base URL): the
 * same hosts appOrigins trusts, so callbacks go back to the name the browser used.
 */
export function appHosts(c: VercelUrls): string[] {
  return [...vercelHosts(c), ...[...LOOPBACK].map((name) => `${name}:*`)];
}

type VercelUrls = Pick<Config, "VERCEL_URL" | "VERCEL_BRANCH_URL" | "VERCEL_PROJECT_PRODUCTION_URL">;

/** The deployment's own hostnames on Vercel (set by the platform), none elsewhere. */
function vercelHosts(c: VercelUrls): string[] {
  return [c.VERCEL_URL, c.VERCEL_BRANCH_URL, c.VERCEL_PROJECT_PRODUCTION_URL].filter((h): h is string => Boolean(h));
}

function portOf(host: string | null): number | undefined {
  const m = /:(\d+)$/.exec(host ?? "");
  return m ? Number(m[1]) : undefined;
}

function isLoopbackHost(host: string | null): boolean {
  if (!host) return false;
  const name = host.startsWith("[") ? host.slice(0, host.indexOf("]") + 1) : host.replace(/:\d+$/, "");
  return LOOPBACK.has(name.toLowerCase());
}

/** Decides whether a state-changing request may proceed; safe methods always may. */
export function checkWriteOrigin(
  method: string,
  headers: Headers,
  c: Parameters<typeof appOrigins>[0],
): OriginVerdict {
  if (isSafeMethod(method)) return { ok: true };
  const site = headers.get("sec-fetch-site");
  // same-site is not enough: another port on localhost, or a sibling subdomain, is the same site.
  if (site && site !== "same-origin" && site !== "none") {
    return { ok: false, message: `Requests from other sites are refused (Sec-Fetch-Site: ${site}).` };
  }
  const origin = headers.get("origin");
  if (origin === null) return { ok: true };
  if (!appOrigins(c, headers.get("host")).has(origin)) {
    return {
      ok: false,
      message: `Requests from ${origin === "null" ? "an opaque origin" : origin} are refused; only this app's own pages may change data (set APP_URL to the address people use).`,
    };
  }
  return { ok: true };
}

/**
 * The origin the Inngest SDK registers its functions under. The SDK would take it
 * from the Host header of the request it is answering; pinned from configuration,
 * a forged Host can never point the server at another address.
 */
export function inngestServeOrigin(
  c: Pick<Config, "INNGEST_SERVE_ORIGIN" | "APP_URL" | "VERCEL_URL" | "PORT">,
): string | undefined {
  if (c.INNGEST_SERVE_ORIGIN) return new URL(c.INNGEST_SERVE_ORIGIN).origin;
  if (c.APP_URL) return new URL(c.APP_URL).origin;
  // Each Vercel deployment is synced at its own URL (the Inngest integration does so on deploy).
  if (c.VERCEL_URL) return `https://${c.VERCEL_URL}`;
  if (c.PORT) return `http://127.0.0.1:${c.PORT}`;
  return undefined;
}
