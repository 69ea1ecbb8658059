/**
 * The engine is down when an upload is acknowledged: the person gets a clear 503, the
 * upload is kept, and the session ends "failed" with a Retry hint instead of sitting
 * in "queued" forever.
 */
import { Readable } from "node:stream";
import fsp from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { DatabaseHandle } from "@/db/client";
import type { SessionDeps } from "@/lib/sessions/service";
import { freePort } from "../support/net";

let handle: DatabaseHandle;
let tmp: string;
const saved = { dev: process.env.INNGEST_DEV, base: process.env.INNGEST_BASE_URL };

beforeAll(async () => {
  process.env.INNGEST_DEV = "1";
  process.env.INNGEST_BASE_URL = `http://127.0.0.1:${await freePort()}`;
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), "murmur-noengine-"));
  const { openDatabase } = await import("@/db/client");
  handle = await openDatabase({ driver: "pglite", pgliteDir: "memory://" });
});

afterAll(async () => {
  // Workers are reused between files: leave the environment as it was.
  for (const [k, v] of [["INNGEST_DEV", saved.dev], ["INNGEST_BASE_URL", saved.base]] as const) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  await handle?.close();
  await fsp.rm(tmp, { recursive: true, force: true });
});

it("answers 503, keeps the upload and marks the session failed with a way out", async () => {
  const { LocalDiskStore } = await import("@/lib/storage/local");
  const service = await import("@/lib/sessions/service");
  const { startProcessing } = await import("@/lib/sessions/start");
  const http = await import("@/lib/http");
  const { NextResponse } = await import("next/server");
  const deps: SessionDeps = { db: handle.db, store: new LocalDiskStore(tmp), maxUploadBytes: 1024 };

  const created = await service.createSession(deps, "owner", { fileName: "a.mp3", fileSize: 4, contentType: "audio/mpeg", deleteAfterAnalysis: false });
  const received = await service.receiveUpload(deps, created.id, "owner", Readable.from([Buffer.from("abcd")]));
  // As the upload route answers: the 503 travels as an HttpError through handle().
  const res = await http.handle(async () => NextResponse.json(await startProcessing(deps, received), { status: 202 }))();

  expect(res.status).toBe(503);
  expect(((await res.json()) as { error: { code: string } }).error.code).toBe("engine_unavailable");
  const row = await service.requireOwned(deps, created.id, "owner");
  expect(row.status).toBe("failed");
  expect(row.error).toMatch(/Retry/);
  expect(row.audioKey).not.toBeNull();
  expect(await deps.store.stat(row.audioKey!)).toEqual({ size: 4 });
  // and Retry is indeed allowed
  expect((await service.retrySession(deps, created.id, "owner")).changed).toBe(true);
}, 60_000);
