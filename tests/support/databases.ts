import { randomBytes } from "node:crypto";
import pg from "pg";
import { openDatabase, type DatabaseHandle } from "@/db/client";
import { startNeonRelay } from "./neon-relay";

/** The local PostgreSQL these machines run (trust auth); override with TEST_DATABASE_URL. */
export const ADMIN_URL = process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/test";

export type DriverName = "pglite" | "pg" | "neon";
export const DRIVERS: DriverName[] = ["pglite", "pg", "neon"];

/** An empty PostgreSQL database of its own on the local server; drop() removes it. */
export async function createPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `murmur_test_${randomBytes(6).toString("hex")}`;
  const admin = async (sql: string) => {
    const c = new pg.Client({ connectionString: ADMIN_URL });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await admin(`create database ${name}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`drop database if exists ${name} with (force)`) };
}

/** A fresh, migrated, isolated database for one test file; dispose() drops it. */
export async function freshDatabase(driver: DriverName): Promise<DatabaseHandle & { dispose(): Promise<void> }> {
  if (driver === "pglite") {
    const h = await openDatabase({ driver: "pglite", pgliteDir: "memory://" });
    return { ...h, dispose: () => h.close() };
  }
  const created = await createPostgresDatabase();
  const url = new URL(created.url);
  const relay = driver === "neon" ? await startNeonRelay({ host: url.hostname, port: Number(url.port || 5432) }) : undefined;
  const h = await openDatabase({ driver, url: created.url, neonWsProxy: relay?.proxy });
  return {
    ...h,
    dispose: async () => {
      await h.close();
      await relay?.close();
      await created.drop();
    },
  };
}
