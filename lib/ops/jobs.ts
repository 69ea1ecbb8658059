import path from "node:path";
import { getDb } from "@/db/client";
import { cancelGeneration } from "@/db/operations";
import { getBlobStore } from "@/lib/storage";
import { workRoot } from "@/lib/audio/leftovers";
import { applyRetention } from "./retention";
import { sweep } from "./sweep";
import { alertChannels, sendAlert, type AlertChannel } from "@/lib/alerts/channels";
import type { ComposedAlert } from "@/lib/alerts/compose";
import { claimGroup, recordFailure } from "@/lib/alerts/service";
import { config } from "@/lib/config";
import { deliverSessionWebhook, type SessionEventType } from "@/lib/webhooks/session";

/**
 * The service functions' step bodies with their dependencies filled in from
 * configuration, so inngest/functions only declares (and never opens the database).
 */

export const configuredAlertChannels = () => alertChannels(config());

export async function recordFailureJob(f: Parameters<typeof recordFailure>[2]) {
  return recordFailure(await getDb(), config(), f);
}

export async function claimAlertGroupJob(groupId: string) {
  return claimGroup(await getDb(), groupId);
}

export async function sendAlertJob(channel: AlertChannel, alert: ComposedAlert, attempt: number) {
  return sendAlert(config(), channel, alert, { db: await getDb(), sessionId: null, attempt });
}

export async function deliverSessionWebhookJob(ev: { sessionId: string; generation: number; type: SessionEventType; attempt: number }) {
  return deliverSessionWebhook(await getDb(), config(), ev);
}

export async function sweepJob() {
  const c = config();
  const [db, store] = await Promise.all([getDb(), getBlobStore()]);
  return sweep({ db, store, tusDir: c.storageDriver === "local" ? path.join(c.dataDir, "tus") : undefined, tmpDir: workRoot() }, c);
}

export async function retentionJob() {
  const [db, store] = await Promise.all([getDb(), getBlobStore()]);
  return applyRetention({ db, store }, config());
}

/** A process-session run was cancelled somewhere (dashboard, API, timeout): the session says so. */
export async function runCancelledJob(run: { sessionId: string; generation: number }) {
  return cancelGeneration(await getDb(), run.sessionId, run.generation, "Cancelled in the Inngest server (dashboard, API or a timeout)");
}
