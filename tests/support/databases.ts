import { randomBytes } from "node:crypto";
import pg from "pg";
import { openDatabase, type DatabaseHandle } from "@/db/client";
import { startNeonRelay } from "./neon-relay";

/** The local PostgreSQL these machines run (trust auth); override with TEST_DATABASE_URL. */
export const ADMIN_URL = process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/test";

export type DriverName = "pglite" | "pg" | "neon";
export const DRIVERS: DriverName[] = ["pglite", "pg", "neon"];

/** A fresh, migrated, isolated database for one test file; dispose() drops it. */
export async function freshDatabase(driver: DriverName): Promise<DatabaseHandle & { dispose(): Promise<void> }> {
  if (driver === "pglite") {
    const h = await openDatabase({ driver: "pglite", pgliteDir: "memory://" });
    return { ...h, dispose: () => h.close() };
  }
  const name = `murmur_test_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const relay = driver === "neon" ? await startNeonRelay({ host: url.hostname, port: Number(url.port || 5432) }) : undefined;
  const h = await openDatabase({ driver, url: url.toString(), neonWsProxy: relay?.proxy });
  return {
    ...h,
    dispose: async () => {
      await h.close();
      await relay?.close();
      const a = new pg.Client({ connectionString: ADMIN_URL });
      await a.connect();
      await a.query(`drop database if exists ${name} with (force)`);
      await a.end();
    },
  };
}
