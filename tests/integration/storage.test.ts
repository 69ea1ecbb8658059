import { createHash } from "node:crypto";
import fs from "node:fs";
import fsp from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { LocalDiskStore } from "@/lib/storage/local";
import { assertSafeKey, BlobKeyError, blobKeys, safeFileName, UploadIncompleteError, UploadTooLargeError, type BlobStore } from "@/lib/storage/types";

const MB = 1024 * 1024;

let base: string;
let root: string;
let store: BlobStore;

beforeAll(async () => {
  base = await fsp.mkdtemp(path.join(os.tmpdir(), "murmur-storage-"));
});
afterAll(async () => {
  await fsp.rm(base, { recursive: true, force: true });
});
beforeEach(async () => {
  root = await fsp.mkdtemp(path.join(base, "store-"));
  store = new LocalDiskStore(root);
});
afterEach(async () => {
  await fsp.rm(root, { recursive: true, force: true });
});

/** Every file (not directory) under dir, relative, sorted. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await fsp.readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => !e.isDirectory())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

/**
 * A body of `chunks` fresh 1 MB buffers, each made only when the consumer asks
 * for it (so nothing but the store can make memory grow); hashes what it yields.
 */
function lazyBody(chunks: number, opts: { failAfter?: number } = {}) {
  const hash = createHash("sha256");
  let produced = 0;
  const stream = Readable.from(
    (function* () {
      for (let i = 0; i < chunks; i++) {
        if (opts.failAfter !== undefined && i === opts.failAfter) throw new Error("connection reset by peer");
        const buf = Buffer.allocUnsafe(MB).fill(i % 251);
        buf.writeUInt32BE(i, 0);
        hash.update(buf);
        produced += buf.length;
        yield buf;
      }
    })(),
    { objectMode: false },
  );
  return { stream, digest: () => hash.digest("hex"), produced: () => produced };
}

async function sha256File(p: string): Promise<string> {
  const h = createHash("sha256");
  for await (const chunk of fs.createReadStream(p)) h.update(chunk as Buffer);
  return h.digest("hex");
}

