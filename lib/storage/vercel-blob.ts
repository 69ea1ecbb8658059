import fs from "node:fs";
import fsp from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { randomUUID } from "node:crypto";
import { BlobNotFoundError, del, get, head, list, put } from "@vercel/blob";
import { assertSafeKey, UploadIncompleteError, UploadTooLargeError, type BlobBody, type BlobStore, type LocalCopy, type WriteOptions } from "./types";

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
    const limited = (body instanceof Readable ? body : Readable.fromWeb(body as import("node:stream/web").ReadableStream<Uint8Array>)).pipe(
      new Transform({
        transform(chunk: Buffer, _e, cb) {
          size += chunk.length;
          cb(size > max ? new UploadTooLargeError(max) : null, chunk);
        },
      }),
    );
    try {
      await put(key, limited, {
        access: "private",
        contentType: opts.contentType,
        token: this.token,
        multipart: true,
        addRandomSuffix: false,
        allowOverwrite: true,
      });
    } catch (err) {
      await del(key, { token: this.token }).catch(() => {});
      throw err;
    }
    if (opts.exactBytes !== undefined && size !== opts.exactBytes) {
      await del(key, { token: this.token }).catch(() => {});
      throw new UploadIncompleteError(size, opts.exactBytes);
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

  async toLocalFile(key: string): Promise<LocalCopy> {
    assertSafeKey(key);
    const res = await get(key, { access: "private", token: this.token });
    if (!res?.stream) throw new BlobNotFoundError();
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), "murmur-"));
    const file = path.join(dir, `${randomUUID()}${path.extname(key)}`);
    await pipeline(Readable.fromWeb(res.stream as import("node:stream/web").ReadableStream<Uint8Array>), fs.createWriteStream(file));
    return { path: file, cleanup: () => fsp.rm(dir, { recursive: true, force: true }) };
  }

  async deletePrefix(prefix: string): Promise<void> {
    let cursor: string | undefined;
    do {
      const page = await list({ prefix, cursor, token: this.token, limit: 1000 });
      if (page.blobs.length) await del(page.blobs.map((b) => b.url), { token: this.token });
      cursor = page.hasMore ? page.cursor : undefined;
    } while (cursor);
  }
}
