/**
 * Resumable uploads over tus, through a real HTTP server: a PATCH cut off half-way leaves the
 * bytes that arrived, HEAD reports that offset, the rest continues from it, and the finished
 * upload queues the session exactly once through the same service call as the plain PUT.
 * Other owners, wrong sizes and sessions that already have their audio are refused.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import fsp from "node:fs/promises";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type DatabaseHandle } from "@/db/client";
import type { SessionRow } from "@/db/schema";
import { createSession, requireOwned, type SessionDeps } from "@/lib/sessions/service";
import { createTusServer, removePartialUploads } from "@/lib/sessions/tus-upload";
import { LocalDiskStore } from "@/lib/storage/local";
import { sleep, waitFor } from "../support/pipeline-harness";

const OWNER = "owner-tus-a";
const OTHER = "owner-tus-b";
const AUDIO = path.resolve("tests/fixtures/generated/librivox.mp3");

let handle: DatabaseHandle;
let tmp: string;
let deps: SessionDeps;
let server: http.Server;
let base: string;
const acknowledged: SessionRow[] = [];

beforeAll(async () => {
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), "murmur-tus-"));
  handle = await openDatabase({ driver: "pglite", pgliteDir: "memory://" });
  deps = { db: handle.db, store: new LocalDiskStore(path.join(tmp, "blobs")), maxUploadBytes: 2 * 1024 * 1024 };
  const tus = createTusServer({
    deps: async () => deps,
    directory: path.join(tmp, "tus"),
    // Tests name the owner in a header; the app takes it from the signed cookie.
    ownerOf: async (req) => req.headers.get("x-owner") ?? "nobody",
    acknowledge: async (res) => {
      if (res.changed) acknowledged.push(res.row);
      return { id: res.row.id, status: res.row.status };
    },
  });
  server = http.createServer((req, res) => void tus.handle(req, res));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 60_000);

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  await handle?.close();
  if (tmp) await fsp.rm(tmp, { recursive: true, force: true });
});

const b64 = (s: string) => Buffer.from(s).toString("base64");
const tusHeaders = (owner: string, extra: Record<string, string> = {}) => ({ "tus-resumable": "1.0.0", "x-owner": owner, ...extra });

async function newSession(owner = OWNER, fileSize = fs.statSync(AUDIO).size) {
  return createSession(deps, owner, { fileName: "librivox.mp3", fileSize, contentType: "audio/mpeg", deleteAfterAnalysis: false });
}

async function createUpload(sessionId: string, length: number, owner = OWNER): Promise<Response> {
  return fetch(`${base}/api/uploads/tus`, {
    method: "POST",
    headers: tusHeaders(owner, { "upload-length": String(length), "upload-metadata": `sessionId ${b64(sessionId)},filename ${b64("librivox.mp3")}` }),
  });
}

async function offsetOf(url: string, owner = OWNER): Promise<number> {
  const res = await fetch(url, { method: "HEAD", headers: tusHeaders(owner) });
  if (res.status !== 200) throw new Error(`HEAD answered ${res.status}`);
  return Number(res.headers.get("upload-offset"));
}

function patch(url: string, offset: number, body: Buffer, owner = OWNER): Promise<Response> {
  return fetch(url, {
    method: "PATCH",
    headers: tusHeaders(owner, { "upload-offset": String(offset), "content-type": "application/offset+octet-stream" }),
    body: new Uint8Array(body),
  });
}

/** Sends the head of a PATCH that announces `total` bytes, writes `part` of them, then closes the connection. */
async function patchCutOff(url: string, offset: number, total: number, part: Buffer): Promise<void> {
  const req = http.request(url, {
    method: "PATCH",
    headers: tusHeaders(OWNER, {
      "upload-offset": String(offset),
      "content-type": "application/offset+octet-stream",
      "content-length": String(total),
    }),
  });
  req.on("error", () => {}); // the socket is destroyed on purpose
  req.write(part);
  // Let the server write what it got before the connection goes.
  await waitFor(async () => (await fsp.stat(path.join(tmp, "tus", url.split("/").pop()!)).catch(() => null))?.size === part.length, 10_000, "the first half on disk");
  req.destroy();
  await sleep(200);
}

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

