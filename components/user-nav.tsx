import Link from "next/link";
import { headers } from "next/headers";
import { getSignedIn } from "@/lib/auth/server";

/** The header's right side: who is signed in, and the operators' link for admins only. */
export async function UserNav() {
  const s = await getSignedIn(await headers()).catch(() => null);
  const user = s?.user as { email: string; isAnonymous?: boolean | null; role?: string | null } | undefined;
  const person = user && !user.isAnonymous ? user : null;
  return (
    <div className="flex gap-5 text-sm text-stone-600">
      <Link href="/" className="hover:text-stone-900">Upload</Link>
      {person?.role?.split(",").includes("admin") && (
        <Link href="/operations" prefetch={false} className="hover:text-stone-900">Operations</Link>
      )}
      {person ? (
        <Link href="/account" className="hover:text-stone-900" data-testid="account-link">{person.email}</Link>
      ) : (
        <Link href="/sign-in" className="hover:text-stone-900">Sign in</Link>
      )}
    </div>
  );
}
