import { Inngest } from "inngest";

/**
 * One client for the app. Where it sends events and whether it checks
 * signatures comes from the SDK's own variables: INNGEST_DEV=1 (+
 * INNGEST_BASE_URL) for the local engine or the official dev server,
 * INNGEST_EVENT_KEY and INNGEST_SIGNING_KEY for Inngest Cloud.
 */
export const inngest = new Inngest({ id: "murmur" });