describe("tus uploads", () => {
  it("continue from the server's offset after the connection is cut half-way, then queue the session once", async () => {
    const bytes = fs.readFileSync(AUDIO);
    const s = await newSession();
    const created = await createUpload(s.id, bytes.length);
    expect(created.status).toBe(201);
    const url = new URL(created.headers.get("location")!, base).toString();
    expect(url).toMatch(new RegExp(`/api/uploads/tus/${s.id}_[0-9a-f]{16}$`));

    const half = Math.floor(bytes.length / 2);
    await patchCutOff(url, 0, bytes.length, bytes.subarray(0, half));
    const offset = await waitFor(async () => {
      const o = await offsetOf(url);
      return o === half ? o : undefined;
    }, 10_000, "the offset after the cut");
    expect(offset).toBe(half);
    expect((await requireOwned(deps, s.id, OWNER)).status).toBe("awaiting_upload");

    // A client that guesses the offset wrong is told so, and nothing is written.
    expect((await patch(url, 0, bytes)).status).toBe(409);

    const rest = await patch(url, offset, bytes.subarray(offset));
    expect(rest.status).toBe(200);
    expect(await rest.json()).toEqual({ id: s.id, status: "queued" });

    const row = await requireOwned(deps, s.id, OWNER);
    expect(row.status).toBe("queued");
    expect(row.generation).toBe(1);
    const stored = await deps.store.read(row.audioKey!);
    const chunks: Buffer[] = [];
    for await (const c of stored!.stream as unknown as AsyncIterable<Uint8Array>) chunks.push(Buffer.from(c));
    expect(sha(Buffer.concat(chunks))).toBe(sha(bytes));
    expect(acknowledged.filter((r) => r.id === s.id)).toHaveLength(1);
    // The staging copy is gone once the audio is where the blob store keeps it.
    expect((await fsp.readdir(path.join(tmp, "tus"))).filter((f) => f.startsWith(s.id))).toEqual([]);
  });

  it("refuse another owner's session and upload as not found", async () => {
    const s = await newSession();
    expect((await createUpload(s.id, s.fileSize, OTHER)).status).toBe(404);
    const mine = await createUpload(s.id, s.fileSize);
    const url = new URL(mine.headers.get("location")!, base).toString();
    expect((await fetch(url, { method: "HEAD", headers: tusHeaders(OTHER) })).status).toBe(404);
    expect((await patch(url, 0, Buffer.alloc(10), OTHER)).status).toBe(404);
    expect(await offsetOf(url)).toBe(0);
  });

  it("refuse a length other than the announced size, over the limit, or deferred", async () => {
    const s = await newSession(OWNER, 1000);
    expect((await createUpload(s.id, 1001)).status).toBe(413);
    expect((await createUpload(s.id, 999)).status).toBe(400);
    expect((await createUpload(s.id, deps.maxUploadBytes + 1)).status).toBe(413);
    const deferred = await fetch(`${base}/api/uploads/tus`, {
      method: "POST",
      headers: tusHeaders(OWNER, { "upload-defer-length": "1", "upload-metadata": `sessionId ${b64(s.id)}` }),
    });
    expect(deferred.status).toBeGreaterThanOrEqual(400);
    const noSession = await fetch(`${base}/api/uploads/tus`, { method: "POST", headers: tusHeaders(OWNER, { "upload-length": "1000" }) });
    expect(noSession.status).toBe(400);

    // More bytes than the upload's length never get in.
    const ok = await createUpload(s.id, 1000);
    const url = new URL(ok.headers.get("location")!, base).toString();
    expect((await patch(url, 0, Buffer.alloc(1001, 1))).status).toBe(413);
    expect((await requireOwned(deps, s.id, OWNER)).status).toBe("awaiting_upload");
  });

  it("refuse a session that already received its audio, even through an upload begun before", async () => {
    const bytes = Buffer.alloc(1000, 7);
    const s = await newSession(OWNER, bytes.length);
    const first = new URL((await createUpload(s.id, bytes.length)).headers.get("location")!, base).toString();
    const second = new URL((await createUpload(s.id, bytes.length)).headers.get("location")!, base).toString();
    expect((await patch(first, 0, bytes)).status).toBe(200);
    expect((await requireOwned(deps, s.id, OWNER)).status).toBe("queued");

    expect((await createUpload(s.id, bytes.length)).status).toBe(409);
    expect((await patch(second, 0, bytes)).status).toBe(409);
    expect(acknowledged.filter((r) => r.id === s.id)).toHaveLength(1);
  });

  it("leave nothing behind when their session is deleted half-way", async () => {
    const s = await newSession(OWNER, 1000);
    const url = new URL((await createUpload(s.id, 1000)).headers.get("location")!, base).toString();
    expect((await patch(url, 0, Buffer.alloc(400, 1))).status).toBe(204);
    expect(await offsetOf(url)).toBe(400);
    await removePartialUploads(path.join(tmp, "tus"), s.id);
    expect((await fsp.readdir(path.join(tmp, "tus"))).filter((f) => f.startsWith(s.id))).toEqual([]);
    expect((await fetch(url, { method: "HEAD", headers: tusHeaders(OWNER) })).status).toBe(404);
  });
});
