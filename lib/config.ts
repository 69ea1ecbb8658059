import path from "node:path";
import { z } from "zod";
import { DEFAULT_ANALYSIS_MODEL, DEFAULT_TRANSCRIPTION_MODEL, OPENAI_TRANSCRIPTION_MODELS } from "@/lib/openai/models";

/**
 * Every environment variable Murmur reads, validated once. Application code asks
 * for `config()` and never reads process.env itself, so a typo or a missing key
 * fails at start-up with a message instead of deep inside a step.
 */

const bool = z
  .enum(["1", "0", "true", "false", "yes", "no", ""])
  .transform((v) => v === "1" || v === "true" || v === "yes");

const positiveInt = z.coerce.number().int().positive();

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * "30s", "15m", "24h", "30d" (also "500ms", "1.5h") → milliseconds. The one
 * parser for every duration setting, so they all read the same way.
 */
export function parseDuration(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/i.exec(text);
  if (!m) return undefined;
  const ms = Number(m[1]) * UNIT_MS[m[2]!.toLowerCase() as keyof typeof UNIT_MS];
  return ms > 0 && Number.isFinite(ms) ? Math.round(ms) : undefined;
}

/** A duration setting as milliseconds, with a message that shows the accepted forms. */
const duration = z.string().transform((v, ctx) => {
  const ms = parseDuration(v);
  if (ms === undefined) {
    ctx.addIssue({ code: "custom", message: `must be a duration such as 30s, 15m, 24h or 30d (got "${v}")` });
    return z.NEVER;
  }
  return ms;
});

/** Cron as Inngest reads it (robfig/cron v3): five fields or a descriptor, optionally prefixed "TZ=Area/City ". */
const cron = z
  .string()
  .trim()
  .regex(
    /^(?:(?:CRON_)?TZ=\S+\s+)?(?:(?:\S+\s+){4}\S+|@(?:hourly|daily|midnight|weekly|monthly|yearly|annually)|@every\s+\S+)$/,
    "must be a cron expression with five fields (e.g. */5 * * * *), a descriptor such as @hourly, or @every 90s",
  );

const emailList = z
  .string()
  .transform((v) => v.split(",").map((s) => s.trim()).filter(Boolean))
  .pipe(z.array(z.email("must be a comma-separated list of e-mail addresses")).min(1));

