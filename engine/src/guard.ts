import type http from "node:http";
import type { Keys } from "./signing.js";

export interface GuardOptions {
  keys: Keys;
  /** The address the engine listens on (--host). */
  host: string;
  /** More names the API answers to (--allowed-host). */
  allowedHosts: string[];
}

export interface Refusal {
  status: number;
  message: string;
}

const LOOPBACK = new Set(["localhost", "127.0.0.1", "::1", "[::1]"]);
const WILDCARD = new Set(["0.0.0.0", "::", "[::]"]);
const STATE_CHANGING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** The host name of a Host header or an origin, lower-cased, without port or IPv6 brackets. */
function hostName(value: string): string | undefined {
  try {
    return new URL(value.includes("://") ? value : `http://${value}`).hostname.toLowerCase().replace(/^\[|\]$/g, "");
  } catch {
    return undefined;
  }
}

function hostAllowed(name: string | undefined, opts: GuardOptions): boolean {
  if (!name) return false;
  if (LOOPBACK.has(name) || name.endsWith(".localhost") || /^127\.\d+\.\d+\.\d+$/.test(name)) return true;
  const listen = opts.host.toLowerCase().replace(/^\[|\]$/g, "");
  if (!WILDCARD.has(opts.host) && name === listen) return true;
  return opts.allowedHosts.some((h) => (hostName(h) ?? h.toLowerCase()) === name);
}

/**
 * What a request must satisfy before any route runs, so a web page the browser shows cannot drive the
 * engine: the Host must name the engine (no DNS rebinding), a state-changing request must be JSON
 * (a form or `text/plain` post from another page needs no CORS preflight; JSON does, and the engine
 * answers none) and must not come from a foreign Origin, and with a signing key it must carry the
 * event key (`/e/<key>`) or the signing key (everything else).
 */
export function checkRequest(req: http.IncomingMessage, method: string, path: string, opts: GuardOptions): Refusal | undefined {
  const host = req.headers.host;
  if (!hostAllowed(host ? hostName(host) : undefined, opts)) {
    return { status: 421, message: `this engine does not answer for Host ${JSON.stringify(host ?? "")}; add it with --allowed-host` };
  }
  if (!STATE_CHANGING.has(method)) return undefined;
  const origin = req.headers.origin;
  if (origin && origin !== "null" && !hostAllowed(hostName(origin), opts)) {
    return { status: 403, message: `requests from origin ${origin} are refused` };
  }
  if (origin === "null" || req.headers["sec-fetch-site"] === "cross-site") {
    return { status: 403, message: "cross-site requests are refused" };
  }
  const type = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== "application/json") {
    return { status: 415, message: "state-changing requests must be sent as application/json" };
  }
  const e = /^\/e\/([^/]*)$/.exec(path);
  if (e) {
    let key = "";
    try {
      key = decodeURIComponent(e[1]!);
    } catch {
      /* a malformed key is a wrong key */
    }
    return opts.keys.eventKeyOk(key) ? undefined : { status: 401, message: "event key required: POST /e/<INNGEST_EVENT_KEY>" };
  }
  if (!opts.keys.bearerOk(req.headers.authorization)) {
    return { status: 401, message: "signing key required: Authorization: Bearer <INNGEST_SIGNING_KEY or its SDK hash>" };
  }
  return undefined;
}
