import fs from "node:fs";
import fsp from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { randomUUID } from "node:crypto";
import { BlobNotFoundError, del, get, head, list, put } from "@vercel/blob";
import { assertSafeKey, toNodeStream, UploadIncompleteError, UploadTooLargeError, type BlobBody, type BlobRead, type BlobStore, type LocalCopy, type WriteOptions } from "./types";

/**
 * Vercel Blob, private access. Browsers upload straight to it (client uploads,
 * see app/api/sessions/[id]/upload-token); steps read and write chunks here so
 * any function instance can pick up where another left off.
 */
export class VercelBlobStore implements BlobStore {
  readonly kind = "vercel-blob" as const;
  constructor(private readonly token: string) {}

  async write(key: string, body: BlobBody, opts: WriteOptions): Promise<{ size: number }> {
    assertSafeKey(key);
    const max = Math.min(opts.maxBytes ?? Infinity, opts.exactBytes ?? Infinity);
    let size = 0;
    // A web stream that reads the body only when the client pulls, and errors (instead
    // of ending) when the body breaks, grows past the limit or ends short. An errored
    // body makes put() reject before it completes the multipart upload, so nothing is
    // written and an earlier blob under the key stays as it was.
    const source = toNodeStream(body);
    const chunks = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    const limited = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const next = await chunks.next();
        if (next.done) {
          if (opts.exactBytes !== undefined && size !== opts.exactBytes) controller.error(new UploadIncompleteError(size, opts.exactBytes));
          else controller.close();
          return;
        }
        size += next.value.length;
        if (size > max) {
          controller.error(new UploadTooLargeError(max));
          source.destroy();
          return;
        }
        controller.enqueue(next.value);
      },
      cancel() {
        source.destroy();
      },
    });
    try {
      await put(key, limited, {
        access: "private",
        contentType: opts.contentType,
        token: this.token,
        multipart: true,
        addRandomSuffix: false,
        allowOverwrite: true,
      });
    } finally {
      source.destroy();
    }
    return { size };
  }

  async writeFile(key: string, localPath: string, contentType: string): Promise<{ size: number }> {
    return this.write(key, fs.createReadStream(localPath), { contentType });
  }

  async stat(key: string): Promise<{ size: number } | null> {
    assertSafeKey(key);
    try {
      const h = await head(key, { token: this.token });
      return { size: h.size };
    } catch (err) {
      if (err instanceof BlobNotFoundError) return null;
      throw err;
    }
  }

  /** Whole blobs only: ranges are left to the browser's buffering rather than trusting CDN range semantics. */
  async read(key: string): Promise<BlobRead | null> {
    assertSafeKey(key);
    const res = await get(key, { access: "private", token: this.token });
    if (!res?.stream) return null;
    return { stream: res.stream, size: res.blob.size, range: null };
  }

  async toLocalFile(key: string): Promise<LocalCopy> {
    assertSafeKey(key);
    const res = await get(key, { access: "private", token: this.token });
    if (!res?.stream) throw new BlobNotFoundError();
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), "murmur-"));
    const file = path.join(dir, `${randomUUID()}${path.extname(key)}`);
    await pipeline(toNodeStream(res.stream), fs.createWriteStream(file));
    return { path: file, cleanup: () => fsp.rm(dir, { recursive: true, force: true }) };
  }

  async deletePrefix(prefix: string): Promise<void> {
    // An empty prefix would list (and delete) the whole store.
    assertSafeKey(prefix.replace(/\/+$/, ""));
    let cursor: string | undefined;
    do {
      const page = await list({ prefix, cursor, token: this.token, limit: 1000 });
      if (page.blobs.length) await del(page.blobs.map((b) => b.url), { token: this.token });
      cursor = page.hasMore ? page.cursor : undefined;
    } while (cursor);
  }
}
