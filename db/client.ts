import path from "node:path";
import fs from "node:fs";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import type { Config } from "@/lib/config";
import { config } from "@/lib/config";
import { schema } from "./schema";

/** The one database type the app sees, whichever driver is underneath. */
export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface DatabaseHandle {
  db: Database;
  driver: Config["databaseDriver"];
  close(): Promise<void>;
}

const migrationsFolder = path.join(process.cwd(), "db", "migrations");

export interface DbSettings {
  driver: Config["databaseDriver"];
  url?: string;
  /** PGlite data directory, or "memory://" for a throwaway in-memory database. */
  pgliteDir?: string;
  /** Plain-ws relay for the Neon driver (tests, self-hosted). */
  neonWsProxy?: string;
}

export function settingsFromConfig(c: Config): DbSettings {
  return {
    driver: c.databaseDriver,
    url: c.DATABASE_URL,
    pgliteDir: path.join(c.dataDir, "pglite"),
    neonWsProxy: c.NEON_WS_PROXY,
  };
}

/**
 * Opens a database and applies committed migrations. Drivers are imported
 * lazily so a deployment only loads the one it uses (PGlite's WASM never
 * reaches a Neon deployment).
 */
export async function openDatabase(settings: DbSettings, opts: { migrate?: boolean } = {}): Promise<DatabaseHandle> {
  const handle = await connect(settings);
  if (opts.migrate ?? true) await migrateDatabase(handle);
  return handle;
}

async function connect(s: DbSettings): Promise<DatabaseHandle> {
  switch (s.driver) {
    case "pglite": {
      const { PGlite } = await import("@electric-sql/pglite");
      const { drizzle } = await import("drizzle-orm/pglite");
      const dir = s.pgliteDir ?? "memory://";
      if (!dir.startsWith("memory://")) fs.mkdirSync(dir, { recursive: true });
      const client = new PGlite(dir);
      const db = drizzle({ client, schema }) as unknown as Database;
      return { db, driver: "pglite", close: () => client.close() };
    }
    case "pg": {
      const { Pool } = await import("pg");
      const { drizzle } = await import("drizzle-orm/node-postgres");
      const pool = new Pool({ connectionString: s.url, max: 10 });
      const db = drizzle({ client: pool, schema }) as unknown as Database;
      return { db, driver: "pg", close: () => pool.end() };
    }
    case "neon": {
      const { Pool, neonConfig } = await import("@neondatabase/serverless");
      const { drizzle } = await import("drizzle-orm/neon-serverless");
      const { default: ws } = await import("ws");
      // Node 20 has no global WebSocket; the Pool tunnels the wire protocol over one.
      neonConfig.webSocketConstructor = ws;
      if (s.neonWsProxy) {
        // A plain-ws relay (tests, self-hosted) instead of Neon's TLS endpoint.
        const proxy = s.neonWsProxy;
        neonConfig.wsProxy = () => proxy;
        neonConfig.useSecureWebSocket = false;
        neonConfig.pipelineConnect = false;
      }
      const pool = new Pool({ connectionString: s.url });
      const db = drizzle({ client: pool, schema }) as unknown as Database;
      return { db, driver: "neon", close: () => pool.end() };
    }
  }
}

async function migrateDatabase(handle: DatabaseHandle): Promise<void> {
  switch (handle.driver) {
    case "pglite": {
      const { migrate } = await import("drizzle-orm/pglite/migrator");
      await migrate(handle.db as never, { migrationsFolder });
      return;
    }
    case "pg": {
      const { migrate } = await import("drizzle-orm/node-postgres/migrator");
      await migrate(handle.db as never, { migrationsFolder });
      return;
    }
    case "neon": {
      const { migrate } = await import("drizzle-orm/neon-serverless/migrator");
      await migrate(handle.db as never, { migrationsFolder });
      return;
    }
  }
}

// Kept on globalThis so Next.js dev reloads reuse one PGlite instance per process.
const g = globalThis as typeof globalThis & { __murmurDb?: Promise<DatabaseHandle> };

/** The process-wide database. Migrations apply on first use (idempotent). */
export function getDb(): Promise<Database> {
  g.__murmurDb ??= openDatabase(settingsFromConfig(config())).catch((err: unknown) => {
    g.__murmurDb = undefined;
    throw err;
  });
  return g.__murmurDb.then((h) => h.db);
}

export async function closeDb(): Promise<void> {
  const h = g.__murmurDb;
  g.__murmurDb = undefined;
  if (h) await (await h).close();
}
