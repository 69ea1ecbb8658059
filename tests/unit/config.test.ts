import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "@/lib/config";

/** loadConfig's error, or a failure if it did not throw. */
function configError(env: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

const BLOB_TOKEN = "vercel_blob_rw_abc123_secret";

describe("loadConfig defaults", () => {
  it("runs fully local with an empty environment", () => {
    const c = loadConfig({});
    expect(c.databaseDriver).toBe("pglite");
    expect(c.storageDriver).toBe("local");
    expect(c.TRANSCRIPTION_PROVIDER).toBe("local");
    expect(c.ANALYSIS_PROVIDER).toBe("local");
    expect(c.PROCESSING_RETRIES).toBe(3);
    expect(c.PROCESSING_CONCURRENCY).toBe(5);
    expect(c.MAX_UPLOAD_BYTES).toBe(500 * 1024 * 1024);
    expect(c.DATABASE_URL).toBeUndefined();
    expect(c.dataDir).toBe(path.resolve(".data"));
    expect(path.isAbsolute(c.dataDir)).toBe(true);
  });

  it("treats empty strings (as .env files write them) as unset", () => {
    const c = loadConfig({
      DATABASE_URL: "",
      BLOB_READ_WRITE_TOKEN: "",
      PROCESSING_RETRIES: "",
      TRANSCRIPTION_PROVIDER: "",
      OPENAI_API_KEY: "",
      SESSION_SECRET: "",
      DATA_DIR: "",
    });
    expect(c.databaseDriver).toBe("pglite");
    expect(c.storageDriver).toBe("local");
    expect(c.PROCESSING_RETRIES).toBe(3);
    expect(c.TRANSCRIPTION_PROVIDER).toBe("local");
    expect(c.dataDir).toBe(path.resolve(".data"));
  });

  it("coerces numeric settings from strings", () => {
    const c = loadConfig({ PROCESSING_RETRIES: "0", PROCESSING_CONCURRENCY: "12", MAX_UPLOAD_BYTES: "1048576" });
    expect(c.PROCESSING_RETRIES).toBe(0);
    expect(c.PROCESSING_CONCURRENCY).toBe(12);
    expect(c.MAX_UPLOAD_BYTES).toBe(1048576);
  });
});

describe("database driver selection", () => {
  it("uses node-postgres for an ordinary postgres URL", () => {
    expect(loadConfig({ DATABASE_URL: "postgres://u:p@db.internal:5432/murmur" }).databaseDriver).toBe("pg");
    expect(loadConfig({ DATABASE_URL: "postgresql://127.0.0.1/test" }).databaseDriver).toBe("pg");
  });

  it("uses the Neon driver for a *.neon.tech URL, with or without a port", () => {
    expect(
      loadConfig({ DATABASE_URL: "postgresql://u:p@ep-cool-rain-123456.us-east-2.aws.neon.tech/neondb?sslmode=require" })
        .databaseDriver,
    ).toBe("neon");
    expect(loadConfig({ DATABASE_URL: "postgres://u:p@ep-x.eu-central-1.aws.neon.tech:5432/db" }).databaseDriver).toBe("neon");
  });

  it("does not mistake a host that merely contains neon.tech for Neon", () => {
    expect(loadConfig({ DATABASE_URL: "postgres://u:p@neon.tech.example.com/db" }).databaseDriver).toBe("pg");
  });

  it("lets DATABASE_DRIVER override the guess", () => {
    expect(loadConfig({ DATABASE_URL: "postgres://127.0.0.1:5432/test", DATABASE_DRIVER: "neon" }).databaseDriver).toBe("neon");
    expect(loadConfig({ DATABASE_DRIVER: "pglite", DATABASE_URL: "postgres://x/y" }).databaseDriver).toBe("pglite");
  });

  it("rejects an unknown DATABASE_DRIVER", () => {
    expect(configError({ DATABASE_DRIVER: "mysql" }).message).toMatch(/DATABASE_DRIVER/);
  });

  it("rejects a DATABASE_URL that is not a postgres URL, naming the variable", () => {
    const err = configError({ DATABASE_URL: "mysql://root@localhost/db" });
    expect(err.message).toMatch(/DATABASE_URL/);
    expect(err.message).toMatch(/postgres:\/\/ or postgresql:\/\//);
    expect(err.message).toMatch(/^Invalid Murmur configuration/);
  });
});

describe("storage driver selection", () => {
  it("uses Vercel Blob when a read-write token is set", () => {
    expect(loadConfig({ BLOB_READ_WRITE_TOKEN: BLOB_TOKEN }).storageDriver).toBe("vercel-blob");
  });

  it("rejects something that is not a Vercel Blob read-write token", () => {
    const err = configError({ BLOB_READ_WRITE_TOKEN: "vercel_blob_ro_readonly" });
    expect(err.message).toMatch(/BLOB_READ_WRITE_TOKEN/);
  });
});

describe("clear errors", () => {
  it("asks for OPENAI_API_KEY when transcription uses OpenAI", () => {
    const err = configError({ TRANSCRIPTION_PROVIDER: "openai" });
    expect(err.message).toMatch(/OPENAI_API_KEY/);
    expect(err.message).toMatch(/required/);
  });

  it("asks for OPENAI_API_KEY when analysis uses OpenAI", () => {
    expect(configError({ ANALYSIS_PROVIDER: "openai" }).message).toMatch(/OPENAI_API_KEY/);
    expect(configError({ ANALYSIS_PROVIDER: "openai", OPENAI_API_KEY: "" }).message).toMatch(/OPENAI_API_KEY/);
  });

  it("accepts OpenAI providers once the key is there", () => {
    const c = loadConfig({ TRANSCRIPTION_PROVIDER: "openai", ANALYSIS_PROVIDER: "openai", OPENAI_API_KEY: "sk-test" });
    expect(c.TRANSCRIPTION_PROVIDER).toBe("openai");
    expect(c.OPENAI_API_KEY).toBe("sk-test");
  });

  it("rejects a non-numeric or out-of-range PROCESSING_RETRIES", () => {
    expect(configError({ PROCESSING_RETRIES: "three" }).message).toMatch(/PROCESSING_RETRIES/);
    expect(configError({ PROCESSING_RETRIES: "-1" }).message).toMatch(/PROCESSING_RETRIES/);
    expect(configError({ PROCESSING_RETRIES: "1.5" }).message).toMatch(/PROCESSING_RETRIES/);
    expect(configError({ PROCESSING_RETRIES: "21" }).message).toMatch(/PROCESSING_RETRIES/);
  });

  it("rejects a zero PROCESSING_CONCURRENCY", () => {
    expect(configError({ PROCESSING_CONCURRENCY: "0" }).message).toMatch(/PROCESSING_CONCURRENCY/);
  });

  it("on Vercel demands both a DATABASE_URL and a Blob token, reporting both at once", () => {
    const err = configError({ VERCEL: "1" });
    expect(err.message).toMatch(/DATABASE_URL: is required on Vercel/);
    expect(err.message).toMatch(/BLOB_READ_WRITE_TOKEN: is required on Vercel/);
  });

  it("on Vercel with a DATABASE_URL still demands the Blob token", () => {
    const err = configError({ VERCEL: "1", DATABASE_URL: "postgres://x/y" });
    expect(err.message).not.toMatch(/DATABASE_URL/);
    expect(err.message).toMatch(/BLOB_READ_WRITE_TOKEN/);
  });

  it("accepts a complete Vercel configuration", () => {
    const c = loadConfig({
      VERCEL: "1",
      DATABASE_URL: "postgresql://u:p@ep-a.aws.neon.tech/db",
      BLOB_READ_WRITE_TOKEN: BLOB_TOKEN,
    });
    expect(c.VERCEL).toBe(true);
    expect(c.databaseDriver).toBe("neon");
    expect(c.storageDriver).toBe("vercel-blob");
  });

  it("in production on Vercel also demands SESSION_SECRET", () => {
    const env = { VERCEL: "1", NODE_ENV: "production", DATABASE_URL: "postgres://x/y", BLOB_READ_WRITE_TOKEN: BLOB_TOKEN };
    expect(configError(env).message).toMatch(/SESSION_SECRET/);
    expect(loadConfig({ ...env, SESSION_SECRET: "s".repeat(32) }).NODE_ENV).toBe("production");
  });

  it("VERCEL=0 and an empty VERCEL are not Vercel", () => {
    expect(loadConfig({ VERCEL: "0" }).VERCEL).toBe(false);
    expect(loadConfig({ VERCEL: "" }).VERCEL).toBeUndefined();
  });

  it("rejects a short SESSION_SECRET", () => {
    expect(configError({ SESSION_SECRET: "short" }).message).toMatch(/SESSION_SECRET: must be at least 32 characters/);
  });
});

describe("accounts and origins", () => {
  it("lower-cases ADMIN_EMAILS and refuses one that is not an address", () => {
    expect(loadConfig({ ADMIN_EMAILS: " Ops@Example.com, b@example.com " }).adminEmails).toEqual(["ops@example.com", "b@example.com"]);
    expect(configError({ ADMIN_EMAILS: "ops@example.com, nobody" }).message).toContain('ADMIN_EMAILS: "nobody" is not an e-mail address');
  });

  it("turns a provider on only with both its id and secret, and says which half is missing", () => {
    expect(loadConfig({ GITHUB_CLIENT_ID: "id", GITHUB_CLIENT_SECRET: "s" }).oauthProviders).toEqual([{ id: "github", name: "GitHub" }]);
    expect(configError({ GOOGLE_CLIENT_ID: "id" }).message).toContain("GOOGLE_CLIENT_SECRET: is required together with GOOGLE_CLIENT_ID");
    expect(configError({ OIDC_CLIENT_ID: "id", OIDC_CLIENT_SECRET: "s" }).message).toContain("OIDC_DISCOVERY_URL");
    const oidc = loadConfig({ OIDC_DISCOVERY_URL: "https://id.example.com/.well-known/openid-configuration", OIDC_CLIENT_ID: "i", OIDC_CLIENT_SECRET: "s", OIDC_NAME: "Corp" });
    expect(oidc.oauthProviders).toEqual([{ id: "oidc", name: "Corp" }]);
  });

  it("marks cookies Secure whenever the app is served over HTTPS", () => {
    expect(loadConfig({}).secureCookies).toBe(false);
    expect(loadConfig({ APP_URL: "http://localhost:3000" }).secureCookies).toBe(false);
    expect(loadConfig({ APP_URL: "https://murmur.example.com" }).secureCookies).toBe(true);
    expect(configError({ APP_URL: "javascript:alert(1)" }).message).toContain("APP_URL");
  });
});
