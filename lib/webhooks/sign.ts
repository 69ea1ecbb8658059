import { Webhook } from "standardwebhooks";

/**
 * Standard Webhooks headers (webhook-id, webhook-timestamp, webhook-signature):
 * a receiver verifies them with any Standard Webhooks library and the shared
 * secret. The id stays the same on every retry of one message, so a receiver
 * can drop duplicates.
 */
export function signedHeaders(secret: string, messageId: string, body: string, at = new Date()): Record<string, string> {
  return {
    "webhook-id": messageId,
    "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
    "webhook-signature": new Webhook(secret).sign(messageId, at, body),
  };
}
