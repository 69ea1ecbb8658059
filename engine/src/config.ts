import { z } from "zod";
import { parseDurationMs } from "./util.js";

const num = (def: number) => z.coerce.number().int().nonnegative().default(def);
const signingKey = z.string().regex(/^signkey-[\w]+-[0-9a-fA-F]+$/, { message: "expected signkey-<env>-<hex>, like the SDK's INNGEST_SIGNING_KEY" });
/** Milliseconds as a number, or a duration such as 30s, 15m, 24h, 7d. */
const duration = (def: number) =>
  z
    .union([z.number(), z.string()])
    .transform((v, ctx) => {
      const ms = typeof v === "number" ? v : /^\d+$/.test(v) ? Number(v) : parseDurationMs(v);
      if (ms === undefined || !Number.isFinite(ms) || ms <= 0) {
        ctx.addIssue({ code: "custom", message: "expected a duration such as 30s, 15m, 24h or 7d" });
        return z.NEVER;
      }
      return ms;
    })
    .default(def);

export const configSchema = z.object({
  host: z.string().min(1).default("127.0.0.1"),
  port: z.coerce.number().int().min(0).max(65535).default(8288),
  appUrls: z
    .array(z.url({ message: "app URL must be an absolute http(s) URL" }))
    .min(1)
    .default(["http://localhost:3000/api/inngest"]),
  dataDir: z.string().min(1).default(".data/engine"),
  /** Longest a single step request may take (client-side timeouts are above this). */
  maxStepMs: num(15 * 60_000),
  /** How often apps are re-synced (and how often an unreachable app is retried, capped at 1 s). */
  pollIntervalMs: num(10_000),
  /** Base of the exponential retry backoff. */
  backoffBaseMs: num(1_000),
  backoffMaxMs: num(10 * 60_000),
  /** Seconds: a fixed delay before every retry instead of the exponential backoff (0 = off). */
  retryInterval: z.coerce.number().nonnegative().max(3600).default(0),
  /** Global cap on concurrent requests to the app(s). */
  maxInFlight: z.coerce.number().int().positive().default(100),
  quiet: z.boolean().default(false),
  // ── security (signing.ts, guard.ts) ──
  /** `signkey-<env>-<hex>`, as the SDK's INNGEST_SIGNING_KEY: requests to apps are signed, the API needs it. */
  signingKey: signingKey.optional(),
  signingKeyFallback: signingKey.optional(),
  /** With a signing key, `/e/<key>` accepts only this key (INNGEST_EVENT_KEY). */
  eventKey: z.string().min(1).optional(),
  /** Host names the API answers besides loopback names and --host (DNS-rebinding guard). */
  allowedHosts: z.array(z.string().min(1)).default([]),
  // ── app outages and history (execute.ts, retention.ts) ──
  /** How long an unreachable app is retried before a run fails (does not use the function's retries). */
  appOutageMs: duration(30 * 60_000),
  /** Finished runs, their steps and events older than this are dropped. */
  historyMs: duration(7 * 86_400_000),
  /** At most this many finished runs are kept (the oldest go first). */
  historyMaxRuns: z.coerce.number().int().positive().default(10_000),
  /** The journal is compacted while running once it passes max(this, 2 × its last compacted size). */
  journalCompactBytes: z.coerce.number().int().positive().default(16 * 1024 * 1024),
}).superRefine((c, ctx) => {
  if (c.signingKey && !c.eventKey) {
    ctx.addIssue({ code: "custom", path: ["eventKey"], message: "a signing key needs an event key too (INNGEST_EVENT_KEY or --event-key)" });
  }
});

export type EngineConfig = z.infer<typeof configSchema>;
export type EngineOptions = z.input<typeof configSchema>;

const FLAGS: Record<string, keyof EngineConfig> = {
  "--host": "host",
  "--port": "port",
  "-p": "port",
  "--app-url": "appUrls",
  "-u": "appUrls",
  "--data-dir": "dataDir",
  "--max-step-ms": "maxStepMs",
  "--poll-interval-ms": "pollIntervalMs",
  "--backoff-base-ms": "backoffBaseMs",
  "--backoff-max-ms": "backoffMaxMs",
  "--retry-interval": "retryInterval",
  "--max-in-flight": "maxInFlight",
  "--signing-key": "signingKey",
  "--event-key": "eventKey",
  "--allowed-host": "allowedHosts",
  "--app-outage-ms": "appOutageMs",
  "--history": "historyMs",
  "--history-max-runs": "historyMaxRuns",
  "--journal-compact-bytes": "journalCompactBytes",
};

