import { cookies, headers as requestHeaders } from "next/headers";
import { LEGACY_OWNER_COOKIE } from "@/lib/identity";
import { getAuth, getSignedIn } from "./server";
import { legacyOwnerFrom, moveRecordings } from "./recordings";
import { getDb } from "@/db/client";

/**
 * Who owns what this request touches. A signed-in person (cookie or
 * `x-api-key`) is their user id; a visitor becomes an anonymous user only when
 * they create something, so reading pages and lists creates no identities.
 */
export async function resolveOwner(opts: { create: boolean }): Promise<string | null> {
  const h = await requestHeaders();
  const auth = await getAuth();
  const signedIn = await getSignedIn(h);
  if (signedIn) return signedIn.user.id;
  const legacy = await legacyOwnerFrom(h);
  if (!opts.create) return legacy;
  // nextCookies() sets the new session cookie on this response.
  const created = await auth.api.signInAnonymous({ headers: h });
  if (!created) throw new Error("Could not create an anonymous identity.");
  if (legacy) {
    await moveRecordings(await getDb(), legacy, created.user.id);
    (await cookies()).delete(LEGACY_OWNER_COOKIE);
  }
  return created.user.id;
}
