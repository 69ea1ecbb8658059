import path from "node:path";
import { z } from "zod";

/**
 * Every environment variable Murmur reads, validated once. Application code asks
 * for `config()` and never reads process.env itself, so a typo or a missing key
 * fails at start-up with a message instead of deep inside a step.
 */

const bool = z
  .enum(["1", "0", "true", "false", "yes", "no", ""])
  .transform((v) => v === "1" || v === "true" || v === "yes");

const positiveInt = z.coerce.number().int().positive();

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
    TRANSCRIPTION_MODEL: z
      .enum(["gpt-4o-transcribe", "gpt-4o-mini-transcribe", "whisper-1", "gpt-4o-transcribe-diarize"])
      .default("gpt-4o-transcribe"),
    TRANSCRIPTION_PROMPT: z.string().optional(),
    ANALYSIS_PROVIDER: z.enum(["local", "openai"]).default("local"),
    ANALYSIS_MODEL: z.string().min(1).default("gpt-4o-mini"),
    OPENAI_API_KEY: z.string().min(1).optional(),
    OPENAI_BASE_URL: z.url().optional(),
    OPENAI_TIMEOUT_MS: positiveInt.default(120_000),
    MOONSHINE_MODEL_DIR: z.string().optional(),
    /** Local model: recordings' chunks decoded at once (default one per core, at most 3) and threads per decode (default 1). */
    LOCAL_TRANSCRIBER_CONCURRENCY: z.coerce.number().int().min(1).max(16).optional(),
    LOCAL_TRANSCRIBER_THREADS: z.coerce.number().int().min(1).max(16).optional(),

    /** Overrides the provider's chunk length (seconds). */
    CHUNK_SECONDS: positiveInt.optional(),
    /** How many chunks of one recording are transcribed at once (1 = one after another). */
    CHUNK_PARALLELISM: positiveInt.default(4),
    PROCESSING_RETRIES: z.coerce.number().int().min(0).max(20).default(3),
    PROCESSING_CONCURRENCY: positiveInt.default(5),

    /** Password (HTTP Basic, any user name) for /operations; without it the page is open locally and off on Vercel. */
    OPERATIONS_TOKEN: z.string().min(12, "must be at least 12 characters").optional(),
    SESSION_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
    /** The app's public origin (https://murmur.example.com); writes from any other origin are refused. */
    APP_URL: z.url({ protocol: /^https?$/, message: "must be an http:// or https:// URL" }).optional(),
    /** Set by Vercel (host names without a scheme); the deployment's own origins. */
    VERCEL_URL: z.string().optional(),
    VERCEL_BRANCH_URL: z.string().optional(),
    VERCEL_PROJECT_PRODUCTION_URL: z.string().optional(),
    /** The port `next start` / `next dev` listens on, when given through the environment. */
    PORT: positiveInt.optional(),
    INNGEST_DEV: z.string().optional(),
    INNGEST_EVENT_KEY: z.string().optional(),
    INNGEST_SIGNING_KEY: z.string().optional(),
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
