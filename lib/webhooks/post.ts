import http from "node:http";
import https from "node:https";
import { PermanentError, TransientError } from "@/lib/errors";
import { BlockedTargetError, guardedLookup, parseWebhookUrl, type TargetPolicy } from "./target";

export interface PostResult {
  statusCode: number;
  durationMs: number;
}

/**
 * POSTs a JSON body and classifies the answer: 2xx is delivered; 408, 429 and
 * 5xx (and network errors, timeouts) are worth retrying, with Retry-After
 * honoured; other 4xx mean the receiver rejects the message (not retried).
 * The socket connects only to addresses the target policy allows.
 */
export async function postJson(
  rawUrl: string,
  body: string,
  headers: Record<string, string>,
  opts: TargetPolicy & { timeoutMs: number },
): Promise<PostResult> {
  const url = parseWebhookUrl(rawUrl);
  const started = Date.now();
  const lib = url.protocol === "https:" ? https : http;
  return new Promise<PostResult>((resolve, reject) => {
    const req = lib.request(
      url,
      {
        method: "POST",
        headers: { "content-type": "application/json", "user-agent": "Murmur-Webhooks/1", ...headers, "content-length": Buffer.byteLength(body) },
        lookup: guardedLookup(opts),
        timeout: opts.timeoutMs,
      },
      (res) => {
        res.resume(); // the answer's body is not needed; drain it so the socket is freed
        res.on("end", () => {
          const statusCode = res.statusCode ?? 0;
          const durationMs = Date.now() - started;
          if (statusCode >= 200 && statusCode < 300) return resolve({ statusCode, durationMs });
          const err =
            statusCode === 408 || statusCode === 429 || statusCode >= 500
              ? new TransientError(`The receiver answered ${statusCode}.`, { retryAfterMs: retryAfterMs(res.headers["retry-after"]) })
              : new PermanentError(`The receiver answered ${statusCode} and rejects the message.`);
          reject(Object.assign(err, { statusCode, durationMs }));
        });
      },
    );
    req.on("timeout", () => req.destroy(new TransientError(`No answer within ${opts.timeoutMs} ms.`)));
    req.on("error", (e) => {
      if (e instanceof BlockedTargetError || e instanceof TransientError) return reject(e);
      reject(new TransientError(`The receiver could not be reached: ${e.message}`, { cause: e }));
    });
    req.end(body);
  });
}

function retryAfterMs(header: string | string[] | undefined): number | undefined {
  const v = Array.isArray(header) ? header[0] : header;
  if (!v) return undefined;
  const seconds = Number(v);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(v);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : undefined;
}

/** The status code a failed postJson carried, if the receiver answered at all. */
export function statusOf(err: unknown): number | null {
  const s = (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof s === "number" ? s : null;
}
