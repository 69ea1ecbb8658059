import type { AlertRow } from "@/db/schema";

/** One failure as operators' receivers see it (the generic webhook's `data`). */
export interface FailureData {
  sessionId: string;
  title: string;
  error: string | null;
  attempts: number;
  stage: string | null;
  url: string;
}

export interface WebhookPayload {
  type: string;
  timestamp: string;
  data: Record<string, unknown>;
}

export interface ComposedAlert {
  /** Same for every channel and every retry: the Standard Webhooks message id and the e-mail's reference. */
  messageId: string;
  payload: WebhookPayload;
  subject: string;
  text: string;
}

const MAX_LISTED = 20;

/**
 * Turns a claimed group of alerts into one message. A single failure is sent
 * as exactly `{"type": "session.failed", "timestamp", "data": {...}}`; a burst
 * is one `alerts.grouped` message listing them (at most MAX_LISTED, with the
 * total), so 100 failures in a minute are one post, not 100.
 */
export function composeAlert(groupId: string, rows: AlertRow[], now = new Date()): ComposedAlert {
  const timestamp = now.toISOString();
  const messageId = `msg_alert_${groupId}`;
  if (rows.length === 1) {
    const r = rows[0]!;
    return { messageId, payload: { type: r.type, timestamp, data: r.data }, subject: subjectFor(r), text: lineFor(r) };
  }
  const byType = new Map<string, number>();
  for (const r of rows) byType.set(r.type, (byType.get(r.type) ?? 0) + 1);
  const summary = [...byType].map(([t, n]) => `${n} × ${t}`).join(", ");
  const listed = rows.slice(0, MAX_LISTED);
  return {
    messageId,
    payload: {
      type: "alerts.grouped",
      timestamp,
      data: { count: rows.length, alerts: listed.map((r) => ({ type: r.type, ...r.data })), truncated: rows.length > listed.length },
    },
    subject: `Murmur: ${rows.length} alerts (${summary})`,
    text: [
      `${rows.length} alerts since the last message (${summary}):`,
      ...listed.map((r) => `• ${lineFor(r)}`),
      ...(rows.length > listed.length ? [`… and ${rows.length - listed.length} more (see /operations).`] : []),
    ].join("\n"),
  };
}

function subjectFor(r: AlertRow): string {
  const d = r.data as Partial<FailureData> & { count?: number };
  if (r.type === "step.failing") return `Murmur: the ${r.stage ?? "?"} step keeps failing (${d.count ?? "?"} sessions)`;
  if (r.type === "session.recovery_exhausted") return `Murmur: self-healing gave up on "${d.title ?? d.sessionId}"`;
  return `Murmur: "${d.title ?? d.sessionId}" failed`;
}

function lineFor(r: AlertRow): string {
  const d = r.data as Partial<FailureData> & { count?: number; windowSec?: number; lastError?: string };
  if (r.type === "step.failing") {
    return `The ${r.stage} step failed for ${d.count} sessions in the last ${Math.round((d.windowSec ?? 0) / 60)} min; last error: ${d.lastError ?? "?"}`;
  }
  const what = r.type === "session.recovery_exhausted" ? "self-healing gave up" : "failed";
  return `"${d.title}" ${what}${d.stage ? ` while ${d.stage}` : ""} after ${d.attempts} attempt(s): ${d.error ?? "no reason recorded"} — ${d.url}`;
}

/** Slack's incoming-webhook body: text with mrkdwn, readable in notifications too. */
export function slackBody(a: ComposedAlert): { text: string } {
  return { text: `*${a.subject}*\n${a.text}` };
}
