import { Readable } from "node:stream";
import type { ReadableStream as NodeWebReadableStream } from "node:stream/web";

export type BlobBody = ReadableStream<Uint8Array> | Readable;

/** Either kind of body as a Node stream (route handlers hand over web streams). */
export function toNodeStream(body: BlobBody): Readable {
  return body instanceof Readable ? body : Readable.fromWeb(body as NodeWebReadableStream<Uint8Array>);
}

export interface LocalCopy {
  path: string;
  /** Removes the copy when it was downloaded; a no-op for files already on local disk. */
  cleanup(): Promise<void>;
}

/**
 * Where audio and chunks live. Steps may run on different machines in
 * production, so everything a later step needs goes through here, never /tmp.
 */
export interface BlobStore {
  readonly kind: "local" | "vercel-blob";
  /**
   * Streams a body in. Past maxBytes it stops and throws UploadTooLargeError; with
   * exactBytes, a body that ends short throws UploadIncompleteError. Either way nothing
   * is left behind and an earlier blob under the key is untouched.
   */
  write(key: string, body: BlobBody, opts: WriteOptions): Promise<{ size: number }>;
  writeFile(key: string, localPath: string, contentType: string): Promise<{ size: number }>;
  /** Size of a stored blob, or null when there is none. */
  stat(key: string): Promise<{ size: number } | null>;
  /**
   * Streams a blob (or the byte range [start, end], inclusive) for playback.
   * `range` in the result is what was actually served: null when the store
   * served the whole blob (Vercel Blob here), so callers answer 200, not 206.
   */
  read(key: string, range?: ByteRange): Promise<BlobRead | null>;
  /** A local file path ffmpeg can read. */
  toLocalFile(key: string): Promise<LocalCopy>;
  deletePrefix(prefix: string): Promise<void>;
}

export interface ByteRange {
  start: number;
  /** Inclusive; the last byte when absent. */
  end?: number;
}

export interface BlobRead {
  stream: ReadableStream<Uint8Array>;
  /** The whole blob's size. */
  size: number;
  range: { start: number; end: number } | null;
}

export interface WriteOptions {
  contentType: string;
  maxBytes?: number;
  exactBytes?: number;
}

export class UploadIncompleteError extends Error {
  override readonly name = "UploadIncompleteError";
  constructor(
    readonly received: number,
    readonly expected: number,
  ) {
    super(`Only ${received} of ${expected} bytes arrived.`);
  }
}

export class UploadTooLargeError extends Error {
  override readonly name = "UploadTooLargeError";
  constructor(readonly maxBytes: number) {
    super(`The upload is larger than the limit of ${Math.round(maxBytes / (1024 * 1024))} MB.`);
  }
}

export class BlobKeyError extends Error {
  override readonly name = "BlobKeyError";
}

/** Keys are relative, slash-separated and never climb out of the store. */
export function assertSafeKey(key: string): void {
  if (!key || key.startsWith("/") || key.includes("\\") || key.split("/").some((p) => p === "" || p === "." || p === "..")) {
    throw new BlobKeyError(`Invalid storage key: ${JSON.stringify(key)}`);
  }
}

export const blobKeys = {
  sessionPrefix: (sessionId: string) => `sessions/${sessionId}/`,
  audio: (sessionId: string, fileName: string) => `sessions/${sessionId}/audio/${safeFileName(fileName)}`,
  chunk: (sessionId: string, index: number, ext = "ogg") => `sessions/${sessionId}/chunks/${String(index).padStart(4, "0")}.${ext}`,
  chunkPrefix: (sessionId: string) => `sessions/${sessionId}/chunks/`,
};

/** Keeps a recognisable name but only characters that are safe in paths and URLs. */
export function safeFileName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? "audio";
  // NFKD splits "é" into "e" + a combining accent; dropping the marks keeps "Reunion", not "Re_union".
  const cleaned = base.normalize("NFKD").replace(/\p{M}+/gu, "").replace(/[^\w.-]+/g, "_").replace(/^[._]+/, "").slice(-120);
  return cleaned || "audio";
}
