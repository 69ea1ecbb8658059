import type { Database } from "@/db/client";
import { recordDelivery, type NewDelivery } from "@/db/operations";
import { errorMessage } from "@/lib/errors";
import { postJson, statusOf } from "./post";
import { signedHeaders } from "./sign";
import { redactUrl, type TargetPolicy } from "./target";

export interface Attempt {
  db: Database;
  kind: NewDelivery["kind"];
  channel: NewDelivery["channel"];
  eventType: string;
  messageId: string;
  sessionId: string | null;
  /** 1-based, as the step reports it. */
  attempt: number;
}

/**
 * Runs one delivery attempt and writes it to the delivery log whatever happens,
 * then passes the outcome on: the caller's step retries a TransientError and
 * gives up on a PermanentError.
 */
export async function logged<T extends { statusCode?: number | null }>(a: Attempt, target: string, send: () => Promise<T>): Promise<T> {
  const started = Date.now();
  const base = { kind: a.kind, channel: a.channel, eventType: a.eventType, messageId: a.messageId, sessionId: a.sessionId, target, attempt: a.attempt };
  try {
    const out = await send();
    await recordDelivery(a.db, { ...base, ok: true, statusCode: out.statusCode ?? null, error: null, durationMs: Date.now() - started });
    return out;
  } catch (err) {
    await recordDelivery(a.db, { ...base, ok: false, statusCode: statusOf(err), error: errorMessage(err).slice(0, 500), durationMs: Date.now() - started });
    throw err;
  }
}

/** A Standard Webhooks–signed JSON POST, logged. */
export async function deliverSigned(
  a: Attempt,
  url: string,
  payload: unknown,
  opts: TargetPolicy & { secret: string; timeoutMs: number },
): Promise<{ statusCode: number }> {
  const body = JSON.stringify(payload);
  return logged(a, redactUrl(url), () => postJson(url, body, signedHeaders(opts.secret, a.messageId, body), opts));
}

/** A plain JSON POST (Slack's incoming webhooks take no signature), logged. */
export async function deliverPlain(a: Attempt, url: string, payload: unknown, opts: TargetPolicy & { timeoutMs: number }) {
  return logged(a, redactUrl(url), () => postJson(url, JSON.stringify(payload), {}, opts));
}
