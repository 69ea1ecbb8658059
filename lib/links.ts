import type { Config } from "@/lib/config";

/** Where people reach the app: APP_URL, else Vercel's production host, else the local dev server. */
type LinkConfig = Pick<Config, "APP_URL" | "VERCEL_PROJECT_PRODUCTION_URL" | "PORT">;

export function appUrl(c: LinkConfig): string {
  const base = c.APP_URL ?? (c.VERCEL_PROJECT_PRODUCTION_URL ? `https://${c.VERCEL_PROJECT_PRODUCTION_URL}` : `http://localhost:${c.PORT ?? 3000}`);
  return base.replace(/\/+$/, "");
}

export const sessionUrl = (c: LinkConfig, id: string) => `${appUrl(c)}/sessions/${id}`;

/**
 * A run's page in whichever Inngest server runs it: INNGEST_RUN_URL when set;
 * Inngest Cloud's run page with a signing key; otherwise the local engine's dashboard.
 */
export function runUrl(
  c: Pick<Config, "INNGEST_RUN_URL" | "INNGEST_SIGNING_KEY">,
  runId: string,
  env: Record<string, string | undefined> = process.env,
): string {
  if (c.INNGEST_RUN_URL) return c.INNGEST_RUN_URL.replaceAll("{runId}", encodeURIComponent(runId));
  if (c.INNGEST_SIGNING_KEY && !env.INNGEST_DEV) return `https://app.inngest.com/env/production/runs/${encodeURIComponent(runId)}`;
  const base = (env.INNGEST_BASE_URL ?? (env.INNGEST_DEV?.startsWith("http") ? env.INNGEST_DEV : "http://127.0.0.1:8288")).replace(/\/+$/, "");
  // The local engine's dashboard, opened on this run (its steps, attempts and errors).
  return `${base}/#run=${encodeURIComponent(runId)}`;
}