describe("LocalDiskStore.write", () => {
  it("streams a 200 MB body to disk without holding it in memory", async () => {
    const body = lazyBody(200);
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
    let size: number;
    try {
      ({ size } = await store.write("sessions/big/audio/long.wav", body.stream, { contentType: "audio/wav", maxBytes: 500 * MB }));
    } finally {
      clearInterval(sampler);
    }
    peak = Math.max(peak, process.memoryUsage().rss);

    expect(size).toBe(200 * MB);
    const file = path.join(root, "sessions", "big", "audio", "long.wav");
    expect((await fsp.stat(file)).size).toBe(200 * MB);
    expect(await sha256File(file)).toBe(body.digest());
    expect(peak - before).toBeLessThan(64 * MB);
    expect(await filesUnder(root)).toEqual([path.join("sessions", "big", "audio", "long.wav")]);
  });

  it("accepts a web ReadableStream body (what Request.body is)", async () => {
    const bytes = new TextEncoder().encode("RIFF....WAVEfmt ");
    const web = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(bytes.slice(0, 4));
        c.enqueue(bytes.slice(4));
        c.close();
      },
    });
    const { size } = await store.write("a/b.wav", web, { contentType: "audio/wav" });
    expect(size).toBe(bytes.length);
    expect(new Uint8Array(await fsp.readFile(path.join(root, "a", "b.wav")))).toEqual(bytes);
  });

  it("accepts a body of exactly maxBytes", async () => {
    const { size } = await store.write("k/exact.bin", Readable.from([Buffer.alloc(10), Buffer.alloc(6)]), {
      contentType: "application/octet-stream",
      maxBytes: 16,
    });
    expect(size).toBe(16);
    expect((await store.stat("k/exact.bin"))?.size).toBe(16);
  });

  it("stops a body past maxBytes with UploadTooLargeError and leaves nothing behind", async () => {
    const body = lazyBody(50);
    const err = await store
      .write("sessions/s1/audio/too-big.m4a", body.stream, { contentType: "audio/mp4", maxBytes: 3 * MB + 1 })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(UploadTooLargeError);
    expect((err as UploadTooLargeError).maxBytes).toBe(3 * MB + 1);
    // It stopped reading soon after the limit instead of draining all 50 MB.
    expect(body.produced()).toBeLessThan(20 * MB);
    expect(await filesUnder(root)).toEqual([]);
    expect(await store.stat("sessions/s1/audio/too-big.m4a")).toBeNull();
  });

  it("keeps the previous blob when an oversize replacement is refused", async () => {
    await store.write("k/v.txt", Readable.from([Buffer.from("original")]), { contentType: "text/plain" });
    await expect(
      store.write("k/v.txt", Readable.from([Buffer.from("a much longer replacement")]), { contentType: "text/plain", maxBytes: 10 }),
    ).rejects.toBeInstanceOf(UploadTooLargeError);
    expect(await fsp.readFile(path.join(root, "k", "v.txt"), "utf8")).toBe("original");
    expect(await filesUnder(root)).toEqual([path.join("k", "v.txt")]);
  });

  it("with exactBytes, a short body never becomes (or replaces) the blob", async () => {
    await store.write("k/v.txt", Readable.from([Buffer.from("original")]), { contentType: "text/plain" });
    const err = await store
      .write("k/v.txt", Readable.from([Buffer.from("short")]), { contentType: "text/plain", exactBytes: 8 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UploadIncompleteError);
    expect(err).toMatchObject({ received: 5, expected: 8 });
    expect(await fsp.readFile(path.join(root, "k", "v.txt"), "utf8")).toBe("original");
    expect(await filesUnder(root)).toEqual([path.join("k", "v.txt")]);

    await expect(
      store.write("k/w.txt", Readable.from([Buffer.from("123456789")]), { contentType: "text/plain", exactBytes: 8 }),
    ).rejects.toBeInstanceOf(UploadTooLargeError);
    expect(await store.write("k/w.txt", Readable.from([Buffer.from("12345678")]), { contentType: "text/plain", exactBytes: 8 })).toEqual({ size: 8 });
  });

  it("leaves nothing when the body errors midway", async () => {
    const body = lazyBody(20, { failAfter: 5 });
    await expect(store.write("sessions/s2/audio/cut.ogg", body.stream, { contentType: "audio/ogg" })).rejects.toThrow(
      /connection reset/,
    );
    expect(body.produced()).toBe(5 * MB);
    expect(await filesUnder(root)).toEqual([]);
    expect(await store.stat("sessions/s2/audio/cut.ogg")).toBeNull();
  });

  it("leaves nothing when a web stream body errors midway", async () => {
    let n = 0;
    const web = new ReadableStream<Uint8Array>({
      pull(c) {
        if (n++ < 3) c.enqueue(new Uint8Array(64 * 1024));
        else c.error(new Error("aborted by client"));
      },
    });
    await expect(store.write("x/y.webm", web, { contentType: "audio/webm" })).rejects.toThrow(/aborted/);
    expect(await filesUnder(root)).toEqual([]);
  });

  it("replaces an existing blob atomically on a second write", async () => {
    await store.write("k/v.txt", Readable.from([Buffer.from("one")]), { contentType: "text/plain" });
    await store.write("k/v.txt", Readable.from([Buffer.from("second")]), { contentType: "text/plain" });
    expect(await fsp.readFile(path.join(root, "k", "v.txt"), "utf8")).toBe("second");
    expect(await filesUnder(root)).toEqual([path.join("k", "v.txt")]);
  });

  it("refuses an unsafe key without touching the disk outside its root", async () => {
    await expect(store.write("../escape.txt", Readable.from([Buffer.from("x")]), { contentType: "text/plain" })).rejects.toBeInstanceOf(
      BlobKeyError,
    );
    await expect(fsp.access(path.join(path.dirname(root), "escape.txt"))).rejects.toThrow();
    expect(await filesUnder(root)).toEqual([]);
  });
});

