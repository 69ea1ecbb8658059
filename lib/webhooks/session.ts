import type { Database } from "@/db/client";
import * as q from "@/db/queries";
import type { Config } from "@/lib/config";
import { countWords } from "@/lib/analysis/text";
import { recordDelivery } from "@/db/operations";
import { errorMessage, PermanentError } from "@/lib/errors";
import { sessionUrl } from "@/lib/links";
import type { WebhookPayload } from "@/lib/alerts/compose";
import { deliverSigned } from "./deliver";
import { checkTarget, redactUrl } from "./target";

export type SessionEventType = "session.completed" | "session.failed";

/** The payload an API user's webhook receives: the alert shape plus the transcript's size. */
export async function sessionEventPayload(db: Database, c: Config, sessionId: string, type: SessionEventType): Promise<WebhookPayload | null> {
  const row = await q.findSession(db, sessionId);
  if (!row) return null;
  const [analysis, transcript] = await Promise.all([q.findAnalysis(db, sessionId), q.findTranscript(db, sessionId)]);
  const wordCount = analysis?.metrics.wordCount ?? (transcript ? countWords(transcript.text) : 0);
  return {
    type,
    timestamp: new Date().toISOString(),
    data: {
      sessionId: row.id,
      title: row.title,
      status: row.status,
      error: row.error,
      attempts: row.attempt,
      stage: row.stage,
      url: sessionUrl(c, row.id),
      wordCount,
      durationSec: row.durationSec,
    },
  };
}

/**
 * One attempt to POST a session's outcome to its webhookUrl. The target is
 * checked again now (DNS may have changed since the session was created) and
 * pinned for the connection; a refused target is permanent, a dead one is retried.
 */
export async function deliverSessionWebhook(
  db: Database,
  c: Config,
  ev: { sessionId: string; generation: number; type: SessionEventType; attempt: number },
): Promise<{ delivered: boolean; statusCode?: number; skipped?: string }> {
  const row = await q.findSession(db, ev.sessionId);
  if (!row?.webhookUrl) return { delivered: false, skipped: "no webhook" };
  if (!c.WEBHOOK_SECRET) throw new PermanentError("WEBHOOK_SECRET is not set, so the webhook cannot be signed.");
  const messageId = `msg_${ev.type.replace(".", "_")}_${row.id}_${ev.generation}`;
  const attempt = { kind: "webhook" as const, channel: "webhook" as const, eventType: ev.type, messageId, sessionId: row.id, attempt: ev.attempt };
  const policy = { allowPrivate: c.WEBHOOK_ALLOW_PRIVATE };
  const payload = await sessionEventPayload(db, c, row.id, ev.type);
  if (!payload) return { delivered: false, skipped: "session deleted" };
  try {
    await checkTarget(row.webhookUrl, policy);
  } catch (err) {
    // Logged like any attempt, so the person sees why nothing arrived.
    await recordDelivery(db, { ...attempt, target: redactUrl(row.webhookUrl), ok: false, statusCode: null, error: errorMessage(err), durationMs: 0 });
    throw err;
  }
  const res = await deliverSigned({ db, ...attempt }, row.webhookUrl, payload, { ...policy, secret: c.WEBHOOK_SECRET, timeoutMs: c.WEBHOOK_TIMEOUT });
  return { delivered: true, statusCode: res.statusCode };
}