const schema = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    DATA_DIR: z.string().min(1).default(".data"),
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// URL")
      .optional(),
    /** Force the Neon driver for a URL that does not end in neon.tech (e.g. a local relay in tests). */
    DATABASE_DRIVER: z.enum(["pglite", "pg", "neon"]).optional(),
    NEON_WS_PROXY: z.string().optional(),

    BLOB_READ_WRITE_TOKEN: z.string().startsWith("vercel_blob_rw_", "must be a Vercel Blob read-write token").optional(),
    MAX_UPLOAD_BYTES: positiveInt.default(500 * 1024 * 1024),

    TRANSCRIPTION_PROVIDER: z.enum(["local", "openai"]).default("local"),
    TRANSCRIPTION_MODEL: z.enum(OPENAI_TRANSCRIPTION_MODELS).default(DEFAULT_TRANSCRIPTION_MODEL),
    TRANSCRIPTION_PROMPT: z.string().optional(),
    ANALYSIS_PROVIDER: z.enum(["local", "openai"]).default("local"),
    ANALYSIS_MODEL: z.string().min(1).default(DEFAULT_ANALYSIS_MODEL),
    OPENAI_API_KEY: z.string().min(1).optional(),
    OPENAI_BASE_URL: z.url().optional(),
    OPENAI_TIMEOUT_MS: positiveInt.default(120_000),
    MOONSHINE_MODEL_DIR: z.string().optional(),
    /** Silero VAD (voice activity): default <DATA_DIR>/models/silero-vad. */
    VAD_MODEL_DIR: z.string().optional(),
    /** Local model: recordings' chunks decoded at once (default one per core, at most 3) and threads per decode (default 1). */
    LOCAL_TRANSCRIBER_CONCURRENCY: z.coerce.number().int().min(1).max(16).optional(),
    LOCAL_TRANSCRIBER_THREADS: z.coerce.number().int().min(1).max(16).optional(),

    /** Overrides the provider's chunk length (seconds). */
    CHUNK_SECONDS: positiveInt.optional(),
    /** How many chunks of one recording are transcribed at once (1 = one after another). */
    CHUNK_PARALLELISM: positiveInt.default(4),
    /**
     * "streamlined": one decoding pass finds the pauses and, for the local model, yields its
     * parts as 16 kHz WAV (no encoding); remote providers' Opus parts are cut in steps beside
     * the transcription of the parts before them. "sequential": the
     * design before 2026-12 (every part encoded to Opus inside prepare, for every provider;
     * transcription in batches of CHUNK_PARALLELISM), kept so `npm run bench` can measure both
     * side by side.
     */
    PREPARE_MODE: z.enum(["streamlined", "sequential"]).default("streamlined"),
    PROCESSING_RETRIES: z.coerce.number().int().min(0).max(20).default(3),
    PROCESSING_CONCURRENCY: positiveInt.default(5),

    /** Steps of process-session executing at once for one owner, so one person's 30 uploads cannot starve another's. */
    PROCESSING_CONCURRENCY_PER_OWNER: positiveInt.default(3),

    /** Run links on /operations: "{runId}" is replaced (default: the local engine's dashboard, or Inngest Cloud with a signing key). */
    INNGEST_RUN_URL: z.string().includes("{runId}", { message: 'must contain "{runId}"' }).optional(),

    // ── alerts and webhooks ──
    ALERT_WEBHOOK_URL: z.url().optional(),
    ALERT_SLACK_WEBHOOK_URL: z.url().optional(),
    SMTP_URL: z.string().regex(/^smtps?:\/\//, "must be an smtp:// or smtps:// URL").optional(),
    ALERT_EMAIL_TO: emailList.optional(),
    ALERT_EMAIL_FROM: z.string().min(3).default("Murmur <murmur@localhost>"),
    /** Failures within this window are sent as one message. */
    ALERT_GROUP_WINDOW: duration.prefault("1m"),
    /** A step failing for this many sessions within ALERT_STEP_WINDOW raises a "step keeps failing" alert. */
    ALERT_STEP_FAILURES: positiveInt.default(3),
    ALERT_STEP_WINDOW: duration.prefault("1h"),
    /** Standard Webhooks secret ("whsec_" + base64) signing alert and completion webhooks. */
    WEBHOOK_SECRET: z
      .string()
      .regex(/^(whsec_)?[A-Za-z0-9+/]{20,}={0,2}$/, 'must be a Standard Webhooks secret: "whsec_" followed by base64 (openssl rand -base64 32)')
      .optional(),
    /** Lets webhooks target loopback and private addresses (tests, a receiver on the same network). */
    WEBHOOK_ALLOW_PRIVATE: bool.default(false),
    WEBHOOK_RETRIES: z.coerce.number().int().min(0).max(20).default(6),
    WEBHOOK_TIMEOUT: duration.prefault("10s"),

    // ── self-healing and retention ──
    SWEEP_CRON: cron.default("*/5 * * * *"),
    /** A queued/processing session without progress for this long is re-dispatched. */
    STALE_RUN_AFTER: duration.prefault("15m"),
    AUTO_RECOVERY_ATTEMPTS: z.coerce.number().int().min(0).max(20).default(2),
    UPLOAD_EXPIRES_AFTER: duration.prefault("24h"),
    RETENTION_CRON: cron.default("17 * * * *"),
    /** Unset = keep forever. */
    AUDIO_RETENTION: duration.optional(),
    SESSION_RETENTION: duration.optional(),

    /** Password (HTTP Basic, any user name) for /operations; without it the page is open locally and off on Vercel. */
    OPERATIONS_TOKEN: z.string().min(12, "must be at least 12 characters").optional(),
    SESSION_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
    /** The app's public origin (https://murmur.example.com); writes from any other origin are refused. */
    APP_URL: z.url({ protocol: /^https?$/, message: "must be an http:// or https:// URL" }).optional(),
    /** Set by Vercel (host names without a scheme); the deployment's own origins. */
    VERCEL_URL: z.string().optional(),
    VERCEL_BRANCH_URL: z.string().optional(),
    VERCEL_PROJECT_PRODUCTION_URL: z.string().optional(),
    /** Comma-separated e-mail addresses whose accounts get the admin role (operators) when created. */
    ADMIN_EMAILS: z.string().optional(),
    /** OAuth providers, each on when both its id and secret are set. */
    GITHUB_CLIENT_ID: z.string().min(1).optional(),
    GITHUB_CLIENT_SECRET: z.string().min(1).optional(),
    GOOGLE_CLIENT_ID: z.string().min(1).optional(),
    GOOGLE_CLIENT_SECRET: z.string().min(1).optional(),
    /** Any OpenID Connect provider: its discovery document (…/.well-known/openid-configuration). */
    OIDC_DISCOVERY_URL: z.url().optional(),
    OIDC_CLIENT_ID: z.string().min(1).optional(),
    OIDC_CLIENT_SECRET: z.string().min(1).optional(),
    OIDC_NAME: z.string().min(1).default("Single sign-on"),
    /** The port `next start` / `next dev` listens on, when given through the environment. */
    PORT: positiveInt.optional(),
    INNGEST_DEV: z.string().optional(),
    INNGEST_EVENT_KEY: z.string().optional(),
    INNGEST_SIGNING_KEY: z.string().optional(),
    /** Where the engine reaches this app; pinned so a request's Host header never decides what gets registered. */
    INNGEST_SERVE_ORIGIN: z.url({ protocol: /^https?$/ }).optional(),
    VERCEL: bool.optional(),
  })
  .superRefine((env, ctx) => {
    const needsKey = env.TRANSCRIPTION_PROVIDER === "openai" || env.ANALYSIS_PROVIDER === "openai";
    if (needsKey && !env.OPENAI_API_KEY) {
      ctx.addIssue({
        code: "custom",
        path: ["OPENAI_API_KEY"],
        message: "is required when TRANSCRIPTION_PROVIDER or ANALYSIS_PROVIDER is openai",
      });
    }
    if (env.NODE_ENV === "production" && env.VERCEL && !env.SESSION_SECRET) {
      ctx.addIssue({ code: "custom", path: ["SESSION_SECRET"], message: "is required in production" });
    }
    for (const [id, secret] of [
      ["GITHUB_CLIENT_ID", "GITHUB_CLIENT_SECRET"],
      ["GOOGLE_CLIENT_ID", "GOOGLE_CLIENT_SECRET"],
    ] as const) {
      if (Boolean(env[id]) !== Boolean(env[secret])) {
        ctx.addIssue({ code: "custom", path: [env[id] ? secret : id], message: `is required together with ${env[id] ? id : secret}` });
      }
    }
    const oidc = [env.OIDC_DISCOVERY_URL, env.OIDC_CLIENT_ID, env.OIDC_CLIENT_SECRET];
    if (oidc.some(Boolean) && !oidc.every(Boolean)) {
      ctx.addIssue({ code: "custom", path: ["OIDC_DISCOVERY_URL"], message: "OIDC_DISCOVERY_URL, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET go together" });
    }
    for (const email of (env.ADMIN_EMAILS ?? "").split(",").map((e) => e.trim()).filter(Boolean)) {
      if (!z.email().safeParse(email).success) ctx.addIssue({ code: "custom", path: ["ADMIN_EMAILS"], message: `"${email}" is not an e-mail address` });
    }
    if (env.ALERT_WEBHOOK_URL && !env.WEBHOOK_SECRET) {
      ctx.addIssue({ code: "custom", path: ["WEBHOOK_SECRET"], message: "is required with ALERT_WEBHOOK_URL (alerts are signed)" });
    }
    if (env.SMTP_URL && !env.ALERT_EMAIL_TO) {
      ctx.addIssue({ code: "custom", path: ["ALERT_EMAIL_TO"], message: "is required with SMTP_URL (who gets the alerts)" });
    }
    if (env.VERCEL && !env.DATABASE_URL) {
      ctx.addIssue({ code: "custom", path: ["DATABASE_URL"], message: "is required on Vercel (embedded PGlite needs a disk)" });
    }
    if (env.VERCEL && !env.BLOB_READ_WRITE_TOKEN) {
      ctx.addIssue({ code: "custom", path: ["BLOB_READ_WRITE_TOKEN"], message: "is required on Vercel (local storage needs a disk)" });
    }
  });