describe("LocalDiskStore other operations", () => {
  it("writeFile copies a local file in; stat and toLocalFile find it", async () => {
    const src = path.join(base, `src-${process.pid}.ogg`);
    await fsp.writeFile(src, Buffer.alloc(12_345, 7));
    try {
      const key = blobKeys.chunk("sess-1", 3);
      expect(key).toBe("sessions/sess-1/chunks/0003.ogg");
      expect(await store.writeFile(key, src, "audio/ogg")).toEqual({ size: 12_345 });
      expect(await store.stat(key)).toEqual({ size: 12_345 });

      const local = await store.toLocalFile(key);
      expect(local.path.startsWith(root + path.sep)).toBe(true);
      expect(await fsp.readFile(local.path)).toEqual(Buffer.alloc(12_345, 7));
      await local.cleanup();
      // Cleanup of a file that lives in the store must not delete the blob.
      expect(await store.stat(key)).toEqual({ size: 12_345 });
      // The source is copied, not moved.
      expect((await fsp.stat(src)).size).toBe(12_345);
      expect(await filesUnder(root)).toEqual([path.join("sessions", "sess-1", "chunks", "0003.ogg")]);
    } finally {
      await fsp.rm(src, { force: true });
    }
  });

  it("stat is null and toLocalFile rejects for a missing blob", async () => {
    expect(await store.stat("sessions/none/audio/a.wav")).toBeNull();
    await expect(store.toLocalFile("sessions/none/audio/a.wav")).rejects.toThrow();
  });

  it("deletePrefix removes one session's blobs and keeps the others", async () => {
    const put = (k: string) => store.write(k, Readable.from([Buffer.from(k)]), { contentType: "text/plain" });
    await put(blobKeys.audio("s1", "a.m4a"));
    await put(blobKeys.chunk("s1", 0));
    await put(blobKeys.chunk("s1", 1));
    await put(blobKeys.audio("s10", "b.m4a"));
    await put(blobKeys.chunk("s2", 0));

    await store.deletePrefix(blobKeys.chunkPrefix("s2"));
    expect(await store.stat(blobKeys.chunk("s2", 0))).toBeNull();

    await store.deletePrefix(blobKeys.sessionPrefix("s1"));
    expect(await filesUnder(root)).toEqual([path.join("sessions", "s10", "audio", "b.m4a")]);

    // Deleting what is already gone is not an error (a retried delete step).
    await expect(store.deletePrefix(blobKeys.sessionPrefix("s1"))).resolves.toBeUndefined();
    await expect(store.deletePrefix("../")).rejects.toBeInstanceOf(BlobKeyError);
  });
});

describe("assertSafeKey", () => {
  it.each(["../x", "/abs", "a//b", "a\\b", "", "a/../b", "./a", "a/", "sessions/../../etc/passwd"])("rejects %j", (key) => {
    expect(() => assertSafeKey(key)).toThrow(BlobKeyError);
  });

  it.each(["a", "sessions/abc/audio/x.m4a", "a/b.c/d..e"])("accepts %j", (key) => {
    expect(() => assertSafeKey(key)).not.toThrow();
  });
});

describe("safeFileName and blobKeys", () => {
  const SAFE = /^[A-Za-z0-9_.-]+$/;

  it("keeps only the last path component of a traversal attempt", () => {
    expect(safeFileName("../../etc/passwd")).toBe("passwd");
    expect(safeFileName("..\\..\\Windows\\win.ini")).toBe("win.ini");
    const key = blobKeys.audio("s1", "../../etc/passwd");
    expect(key).toBe("sessions/s1/audio/passwd");
    expect(() => assertSafeKey(key)).not.toThrow();
  });

  it("turns accented names with spaces and brackets into a recognisable ASCII name", () => {
    const name = safeFileName("Réunion équipe (1).m4a");
    expect(name).toMatch(SAFE);
    expect(name.endsWith(".m4a")).toBe(true);
    expect(name).toContain("Reunion");
    expect(name).toContain("equipe");
    expect(name).toBe("Reunion_equipe_1_.m4a");
    expect(() => assertSafeKey(blobKeys.audio("s1", "Réunion équipe (1).m4a"))).not.toThrow();
  });

  it("gives an empty or all-punctuation name a fallback", () => {
    expect(safeFileName("")).toBe("audio");
    expect(safeFileName("..")).toBe("audio");
    expect(safeFileName("dir/")).toBe("audio");
    expect(blobKeys.audio("s1", "")).toBe("sessions/s1/audio/audio");
  });

  it("does not produce hidden files and keeps the extension of very long names", () => {
    expect(safeFileName(".env")).toBe("env");
    const long = safeFileName(`${"x".repeat(300)}.flac`);
    expect(long.length).toBeLessThanOrEqual(120);
    expect(long.endsWith(".flac")).toBe(true);
  });

  it("always yields a key the store accepts", () => {
    for (const n of ["a b", "日本語の会議.mp3", "con:aux?.wav", "\u0000evil", "x/../y", "-.-", "/", "\\"]) {
      const f = safeFileName(n);
      expect(f).toMatch(SAFE);
      expect(() => assertSafeKey(blobKeys.audio("s", n))).not.toThrow();
    }
  });
});