const ENV: Record<string, keyof EngineConfig> = {
  INNGEST_ENGINE_HOST: "host",
  INNGEST_ENGINE_PORT: "port",
  INNGEST_ENGINE_APP_URLS: "appUrls",
  INNGEST_ENGINE_DATA_DIR: "dataDir",
  INNGEST_ENGINE_MAX_STEP_MS: "maxStepMs",
  INNGEST_ENGINE_POLL_INTERVAL_MS: "pollIntervalMs",
  INNGEST_ENGINE_BACKOFF_BASE_MS: "backoffBaseMs",
  INNGEST_ENGINE_BACKOFF_MAX_MS: "backoffMaxMs",
  INNGEST_ENGINE_RETRY_INTERVAL: "retryInterval",
  INNGEST_ENGINE_MAX_IN_FLIGHT: "maxInFlight",
  // the SDK's own variables, so the engine and the app share one setting
  INNGEST_SIGNING_KEY: "signingKey",
  INNGEST_SIGNING_KEY_FALLBACK: "signingKeyFallback",
  INNGEST_EVENT_KEY: "eventKey",
  INNGEST_ENGINE_ALLOWED_HOSTS: "allowedHosts",
  INNGEST_ENGINE_APP_OUTAGE_MS: "appOutageMs",
  INNGEST_ENGINE_HISTORY: "historyMs",
  INNGEST_ENGINE_HISTORY_MAX_RUNS: "historyMaxRuns",
  INNGEST_ENGINE_JOURNAL_COMPACT_BYTES: "journalCompactBytes",
};

export const USAGE = `Usage: tsx engine/src/main.ts [options]   (flags override INNGEST_ENGINE_* env vars)
  --port, -p N              port (default 8288)                         INNGEST_ENGINE_PORT
  --host H                  host (default 127.0.0.1)                    INNGEST_ENGINE_HOST
  --app-url, -u URL         app serve endpoint, repeatable or comma-separated
                            (default http://localhost:3000/api/inngest) INNGEST_ENGINE_APP_URLS
  --data-dir DIR            journal directory (default .data/engine)    INNGEST_ENGINE_DATA_DIR
  --max-step-ms N           longest step request (default 900000)       INNGEST_ENGINE_MAX_STEP_MS
  --poll-interval-ms N      re-sync interval (default 10000)            INNGEST_ENGINE_POLL_INTERVAL_MS
  --backoff-base-ms N       retry backoff base (default 1000)           INNGEST_ENGINE_BACKOFF_BASE_MS
  --backoff-max-ms N        retry backoff cap (default 600000)          INNGEST_ENGINE_BACKOFF_MAX_MS
  --retry-interval S        fixed retry delay in seconds, e.g. 0.1 (default off: exponential)
                                                                        INNGEST_ENGINE_RETRY_INTERVAL
  --max-in-flight N         max concurrent requests to apps (default 100) INNGEST_ENGINE_MAX_IN_FLIGHT
  --signing-key KEY         sign requests to apps, require it on the API    INNGEST_SIGNING_KEY
                            (signkey-<env>-<hex>; fallback: INNGEST_SIGNING_KEY_FALLBACK)
  --event-key KEY           the only key /e/<key> accepts with a signing key INNGEST_EVENT_KEY
  --allowed-host H          another Host name to answer, repeatable      INNGEST_ENGINE_ALLOWED_HOSTS
  --app-outage-ms D         retry an unreachable app this long (default 30m) INNGEST_ENGINE_APP_OUTAGE_MS
  --history D               keep finished runs this long (default 7d)    INNGEST_ENGINE_HISTORY
  --history-max-runs N      keep at most N finished runs (default 10000) INNGEST_ENGINE_HISTORY_MAX_RUNS
  --journal-compact-bytes N compact the journal past N bytes (default 16 MiB) INNGEST_ENGINE_JOURNAL_COMPACT_BYTES
  --quiet                   no log lines`;

/** Read env then CLI flags into raw options; zod validates them. */
export function parseArgs(argv: string[], env: Record<string, string | undefined>): EngineConfig {
  const raw: Record<string, unknown> = {};
  const put = (key: keyof EngineConfig, value: string, append: boolean) => {
    if (key === "appUrls" || key === "allowedHosts") {
      const list = value.split(",").map((s) => s.trim()).filter(Boolean);
      raw[key] = append && Array.isArray(raw[key]) ? [...(raw[key] as string[]), ...list] : list;
    } else raw[key] = value;
  };
  for (const [name, key] of Object.entries(ENV)) {
    const v = env[name];
    if (v) put(key, v, false);
  }
  const cliLists = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i]!;
    let value: string | undefined;
    const eq = a.indexOf("=");
    if (a.startsWith("--") && eq > 0) {
      value = a.slice(eq + 1);
      a = a.slice(0, eq);
    }
    if (a === "--quiet") {
      raw.quiet = true;
      continue;
    }
    if (a === "--help" || a === "-h") throw new UsageError(USAGE);
    const key = FLAGS[a];
    if (!key) throw new UsageError(`unknown option ${a}\n${USAGE}`);
    value ??= argv[++i];
    if (value === undefined) throw new UsageError(`option ${a} needs a value`);
    put(key, value, cliLists.has(key));
    cliLists.add(key);
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    throw new UsageError(
      "invalid configuration:\n" + parsed.error.issues.map((i) => `  ${i.path.join(".") || "(root)"}: ${i.message}`).join("\n"),
    );
  }
  return parsed.data;
}

export class UsageError extends Error {}