export type Env = z.infer<typeof schema>;

export interface Config extends Env {
  dataDir: string;
  databaseDriver: "pglite" | "pg" | "neon";
  storageDriver: "local" | "vercel-blob";
  /** ADMIN_EMAILS, lower-cased. */
  adminEmails: string[];
  /** Cookies get `Secure` whenever the app is served over HTTPS (APP_URL https://, or Vercel). */
  secureCookies: boolean;
  /** Sign-in buttons to show besides e-mail and password. */
  oauthProviders: { id: "github" | "google" | "oidc"; name: string }[];
}

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/** Parses an environment (process.env by default); exported for tests. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // Empty strings in .env files mean "unset".
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".") || "(env)"}: ${i.message}`);
    throw new ConfigError(`Invalid Murmur configuration:\n${lines.join("\n")}\nSee .env.example.`);
  }
  const e = parsed.data;
  return {
    ...e,
    dataDir: path.resolve(e.DATA_DIR),
    databaseDriver:
      e.DATABASE_DRIVER ?? (!e.DATABASE_URL ? "pglite" : /\.neon\.tech(?::\d+)?\//.test(e.DATABASE_URL) ? "neon" : "pg"),
    storageDriver: e.BLOB_READ_WRITE_TOKEN ? "vercel-blob" : "local",
    adminEmails: (e.ADMIN_EMAILS ?? "").split(",").map((s) => s.trim().toLowerCase()).filter(Boolean),
    secureCookies: Boolean(e.APP_URL?.startsWith("https://") || e.VERCEL),
    oauthProviders: [
      ...(e.GITHUB_CLIENT_ID ? [{ id: "github" as const, name: "GitHub" }] : []),
      ...(e.GOOGLE_CLIENT_ID ? [{ id: "google" as const, name: "Google" }] : []),
      ...(e.OIDC_DISCOVERY_URL ? [{ id: "oidc" as const, name: e.OIDC_NAME }] : []),
    ],
  };
}

let cached: Config | undefined;

export function config(): Config {
  cached ??= loadConfig();
  return cached;
}

/** Tests change env between cases. */
export function resetConfigForTests(): void {
  cached = undefined;
}
