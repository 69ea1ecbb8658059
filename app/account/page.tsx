import type { Metadata } from "next";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { AccountPanel } from "@/components/account-panel";
import { getSignedIn } from "@/lib/auth/server";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Account" };

export default async function AccountPage() {
  const s = await getSignedIn(await headers());
  if (!s || (s.user as { isAnonymous?: boolean | null }).isAnonymous) redirect("/sign-in?next=/account");
  const role = (s.user as { role?: string | null }).role ?? null;
  return <AccountPanel user={{ name: s.user.name, email: s.user.email, role }} currentSessionId={s.session.id} />;
}
