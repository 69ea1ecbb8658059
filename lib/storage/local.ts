import fs from "node:fs";
import fsp from "node:fs/promises";
import path from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { randomUUID } from "node:crypto";
import {
  assertSafeKey,
  toNodeStream,
  UploadIncompleteError,
  UploadTooLargeError,
  type BlobBody,
  type BlobRead,
  type BlobStore,
  type ByteRange,
  type LocalCopy,
  type WriteOptions,
} from "./types";

/** Counts bytes as they pass and fails the pipeline as soon as the limit is crossed. */
function byteLimiter(maxBytes: number, onBytes: (n: number) => void): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      seen += chunk.length;
      onBytes(seen);
      if (seen > maxBytes) cb(new UploadTooLargeError(maxBytes));
      else cb(null, chunk);
    },
  });
}

/** Blobs as files under one directory; writes land in a temp file and are renamed, so a cut-off upload leaves nothing. */
export class LocalDiskStore implements BlobStore {
  readonly kind = "local" as const;
  constructor(readonly root: string) {}

  private pathOf(key: string): string {
    assertSafeKey(key);
    return path.join(this.root, ...key.split("/"));
  }

  async write(key: string, body: BlobBody, opts: WriteOptions): Promise<{ size: number }> {
    const dest = this.pathOf(key);
    await fsp.mkdir(path.dirname(dest), { recursive: true });
    const tmp = `${dest}.${randomUUID()}.partial`;
    let size = 0;
    try {
      await pipeline(
        toNodeStream(body),
        byteLimiter(Math.min(opts.maxBytes ?? Infinity, opts.exactBytes ?? Infinity), (n) => (size = n)),
        fs.createWriteStream(tmp, { flags: "wx" }),
      );
      // Checked before the rename, so a short body never replaces (or briefly becomes) the blob.
      if (opts.exactBytes !== undefined && size !== opts.exactBytes) throw new UploadIncompleteError(size, opts.exactBytes);
      await fsp.rename(tmp, dest);
      return { size };
    } catch (err) {
      await fsp.rm(tmp, { force: true });
      throw err;
    }
  }

  async writeFile(key: string, localPath: string): Promise<{ size: number }> {
    const dest = this.pathOf(key);
    await fsp.mkdir(path.dirname(dest), { recursive: true });
    const tmp = `${dest}.${randomUUID()}.partial`;
    await fsp.copyFile(localPath, tmp);
    await fsp.rename(tmp, dest);
    return { size: (await fsp.stat(dest)).size };
  }

  async stat(key: string): Promise<{ size: number } | null> {
    try {
      const s = await fsp.stat(this.pathOf(key));
      return { size: s.size };
    } catch {
      return null;
    }
  }

  async read(key: string, range?: ByteRange): Promise<BlobRead | null> {
    const p = this.pathOf(key);
    const size = await fsp.stat(p).then((st) => st.size, () => null);
    if (size === null) return null;
    const served = range && size > 0 ? { start: range.start, end: Math.min(range.end ?? size - 1, size - 1) } : null;
    const stream = fs.createReadStream(p, served ?? {});
    return { stream: Readable.toWeb(stream) as ReadableStream<Uint8Array>, size, range: served };
  }

  async toLocalFile(key: string): Promise<LocalCopy> {
    const p = this.pathOf(key);
    await fsp.access(p);
    return { path: p, cleanup: async () => {} };
  }

  async deletePrefix(prefix: string): Promise<void> {
    const trimmed = prefix.replace(/\/+$/, "");
    await fsp.rm(this.pathOf(trimmed), { recursive: true, force: true });
  }
}
