import { createHash, randomBytes } from "node:crypto";
import fsp from "node:fs/promises";
import { Readable } from "node:stream";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { UploadIncompleteError, UploadTooLargeError } from "@/lib/storage/types";
import { VercelBlobStore } from "@/lib/storage/vercel-blob";
import { startFakeVercelBlob, type FakeVercelBlob } from "../support/fake-vercel-blob";

// The real @vercel/blob client against a fake service speaking its protocol.
// The client reads VERCEL_BLOB_API_URL on every call, so setting it here is enough.

let fake: FakeVercelBlob;
let store: VercelBlobStore;
const savedEnv = process.env.VERCEL_BLOB_API_URL;

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const MB = 1024 * 1024;

/** A body that yields `bytes` in 64 KB pieces, then optionally fails. */
function body(bytes: Buffer, failAfter = false): Readable {
  let off = 0;
  return new Readable({
    read() {
      if (off >= bytes.length) {
        if (failAfter) this.destroy(new Error("client went away"));
        else this.push(null);
        return;
      }
      this.push(bytes.subarray(off, off + 64 * 1024));
      off += 64 * 1024;
    },
  });
}

beforeAll(async () => {
  fake = await startFakeVercelBlob();
  process.env.VERCEL_BLOB_API_URL = fake.apiUrl;
  store = new VercelBlobStore(fake.token);
});

afterAll(async () => {
  if (savedEnv === undefined) delete process.env.VERCEL_BLOB_API_URL;
  else process.env.VERCEL_BLOB_API_URL = savedEnv;
  await fake?.close();
});

beforeEach(() => {
  fake.blobs.clear();
  fake.requests.length = 0;
});

