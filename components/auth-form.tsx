"use client";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { authClient } from "./auth-client";
import { ui } from "./ui";

type Provider = { id: "github" | "google" | "oidc"; name: string };

/** Sign in or sign up with e-mail and password (or a configured provider). Recordings made before stay with the person. */
export function AuthForm({ mode, providers, next }: { mode: "sign-in" | "sign-up"; providers: Provider[]; next: string }) {
  const router = useRouter();
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const res =
      mode === "sign-up"
        ? await authClient.signUp.email({ name: name.trim() || email.split("@")[0]!, email, password })
        : await authClient.signIn.email({ email, password });
    setBusy(false);
    if (res.error) {
      setError(res.error.message ?? "That did not work. Please try again.");
      return;
    }
    router.push(next);
    router.refresh();
  }

  async function social(p: Provider) {
    setError(null);
    // A generic OIDC provider is registered as one more social provider ("oidc").
    const res = await authClient.signIn.social({ provider: p.id as "github", callbackURL: next });
    if (res?.error) setError(res.error.message ?? "That provider did not answer.");
  }

  const title = mode === "sign-up" ? "Create an account" : "Sign in";
  return (
    <div className="mx-auto max-w-md space-y-6">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">{title}</h1>
        <p className="mt-1 text-sm text-stone-600">
          Recordings you made in this browser without an account move into it, so nothing is lost.
        </p>
      </div>
      <form onSubmit={submit} className={ui.card} data-testid={`${mode}-form`}>
        {mode === "sign-up" && (
          <label className={ui.label}>
            <span className="font-medium">Name</span>
            <input className={ui.input} value={name} onChange={(e) => setName(e.target.value)} autoComplete="name" maxLength={100} />
          </label>
        )}
        <label className={ui.label}>
          <span className="font-medium">E-mail</span>
          <input className={ui.input} type="email" required value={email} onChange={(e) => setEmail(e.target.value)} autoComplete="email" />
        </label>
        <label className={ui.label}>
          <span className="font-medium">Password</span>
          <input
            className={ui.input}
            type="password"
            required
            minLength={8}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            autoComplete={mode === "sign-up" ? "new-password" : "current-password"}
          />
        </label>
        {error && (
          <p role="alert" className={ui.error}>
            {error}
          </p>
        )}
        <button type="submit" className={ui.primary} disabled={busy}>
          {busy ? "One moment…" : title}
        </button>
        {providers.length > 0 && (
          <div className="space-y-2 border-t border-stone-100 pt-4">
            {providers.map((p) => (
              <button key={p.id} type="button" className={`${ui.secondary} w-full`} onClick={() => void social(p)}>
                Continue with {p.name}
              </button>
            ))}
          </div>
        )}
      </form>
      <p className="text-sm text-stone-600">
        {mode === "sign-up" ? (
          <>
            Already have an account? <Link className="underline" href={`/sign-in?next=${encodeURIComponent(next)}`}>Sign in</Link>
          </>
        ) : (
          <>
            New here? <Link className="underline" href={`/sign-up?next=${encodeURIComponent(next)}`}>Create an account</Link>
          </>
        )}
      </p>
    </div>
  );
}
