import type { Database } from "@/db/client";
import * as q from "@/db/queries";
import { LEGACY_OWNER_COOKIE, verifyOwnerToken } from "@/lib/identity";
import { sessionDeps } from "@/lib/sessions/deps";
import { notifyCancelled } from "@/lib/sessions/notify";
import { deleteSession } from "@/lib/sessions/service";

/**
 * What accounts do to recordings: move them when an identity becomes another
 * (anonymous → account, pre-accounts cookie → user), delete them with the account.
 */
export async function moveRecordings(db: Database, fromOwner: string, toOwner: string): Promise<number> {
  if (fromOwner === toOwner) return 0;
  return q.reassignOwner(db, fromOwner, toOwner);
}

/** The owner id inside a valid pre-accounts `murmur_owner` cookie in a Cookie header, or null. */
export async function legacyOwnerFrom(headers: Headers | null | undefined): Promise<string | null> {
  const cookie = headers?.get("cookie");
  if (!cookie) return null;
  const m = new RegExp(`(?:^|;\\s*)${LEGACY_OWNER_COOKIE}=([^;]+)`).exec(cookie);
  return m ? verifyOwnerToken(decodeURIComponent(m[1]!)) : null;
}

/** Recordings made under a pre-accounts cookie go to the user the browser now signs in as. */
export async function adoptLegacyOwner(db: Database, headers: Headers | null | undefined, userId: string): Promise<number> {
  const legacy = await legacyOwnerFrom(headers);
  return legacy ? moveRecordings(db, legacy, userId) : 0;
}

/** Deleting an account deletes every recording in it: rows, audio and chunks; running ones are stopped. */
export async function deleteAllRecordings(userId: string): Promise<number> {
  const deps = await sessionDeps();
  const ids = await q.sessionIdsOf(deps.db, userId);
  for (const id of ids) {
    const { wasActive } = await deleteSession(deps, id, userId);
    if (wasActive) await notifyCancelled(id);
  }
  return ids.length;
}
