import dns from "node:dns";
import net from "node:net";
import ipaddr from "ipaddr.js";
import { PermanentError } from "@/lib/errors";

/**
 * Server-side request forgery guard. A webhook URL is the caller's choice, so
 * without this Murmur would POST into its own network (metadata services,
 * databases on loopback). Only public unicast addresses are allowed, every
 * address a name resolves to is checked, and the connection is pinned to the
 * checked address, so DNS that changes between check and connect cannot slip through.
 */
export class BlockedTargetError extends PermanentError {}

export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  let ip = ipaddr.parse(address);
  if (ip.kind() === "ipv6" && (ip as ipaddr.IPv6).isIPv4MappedAddress()) ip = (ip as ipaddr.IPv6).toIPv4Address();
  return ip.range() === "unicast";
}

/** Parses and checks the shape of a webhook URL (no network). */
export function parseWebhookUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new BlockedTargetError(`"${raw}" is not a URL.`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new BlockedTargetError("A webhook URL must be http:// or https://.");
  if (url.username || url.password) throw new BlockedTargetError("A webhook URL must not carry credentials.");
  return url;
}

export interface TargetPolicy {
  allowPrivate: boolean;
}

/** Every address the host resolves to; a literal IP is its own answer. */
async function resolveAll(hostname: string): Promise<string[]> {
  const host = hostname.replace(/^\[|\]$/g, "");
  if (net.isIP(host)) return [host];
  try {
    const found = await dns.promises.lookup(host, { all: true, verbatim: true });
    return found.map((a) => a.address);
  } catch {
    throw new BlockedTargetError(`The webhook host "${host}" could not be resolved.`);
  }
}

/** Throws BlockedTargetError unless every address of the URL's host is public (or private ones are allowed). */
export async function checkTarget(raw: string, policy: TargetPolicy): Promise<URL> {
  const url = parseWebhookUrl(raw);
  if (policy.allowPrivate) return url;
  const addresses = await resolveAll(url.hostname);
  const blocked = addresses.filter((a) => !isPublicAddress(a));
  if (!addresses.length || blocked.length) {
    throw new BlockedTargetError(
      `Webhooks to loopback or private addresses are refused (${url.hostname} → ${blocked.join(", ") || "nothing"}).`,
    );
  }
  return url;
}

/**
 * A `lookup` for http.request that refuses private answers at connect time: the
 * check above is repeated on the very addresses the socket will use.
 */
export function guardedLookup(policy: TargetPolicy): net.LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true, verbatim: true }, (err, addresses) => {
      if (err) return callback(err, "", 0);
      const list = addresses as dns.LookupAddress[];
      const bad = list.find((a) => !isPublicAddress(a.address));
      if (!policy.allowPrivate && (bad || !list.length)) {
        return callback(new BlockedTargetError(`Webhooks to loopback or private addresses are refused (${hostname} → ${bad?.address ?? "nothing"}).`), "", 0);
      }
      if ((options as dns.LookupOptions).all) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, list);
      callback(null, list[0]!.address, list[0]!.family);
    });
  };
}

/** What the delivery log shows: scheme, host and path; no query (it often carries a token) and no credentials. */
export function redactUrl(raw: string): string {
  try {
    const u = new URL(raw);
    // Slack's incoming-webhook path is itself the secret.
    const p = u.hostname.endsWith("slack.com") ? "/services/…" : u.pathname;
    return `${u.protocol}//${u.host}${p}`;
  } catch {
    return "(invalid URL)";
  }
}