describe("VercelBlobStore against the Vercel Blob protocol", () => {
  it("writes a small body privately, as one multipart upload with one part", async () => {
    const bytes = randomBytes(1000);
    expect(await store.write("sessions/s1/audio/a.m4a", body(bytes), { contentType: "audio/mp4" })).toEqual({ size: 1000 });
    const blob = fake.blobs.get("sessions/s1/audio/a.m4a")!;
    expect(blob.access).toBe("private");
    expect(blob.contentType).toBe("audio/mp4");
    expect(sha(blob.body)).toBe(sha(bytes));
    expect(fake.requests.map((r) => r.op)).toEqual(["mpu-create", "mpu-upload", "mpu-complete"]);
    expect(fake.requests.every((r) => r.auth === "read-write")).toBe(true);
    expect(fake.requests[0]!.headers["x-api-version"]).toBeDefined();
  });

  it("also takes a web ReadableStream", async () => {
    const bytes = randomBytes(5000);
    const web = Readable.toWeb(body(bytes)) as unknown as ReadableStream<Uint8Array>;
    await store.write("sessions/s1/audio/web.m4a", web, { contentType: "audio/mp4", exactBytes: 5000 });
    expect(sha(fake.blobs.get("sessions/s1/audio/web.m4a")!.body)).toBe(sha(bytes));
  });

  it("writes 12 MB in 8 MiB parts and reads the same bytes back through a private download", async () => {
    const bytes = randomBytes(12 * MB);
    expect(await store.write("sessions/s2/audio/big.wav", body(bytes), { contentType: "audio/wav", exactBytes: bytes.length })).toEqual({
      size: bytes.length,
    });
    const parts = fake.requests.filter((r) => r.op === "mpu-upload");
    expect(parts.map((p) => p.bytes).sort((a, b) => b - a)).toEqual([8 * MB, 4 * MB]);
    expect(await store.stat("sessions/s2/audio/big.wav")).toEqual({ size: bytes.length });

    const copy = await store.toLocalFile("sessions/s2/audio/big.wav");
    try {
      expect(copy.path.endsWith(".wav")).toBe(true);
      expect(sha(await fsp.readFile(copy.path))).toBe(sha(bytes));
    } finally {
      await copy.cleanup();
    }
    await expect(fsp.stat(copy.path)).rejects.toThrow();
    const download = fake.requests.find((r) => r.op === "download")!;
    expect(download.headers.host).toBe(`${fake.storeId}.private.blob.vercel-storage.com`);
    expect(download.auth).toBe("read-write");
  });

  it("stops past maxBytes: no blob, and an earlier blob under the key is untouched", async () => {
    const earlier = randomBytes(100);
    await store.write("sessions/s3/audio/a.m4a", body(earlier), { contentType: "audio/mp4" });
    await expect(store.write("sessions/s3/audio/a.m4a", body(randomBytes(2000)), { contentType: "audio/mp4", maxBytes: 1500 })).rejects.toBeInstanceOf(
      UploadTooLargeError,
    );
    await expect(store.write("sessions/s3/audio/new.m4a", body(randomBytes(9 * MB)), { contentType: "audio/mp4", maxBytes: 8.5 * MB })).rejects.toBeInstanceOf(
      UploadTooLargeError,
    );
    expect(fake.blobs.has("sessions/s3/audio/new.m4a")).toBe(false);
    expect(sha(fake.blobs.get("sessions/s3/audio/a.m4a")!.body)).toBe(sha(earlier));
  });

  it("with exactBytes, a short body throws UploadIncompleteError, leaves no blob and keeps an earlier one", async () => {
    const earlier = randomBytes(300);
    await store.write("sessions/s4/audio/a.m4a", body(earlier), { contentType: "audio/mp4" });
    const err = await store
      .write("sessions/s4/audio/a.m4a", body(randomBytes(200)), { contentType: "audio/mp4", exactBytes: 300 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UploadIncompleteError);
    expect(err).toMatchObject({ received: 200, expected: 300 });
    expect(sha(fake.blobs.get("sessions/s4/audio/a.m4a")!.body)).toBe(sha(earlier));

    await expect(store.write("sessions/s4/audio/b.m4a", body(randomBytes(10)), { contentType: "audio/mp4", exactBytes: 300 })).rejects.toBeInstanceOf(
      UploadIncompleteError,
    );
    expect(fake.blobs.has("sessions/s4/audio/b.m4a")).toBe(false);
  });

  it("a body that breaks mid-way rejects (does not hang) and leaves nothing", async () => {
    const earlier = randomBytes(50);
    await store.write("sessions/s5/audio/a.m4a", body(earlier), { contentType: "audio/mp4" });
    await expect(store.write("sessions/s5/audio/a.m4a", body(randomBytes(1000), true), { contentType: "audio/mp4" })).rejects.toThrow(
      "client went away",
    );
    expect(sha(fake.blobs.get("sessions/s5/audio/a.m4a")!.body)).toBe(sha(earlier));
  }, 10_000);

  it("stat is null for a missing blob, and toLocalFile of a missing blob throws", async () => {
    expect(await store.stat("sessions/nope/audio/x.m4a")).toBeNull();
    await expect(store.toLocalFile("sessions/nope/audio/x.m4a")).rejects.toThrow(/does not exist/);
  });

  it("writeFile uploads a local file", async () => {
    const bytes = randomBytes(4096);
    const tmp = `${await fsp.mkdtemp("/tmp/murmur-vb-")}/x.ogg`;
    await fsp.writeFile(tmp, bytes);
    try {
      expect(await store.writeFile("sessions/s6/chunks/0000.ogg", tmp, "audio/ogg")).toEqual({ size: 4096 });
      expect(sha(fake.blobs.get("sessions/s6/chunks/0000.ogg")!.body)).toBe(sha(bytes));
    } finally {
      await fsp.rm(tmp.replace(/\/x\.ogg$/, ""), { recursive: true, force: true });
    }
  });

  it("deletePrefix removes everything under the prefix across list pages, and nothing else", async () => {
    const put = (k: string) =>
      fake.blobs.set(k, { pathname: k, body: Buffer.from(k), contentType: "audio/ogg", access: "private", uploadedAt: new Date(), etag: '"x"', cacheControlMaxAge: 60 });
    for (let i = 0; i < 2500; i++) put(`sessions/doomed/chunks/${String(i).padStart(4, "0")}.ogg`);
    put("sessions/doomed/audio/a.m4a");
    put("sessions/doomed-not/audio/a.m4a");
    put("sessions/keep/audio/a.m4a");
    await store.deletePrefix("sessions/doomed/");
    expect([...fake.blobs.keys()].sort()).toEqual(["sessions/doomed-not/audio/a.m4a", "sessions/keep/audio/a.m4a"]);
    expect(fake.requests.filter((r) => r.op === "list").length).toBe(3);
    // The client deletes by URL: https://<store>.private.blob.vercel-storage.com/<pathname>
    expect(fake.requests.filter((r) => r.op === "delete").length).toBe(3);
  });

  it("a wrong token is refused, not retried", async () => {
    const bad = new VercelBlobStore(`vercel_blob_rw_${fake.storeId}_wrongsecret`);
    await expect(bad.stat("sessions/x/audio/a.m4a")).rejects.toThrow(/Access denied/);
    expect(fake.requests.length).toBe(1);
  });
});
