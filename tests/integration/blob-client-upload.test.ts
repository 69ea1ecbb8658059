import { createHash, randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { put as clientPut, upload, type HandleUploadBody } from "@vercel/blob/client";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { openDatabase, type DatabaseHandle } from "@/db/client";
import * as q from "@/db/queries";
import { HttpError } from "@/lib/http";
import { blobUploadToken } from "@/lib/sessions/blob-upload";
import { confirmBlobUpload, createSession, type SessionDeps } from "@/lib/sessions/service";
import { uploadInstructions } from "@/lib/sessions/upload-instructions";
import { VercelBlobStore } from "@/lib/storage/vercel-blob";
import { startFakeVercelBlob, type FakeVercelBlob } from "../support/fake-vercel-blob";

// Browser-side upload() from @vercel/blob/client → our token route logic → the
// fake Vercel Blob service, then /uploaded (confirmBlobUpload) or Vercel's webhook.

const A = "owner-aaaa";
const B = "owner-bbbb";
const MAX = 50 * 1024 * 1024;
const MB = 1024 * 1024;

let handle: DatabaseHandle;
let deps: SessionDeps;
let fake: FakeVercelBlob;
let tokenServer: http.Server;
let origin: string;
const queued: [string, number][] = [];
const routeAnswers: { status: number; body: string }[] = [];
const savedEnv = { api: process.env.VERCEL_BLOB_API_URL, cb: process.env.VERCEL_BLOB_CALLBACK_URL };

const sha = (b: Buffer | Uint8Array) => createHash("sha256").update(b).digest("hex");

/**
 * Mirrors app/api/sessions/[id]/upload-token/route.ts (Next's handler needs a Next
 * request context): same body check, same blobUploadToken call, and handle()'s
 * error mapping. The x-test-owner header stands in for the verified owner cookie.
 */
function startTokenServer(): Promise<void> {
  tokenServer = http.createServer(async (req, res) => {
    const reply = (status: number, body: unknown) => {
      const text = JSON.stringify(body);
      routeAnswers.push({ status, body: text });
      res.writeHead(status, { "content-type": "application/json" }).end(text);
    };
    try {
      const m = /^\/api\/sessions\/([^/]+)\/upload-token$/.exec(req.url ?? "");
      if (req.method !== "POST" || !m) return reply(404, { error: { code: "not_found" } });
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const raw = Buffer.concat(chunks).toString();
      const request = new Request(`${origin}${req.url}`, { method: "POST", headers: req.headers as Record<string, string>, body: raw });
      const body = (await request.json().catch(() => null)) as HandleUploadBody | null;
      if (!body || typeof body !== "object" || !("type" in body)) throw new HttpError(400, "invalid_json", "Expected a Vercel Blob upload body.");
      const owner = (req.headers["x-test-owner"] as string | undefined) ?? null;
      const result = await blobUploadToken(deps, m[1]!, fake.token, request, body, owner, async (row) => {
        queued.push([row.id, row.generation]);
      });
      reply(200, result);
    } catch (err) {
      if (err instanceof HttpError) reply(err.status, { error: { code: err.code, message: err.message } });
      else reply(500, { error: { code: "internal", message: String(err) } });
    }
  });
  return new Promise((resolve) =>
    tokenServer.listen(0, "127.0.0.1", () => {
      origin = `http://127.0.0.1:${(tokenServer.address() as AddressInfo).port}`;
      resolve();
    }),
  );
}

async function newSession(owner: string, fileSize: number, fileName = "team sync.m4a") {
  return createSession(deps, owner, { fileName, fileSize, contentType: "audio/mp4", deleteAfterAnalysis: false });
}

/** What components/upload-form.tsx does with the instructions, minus the DOM. */
function browserUpload(
  s: { id: string; fileName: string; fileSize: number; contentType: string },
  bytes: Buffer,
  o: { owner: string; contentType?: string; clientPayload?: string; pathname?: string; multipart?: boolean },
) {
  const ins = uploadInstructions({ storageDriver: "vercel-blob", MAX_UPLOAD_BYTES: MAX }, s);
  if (ins.method !== "vercel-blob") throw new Error("expected vercel-blob instructions");
  return upload(o.pathname ?? ins.pathname, new Blob([new Uint8Array(bytes)]), {
    access: "private",
    handleUploadUrl: `${origin}${ins.handleUploadUrl}`,
    clientPayload: o.clientPayload ?? JSON.stringify({ sessionId: ins.sessionId }),
    multipart: o.multipart ?? ins.multipart,
    contentType: o.contentType ?? "audio/mp4",
    headers: { "x-test-owner": o.owner },
  });
}

beforeAll(async () => {
  fake = await startFakeVercelBlob();
  process.env.VERCEL_BLOB_API_URL = fake.apiUrl;
  handle = await openDatabase({ driver: "pglite", pgliteDir: "memory://" });
  deps = { db: handle.db, store: new VercelBlobStore(fake.token), maxUploadBytes: MAX };
  await startTokenServer();
  // Off Vercel, handleUpload only puts a callback URL in the token when this is set.
  process.env.VERCEL_BLOB_CALLBACK_URL = origin;
});

afterAll(async () => {
  for (const [k, v] of [
    ["VERCEL_BLOB_API_URL", savedEnv.api],
    ["VERCEL_BLOB_CALLBACK_URL", savedEnv.cb],
  ] as const) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  tokenServer?.closeAllConnections();
  await new Promise<void>((r) => (tokenServer ? tokenServer.close(() => r()) : r()));
  await fake?.close();
  await handle?.close();
});

beforeEach(() => {
  queued.length = 0;
  routeAnswers.length = 0;
  fake.requests.length = 0;
  fake.callbacks.length = 0;
});

const puts = () => fake.requests.filter((r) => r.op === "put" || r.op.startsWith("mpu-"));

describe("client uploads to Vercel Blob through the token route", () => {
  it("owner A uploads to the session's own path; /uploaded queues it once; the later webhook adds no generation", async () => {
    const bytes = randomBytes(300_000);
    const s = await newSession(A, bytes.length);
    const result = await browserUpload(s, bytes, { owner: A });
    expect(result.pathname).toBe(`sessions/${s.id}/audio/team_sync.m4a`);
    expect(routeAnswers.map((a) => a.status)).toEqual([200]);

    const blob = fake.blobs.get(result.pathname)!;
    expect(sha(blob.body)).toBe(sha(bytes));
    expect(blob.access).toBe("private");
    expect(blob.contentType).toBe("audio/mp4");
    expect(puts().map((r) => [r.op, r.auth])).toEqual([["put", "client"]]);

    const confirmed = await confirmBlobUpload(deps, s.id, A);
    expect(confirmed.changed).toBe(true);
    expect(confirmed.row).toMatchObject({ status: "queued", generation: 1, audioKey: result.pathname });
    // A second /uploaded (browser retry) changes nothing.
    expect(await confirmBlobUpload(deps, s.id, A)).toMatchObject({ changed: false, row: { generation: 1 } });

    // Vercel's webhook arrives after /uploaded: accepted, but no second generation.
    expect(fake.callbacks).toHaveLength(1);
    expect(fake.callbacks[0]!.url).toBe(`${origin}/api/sessions/${s.id}/upload-token`);
    expect((await fake.deliver(fake.callbacks[0]!)).status).toBe(200);
    expect((await q.findSession(deps.db, s.id))!.generation).toBe(1);
    expect(queued.every(([id, gen]) => id === s.id && gen === 1)).toBe(true);
  });

  it("a multipart client upload (9 MB, 8 MiB parts) carries the client token on every request", async () => {
    const bytes = randomBytes(9 * MB);
    const s = await newSession(A, bytes.length, "long.webm");
    const result = await browserUpload(s, bytes, { owner: A, multipart: true, contentType: "video/webm" });
    expect(sha(fake.blobs.get(result.pathname)!.body)).toBe(sha(bytes));
    expect(puts().map((r) => r.op).sort()).toEqual(["mpu-complete", "mpu-create", "mpu-upload", "mpu-upload"]);
    expect(puts().every((r) => r.auth === "client")).toBe(true);
    expect((await confirmBlobUpload(deps, s.id, A)).row).toMatchObject({ status: "queued", generation: 1 });
  });

  it("a multipart part that fails with 503 is sent again, and the upload completes", async () => {
    const bytes = randomBytes(9 * MB);
    const s = await newSession(A, bytes.length, "flaky.webm");
    fake.failNext("mpu-upload", 1);
    const result = await browserUpload(s, bytes, { owner: A, multipart: true, contentType: "video/webm" });
    expect(sha(fake.blobs.get(result.pathname)!.body)).toBe(sha(bytes));
    const parts = puts().filter((r) => r.op === "mpu-upload");
    expect(parts.map((r) => r.status).sort()).toEqual([200, 200, 503]);
    expect((await confirmBlobUpload(deps, s.id, A)).row).toMatchObject({ status: "queued", generation: 1 });
  });

  it("another owner gets 404 and nothing is written", async () => {
    const s = await newSession(A, 1000);
    await expect(browserUpload(s, randomBytes(1000), { owner: B })).rejects.toThrow(/client token/);
    expect(routeAnswers.map((a) => a.status)).toEqual([404]);
    expect(puts()).toEqual([]);
    expect((await q.findSession(deps.db, s.id))!.status).toBe("awaiting_upload");
  });

  it("no owner cookie gets 401", async () => {
    const s = await newSession(A, 1000);
    const res = await fetch(`${origin}/api/sessions/${s.id}/upload-token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        type: "blob.generate-client-token",
        payload: { pathname: `sessions/${s.id}/audio/team_sync.m4a`, clientPayload: JSON.stringify({ sessionId: s.id }), multipart: false },
      }),
    });
    expect(res.status).toBe(401);
  });

  it("the pathname of another session gets 403; a token for one path cannot write another", async () => {
    const s1 = await newSession(A, 1000);
    const s2 = await newSession(A, 1000);
    const otherPath = `sessions/${s2.id}/audio/team_sync.m4a`;
    await expect(browserUpload(s1, randomBytes(1000), { owner: A, pathname: otherPath })).rejects.toThrow(/client token/);
    expect(routeAnswers.at(-1)!.status).toBe(403);
    expect(JSON.parse(routeAnswers.at(-1)!.body)).toMatchObject({ error: { code: "wrong_path" } });

    // A genuine token for s1's path, used against s2's path: the service refuses it.
    const res = await fetch(`${origin}/api/sessions/${s1.id}/upload-token`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-test-owner": A },
      body: JSON.stringify({
        type: "blob.generate-client-token",
        payload: { pathname: `sessions/${s1.id}/audio/team_sync.m4a`, clientPayload: JSON.stringify({ sessionId: s1.id }), multipart: false },
      }),
    });
    const { clientToken } = (await res.json()) as { clientToken: string };
    expect(clientToken).toMatch(new RegExp(`^vercel_blob_client_${fake.storeId}_`));
    await expect(clientPut(otherPath, "x".repeat(1000), { access: "private", token: clientToken, contentType: "audio/mp4" })).rejects.toThrow(
      /Pathname mismatch/,
    );
    expect(fake.blobs.has(otherPath)).toBe(false);
  });

  it("clientPayload naming a different session gets 403", async () => {
    const s1 = await newSession(A, 1000);
    const s2 = await newSession(A, 1000);
    await expect(browserUpload(s1, randomBytes(1000), { owner: A, clientPayload: JSON.stringify({ sessionId: s2.id }) })).rejects.toThrow(/client token/);
    expect(routeAnswers.at(-1)!.status).toBe(403);
    expect(JSON.parse(routeAnswers.at(-1)!.body)).toMatchObject({ error: { code: "wrong_session" } });
    expect(puts()).toEqual([]);
  });

  it("a text/plain upload is refused by the service per the token's allowedContentTypes", async () => {
    const s = await newSession(A, 1000);
    await expect(browserUpload(s, randomBytes(1000), { owner: A, contentType: "text/plain" })).rejects.toThrow(/Content type mismatch/);
    expect(routeAnswers.map((a) => a.status)).toEqual([200]);
    expect(fake.blobs.has(`sessions/${s.id}/audio/team_sync.m4a`)).toBe(false);
    await expect(confirmBlobUpload(deps, s.id, A)).rejects.toMatchObject({ status: 409, code: "not_uploaded" });
  });

  it("more bytes than announced are refused by the service, single and multipart", async () => {
    const s = await newSession(A, 1000);
    await expect(browserUpload(s, randomBytes(1001), { owner: A })).rejects.toThrow(/File is too large/);
    expect(fake.blobs.has(`sessions/${s.id}/audio/team_sync.m4a`)).toBe(false);

    const big = await newSession(A, 9 * MB, "big.m4a");
    await expect(browserUpload(big, randomBytes(12 * MB), { owner: A, multipart: true })).rejects.toThrow(/File is too large/);
    expect(fake.blobs.has(`sessions/${big.id}/audio/big.m4a`)).toBe(false);
    expect((await q.findSession(deps.db, big.id))!.status).toBe("awaiting_upload");
  });

  it("a session already queued gets 409", async () => {
    const s = await newSession(A, 1000);
    await browserUpload(s, randomBytes(1000), { owner: A });
    await confirmBlobUpload(deps, s.id, A);
    await expect(browserUpload(s, randomBytes(1000), { owner: A })).rejects.toThrow(/client token/);
    expect(routeAnswers.map((a) => a.status)).toEqual([200, 409]);
  });

  it("the webhook alone queues the session once (generation 1); a repeated webhook adds no generation; a forged one is refused", async () => {
    const bytes = randomBytes(2000);
    const s = await newSession(A, bytes.length);
    await browserUpload(s, bytes, { owner: A });
    expect(fake.callbacks).toHaveLength(1);
    const cb = fake.callbacks[0]!;
    expect(JSON.parse(cb.body)).toMatchObject({
      type: "blob.upload-completed",
      payload: { blob: { pathname: `sessions/${s.id}/audio/team_sync.m4a` }, tokenPayload: JSON.stringify({ sessionId: s.id }) },
    });

    // Forged: right body, signature made with another secret → refused, nothing queued.
    const forged = { ...cb, signature: createHash("sha256").update("nope").digest("hex") };
    expect((await fake.deliver(forged)).status).toBe(500);
    expect((await q.findSession(deps.db, s.id))!.status).toBe("awaiting_upload");

    expect((await fake.deliver(cb)).status).toBe(200);
    expect(await q.findSession(deps.db, s.id)).toMatchObject({ status: "queued", generation: 1, audioKey: `sessions/${s.id}/audio/team_sync.m4a` });
    expect(queued).toEqual([[s.id, 1]]);

    // Vercel retries webhooks: the same callback again starts no second generation.
    expect((await fake.deliver(cb)).status).toBe(200);
    expect((await q.findSession(deps.db, s.id))!.generation).toBe(1);
    expect(new Set(queued.map(([id, gen]) => `${id}:${gen}`))).toEqual(new Set([`${s.id}:1`]));
    // And the browser's /uploaded after it is a no-op.
    expect(await confirmBlobUpload(deps, s.id, A)).toMatchObject({ changed: false, row: { generation: 1 } });
  });
});
