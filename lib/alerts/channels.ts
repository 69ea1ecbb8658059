import nodemailer from "nodemailer";
import type { Config } from "@/lib/config";
import { TransientError, errorMessage } from "@/lib/errors";
import { deliverPlain, deliverSigned, logged, type Attempt } from "@/lib/webhooks/deliver";
import { slackBody, type ComposedAlert } from "./compose";

export type AlertChannel = "webhook" | "slack" | "email";

/** The channels operators configured, in the order they are tried. */
export function alertChannels(c: Config): AlertChannel[] {
  const out: AlertChannel[] = [];
  if (c.ALERT_WEBHOOK_URL && c.WEBHOOK_SECRET) out.push("webhook");
  if (c.ALERT_SLACK_WEBHOOK_URL) out.push("slack");
  if (c.SMTP_URL && c.ALERT_EMAIL_TO?.length) out.push("email");
  return out;
}

/**
 * Sends one composed alert over one channel (one attempt; the step retries).
 * Operators configure these URLs themselves, so they may point inside the
 * network (an internal relay); the private-address refusal is for the
 * per-session URLs that API callers choose.
 */
export async function sendAlert(c: Config, channel: AlertChannel, alert: ComposedAlert, a: Omit<Attempt, "channel" | "kind" | "eventType" | "messageId">) {
  const attempt: Attempt = { ...a, kind: "alert", channel, eventType: alert.payload.type, messageId: alert.messageId };
  const timeoutMs = c.WEBHOOK_TIMEOUT;
  const policy = { allowPrivate: true, timeoutMs };
  switch (channel) {
    case "webhook":
      return deliverSigned(attempt, c.ALERT_WEBHOOK_URL!, alert.payload, { ...policy, secret: c.WEBHOOK_SECRET! });
    case "slack":
      return deliverPlain(attempt, c.ALERT_SLACK_WEBHOOK_URL!, slackBody(alert), policy);
    case "email":
      return logged(attempt, c.ALERT_EMAIL_TO!.join(", "), () => sendMail(c, alert));
  }
}

async function sendMail(c: Config, alert: ComposedAlert): Promise<{ statusCode: null }> {
  const transport = nodemailer.createTransport(c.SMTP_URL!, { from: c.ALERT_EMAIL_FROM });
  try {
    await transport.sendMail({
      to: c.ALERT_EMAIL_TO!,
      subject: alert.subject,
      text: `${alert.text}\n\n${JSON.stringify(alert.payload, null, 2)}\n`,
      // One message id per alert group: a retried step that did reach the server is recognisable.
      messageId: `<${alert.messageId}@murmur>`,
      headers: { "X-Murmur-Alert": alert.payload.type },
    });
    return { statusCode: null };
  } catch (err) {
    throw new TransientError(`The SMTP server did not take the message: ${errorMessage(err)}`, { cause: err });
  } finally {
    transport.close();
  }
}
