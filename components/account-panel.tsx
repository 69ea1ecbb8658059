"use client";
import { useRouter } from "next/navigation";
import { useCallback, useEffect, useState } from "react";
import { authClient } from "./auth-client";
import { ui } from "./ui";

interface KeyRow { id: string; name: string | null; start: string | null; createdAt: Date | string; lastRequest?: Date | string | null }
interface SessionRow { id: string; token: string; userAgent?: string | null; ipAddress?: string | null; createdAt: Date | string; expiresAt: Date | string }

const when = (d: Date | string | null | undefined) => (d ? new Date(d).toLocaleString() : "never");

/** API keys, signed-in devices, sign-out and deleting the account (with every recording in it). */
export function AccountPanel({ user, currentSessionId }: { user: { name: string; email: string; role: string | null }; currentSessionId: string }) {
  const router = useRouter();
  const [keys, setKeys] = useState<KeyRow[]>([]);
  const [sessions, setSessions] = useState<SessionRow[]>([]);
  const [newKey, setNewKey] = useState<string | null>(null);
  const [keyName, setKeyName] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async () => {
    const [k, s] = await Promise.all([authClient.apiKey.list(), authClient.listSessions()]);
    const list = k.data as unknown;
    setKeys((Array.isArray(list) ? list : ((list as { apiKeys?: KeyRow[] } | null)?.apiKeys ?? [])) as KeyRow[]);
    setSessions((s.data ?? []) as SessionRow[]);
  }, []);
  useEffect(() => void load(), [load]);

  async function createKey(e: React.FormEvent) {
    e.preventDefault();
    setError(null);
    const res = await authClient.apiKey.create({ name: keyName.trim() || "script" });
    if (res.error) return setError(res.error.message ?? "The key could not be created.");
    setNewKey(res.data.key);
    setKeyName("");
    await load();
  }

  async function deleteKey(id: string) {
    const res = await authClient.apiKey.delete({ keyId: id });
    if (res.error) setError(res.error.message ?? "The key could not be deleted.");
    await load();
  }

  async function revoke(token: string) {
    await authClient.revokeSession({ token });
    await load();
  }

  async function signOut() {
    await authClient.signOut();
    router.push("/");
    router.refresh();
  }

  async function deleteAccount(e: React.FormEvent) {
    e.preventDefault();
    setError(null);
    const res = await authClient.deleteUser({ password });
    if (res.error) return setError(res.error.message ?? "The account could not be deleted.");
    router.push("/");
    router.refresh();
  }

  return (
    <div className="space-y-8">
      <div className="flex flex-wrap items-end justify-between gap-4">
        <div>
          <h1 className="text-2xl font-semibold tracking-tight">Your account</h1>
          <p className="text-sm text-stone-600" data-testid="account-email">
            {user.name} · {user.email}
            {user.role?.split(",").includes("admin") ? " · operator" : ""}
          </p>
        </div>
        <button type="button" className={ui.secondary} onClick={() => void signOut()}>
          Sign out
        </button>
      </div>
      {error && (
        <p role="alert" className={ui.error}>
          {error}
        </p>
      )}

      <section className={ui.card}>
        <div>
          <h2 className="text-lg font-semibold">API keys</h2>
          <p className={ui.muted}>
            Scripts use the HTTP API with <code>x-api-key: &lt;key&gt;</code>; a key acts as you and sees only your recordings.
          </p>
        </div>
        <form onSubmit={createKey} className="flex gap-3">
          <input className={`${ui.input} mt-0`} placeholder="Name, e.g. nightly export" value={keyName} onChange={(e) => setKeyName(e.target.value)} maxLength={32} aria-label="Key name" />
          <button type="submit" className={ui.primary}>Create key</button>
        </form>
        {newKey && (
          <div className="rounded-lg bg-emerald-50 px-4 py-3 text-sm text-emerald-800">
            Copy it now, it is shown only once: <code data-testid="new-api-key" className="break-all font-mono">{newKey}</code>
          </div>
        )}
        <ul className="divide-y divide-stone-100 text-sm" data-testid="api-keys">
          {keys.length === 0 && <li className="py-2 text-stone-500">No keys yet.</li>}
          {keys.map((k) => (
            <li key={k.id} className="flex items-center justify-between py-2">
              <span>
                <span className="font-medium">{k.name ?? "key"}</span> <code className="text-stone-500">{k.start}…</code>
                <span className="ml-2 text-stone-500">last used {when(k.lastRequest)}</span>
              </span>
              <button type="button" className={ui.secondary} onClick={() => void deleteKey(k.id)}>Delete</button>
            </li>
          ))}
        </ul>
      </section>

      <section className={ui.card}>
        <h2 className="text-lg font-semibold">Signed-in devices</h2>
        <ul className="divide-y divide-stone-100 text-sm" data-testid="auth-sessions">
          {sessions.map((s) => (
            <li key={s.id} className="flex items-center justify-between py-2">
              <span>
                <span className="font-medium">{s.userAgent?.slice(0, 60) || "Unknown device"}</span>
                <span className="ml-2 text-stone-500">since {when(s.createdAt)}</span>
                {s.id === currentSessionId && <span className="ml-2 text-indigo-600">this one</span>}
              </span>
              {s.id !== currentSessionId && (
                <button type="button" className={ui.secondary} onClick={() => void revoke(s.token)}>Sign out there</button>
              )}
            </li>
          ))}
        </ul>
      </section>

      <section className={`${ui.card} border-red-200`}>
        <div>
          <h2 className="text-lg font-semibold text-red-700">Delete the account</h2>
          <p className={ui.muted}>Deletes the account and every recording in it — audio, transcripts and analyses. This cannot be undone.</p>
        </div>
        <form onSubmit={deleteAccount} className="flex gap-3">
          <input className={`${ui.input} mt-0`} type="password" required placeholder="Your password" value={password} onChange={(e) => setPassword(e.target.value)} aria-label="Password" autoComplete="current-password" />
          <button type="submit" className={ui.danger}>Delete everything</button>
        </form>
      </section>
    </div>
  );
}
