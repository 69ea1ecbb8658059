import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import http from "node:http";
import net from "node:net";
import type { AddressInfo } from "node:net";
import { Agent, buildConnector, getGlobalDispatcher, setGlobalDispatcher, type Dispatcher } from "undici";

/**
 * A stand-in for the Vercel Blob API that speaks the protocol @vercel/blob 2.8
 * uses (read from node_modules/@vercel/blob/dist, not guessed):
 *
 * - Every API call goes to `${VERCEL_BLOB_API_URL}` with `authorization: Bearer <token>`,
 *   `x-api-version`, `x-vercel-blob-store-id`. Errors are `{ error: { code, message } }`;
 *   the client retries (10 times, exponential back-off) on unknown/5xx codes, so this
 *   fake only ever answers with codes the client maps (forbidden, not_found, bad_request…).
 * - put:    PUT  /?pathname=…          options in x-vercel-blob-access, x-content-type,
 *                                       x-add-random-suffix, x-allow-overwrite, x-cache-control-max-age
 * - mpu:    POST /mpu?pathname=…       x-mpu-action: create → {key, uploadId};
 *                                       upload (x-mpu-key, x-mpu-upload-id, x-mpu-part-number) → {etag};
 *                                       complete (JSON [{partNumber, etag}]) → the put result
 * - head:   GET  ?url=<url or pathname>
 * - list:   GET  ?limit&prefix&cursor  → {blobs, cursor, hasMore}
 * - delete: POST /delete {urls}
 * - get of a private blob is NOT an API call: the client fetches
 *   https://<storeId>.private.blob.vercel-storage.com/<pathname> with the bearer token.
 *   The fake installs an undici dispatcher that connects those hosts to this server
 *   (the Host header stays the real one), and restores the previous one on close().
 *
 * Client tokens (`vercel_blob_client_<storeId>_<base64("<hmac hex>.<base64 json>")>`, the
 * HMAC-SHA256 keyed with the whole read-write token) are verified and their restrictions
 * enforced as the real service does: pathname, allowedContentTypes, maximumSizeInBytes,
 * validUntil, addRandomSuffix/allowOverwrite from the token. A client token may only write.
 * When the token carries onUploadCompleted, the completion callback Vercel would POST is
 * recorded (signed: x-vercel-signature = hex HMAC-SHA256 of the body with the read-write
 * token); deliver() sends it.
 */

export interface FakeBlob {
  pathname: string;
  body: Buffer;
  contentType: string;
  access: "public" | "private";
  uploadedAt: Date;
  etag: string;
  cacheControlMaxAge: number;
}

export interface RecordedRequest {
  method: string;
  /** "put" | "mpu-create" | "mpu-upload" | "mpu-complete" | "head" | "list" | "delete" | "download" | "unknown" */
  op: string;
  pathname?: string;
  auth: "read-write" | "client" | "none" | "invalid";
  status: number;
  errorMessage?: string;
  bytes: number;
  headers: http.IncomingHttpHeaders;
}

export interface RecordedCallback {
  url: string;
  body: string;
  signature: string;
}

export interface FakeVercelBlob {
  apiUrl: string;
  token: string;
  storeId: string;
  blobs: Map<string, FakeBlob>;
  requests: RecordedRequest[];
  callbacks: RecordedCallback[];
  /** The next `times` requests of this op (e.g. "mpu-upload") fail with 503, as the service does under load. */
  failNext(op: string, times?: number): void;
  /** Multipart uploads created and neither completed nor discarded. */
  openMultipartUploads(): number;
  blobUrl(pathname: string, access?: "public" | "private"): string;
  /** POSTs a recorded completion callback the way Vercel does; resolves to the HTTP status. */
  deliver(cb: RecordedCallback): Promise<{ status: number; body: string }>;
  close(): Promise<void>;
}

interface ClientTokenPayload {
  pathname?: string;
  allowedContentTypes?: string[];
  maximumSizeInBytes?: number;
  validUntil?: number;
  addRandomSuffix?: boolean;
  allowOverwrite?: boolean;
  cacheControlMaxAge?: number;
  onUploadCompleted?: { callbackUrl: string; tokenPayload?: string | null };
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const API_PATH = "/api/blob";
const MIN_PART_BYTES = 5 * 1024 * 1024; // S3 rule the service inherits: every part but the last.

const MIME_BY_EXT: Record<string, string> = {
  m4a: "audio/mp4",
  mp3: "audio/mpeg",
  wav: "audio/wav",
  ogg: "audio/ogg",
  opus: "audio/ogg",
  webm: "video/webm",
  mp4: "video/mp4",
  txt: "text/plain",
  json: "application/json",
};

export async function startFakeVercelBlob(opts: { storeId?: string; routeBlobHosts?: boolean } = {}): Promise<FakeVercelBlob> {
  const storeId = opts.storeId ?? `fake${randomBytes(6).toString("hex")}`;
  const token = `vercel_blob_rw_${storeId}_${randomBytes(18).toString("base64url").replace(/[_-]/g, "x")}`;
  const blobs = new Map<string, FakeBlob>();
  const requests: RecordedRequest[] = [];
  const faults = new Map<string, number>();
  const takeFault = (op: string) => {
    const n = faults.get(op) ?? 0;
    if (n > 0) faults.set(op, n - 1);
    return n > 0;
  };
  const callbacks: RecordedCallback[] = [];
  const mpus = new Map<string, { pathname: string; key: string; contentType: string; access: "public" | "private"; client?: ClientTokenPayload; allowOverwrite: boolean; cacheControlMaxAge: number; parts: Map<number, { etag: string; body: Buffer }> }>();

  const blobUrl = (pathname: string, access: "public" | "private" = "private") =>
    `https://${storeId}.${access}.blob.vercel-storage.com/${pathname}`;

  function putResult(b: FakeBlob) {
    const url = blobUrl(b.pathname, b.access);
    const name = b.pathname.split("/").pop() ?? b.pathname;
    return {
      url,
      downloadUrl: `${url}?download=1`,
      pathname: b.pathname,
      contentType: b.contentType,
      contentDisposition: `attachment; filename="${name}"`,
      etag: b.etag,
    };
  }

  function verifyClientToken(t: string): ClientTokenPayload {
    const [, , , tokenStore, encoded] = t.split("_");
    if (tokenStore !== storeId || !encoded) throw new ApiError(403, "forbidden", "Access denied");
    const [mac, payloadB64] = Buffer.from(encoded, "base64").toString().split(".");
    if (!mac || !payloadB64) throw new ApiError(403, "forbidden", "Access denied");
    const expected = createHmac("sha256", token).update(payloadB64).digest();
    const given = Buffer.from(mac, "hex");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new ApiError(403, "forbidden", "Access denied");
    const payload = JSON.parse(Buffer.from(payloadB64, "base64").toString()) as ClientTokenPayload;
    if (typeof payload.validUntil === "number" && payload.validUntil < Date.now()) throw new ApiError(400, "bad_request", "Token expired");
    return payload;
  }

  function authOf(req: http.IncomingMessage): { kind: RecordedRequest["auth"]; client?: ClientTokenPayload } {
    const h = req.headers.authorization ?? "";
    if (!h.startsWith("Bearer ")) return { kind: "none" };
    const t = h.slice("Bearer ".length);
    if (t === token) return { kind: "read-write" };
    if (t.startsWith("vercel_blob_client_")) return { kind: "client", client: verifyClientToken(t) };
    return { kind: "invalid" };
  }

  function contentTypeOf(pathname: string, header: string | undefined): string {
    if (header) return header;
    const ext = pathname.split(".").pop()?.toLowerCase() ?? "";
    return MIME_BY_EXT[ext] ?? "application/octet-stream";
  }

  function checkClientWrite(client: ClientTokenPayload | undefined, pathname: string, contentType: string) {
    if (!client) return;
    if (client.pathname !== undefined && client.pathname !== pathname) {
      throw new ApiError(400, "bad_request", `The "pathname" ${JSON.stringify(pathname)} does not match the token payload ${JSON.stringify(client.pathname)}`);
    }
    const allowed = client.allowedContentTypes;
    if (allowed?.length) {
      const [type] = contentType.split("/");
      if (!allowed.includes(contentType) && !allowed.includes(`${type}/*`)) {
        throw new ApiError(400, "bad_request", `contentType ${JSON.stringify(contentType)} is not allowed`);
      }
    }
  }

  function checkSize(client: ClientTokenPayload | undefined, size: number) {
    if (client?.maximumSizeInBytes !== undefined && size > client.maximumSizeInBytes) {
      throw new ApiError(400, "bad_request", `the file length cannot be greater than ${client.maximumSizeInBytes} bytes`);
    }
  }

  function finalPathname(pathname: string, addRandomSuffix: boolean): string {
    if (!addRandomSuffix) return pathname;
    const dot = pathname.lastIndexOf(".");
    const suffix = `-${randomBytes(15).toString("base64url").replace(/[_-]/g, "x")}`;
    return dot > pathname.lastIndexOf("/") ? `${pathname.slice(0, dot)}${suffix}${pathname.slice(dot)}` : `${pathname}${suffix}`;
  }

  function commit(b: Omit<FakeBlob, "uploadedAt" | "etag">, allowOverwrite: boolean, client: ClientTokenPayload | undefined) {
    if (blobs.has(b.pathname) && !allowOverwrite) {
      throw new ApiError(400, "bad_request", "This blob already exists, use `allowOverwrite: true` if you want to overwrite it. Or `addRandomSuffix: true` to generate a unique filename.");
    }
    const blob: FakeBlob = { ...b, uploadedAt: new Date(), etag: `"${createHash("md5").update(b.body).digest("hex")}"` };
    blobs.set(blob.pathname, blob);
    const result = putResult(blob);
    if (client?.onUploadCompleted?.callbackUrl) {
      const body = JSON.stringify({ type: "blob.upload-completed", payload: { blob: result, tokenPayload: client.onUploadCompleted.tokenPayload } });
      callbacks.push({ url: client.onUploadCompleted.callbackUrl, body, signature: createHmac("sha256", token).update(body).digest("hex") });
    }
    return result;
  }

  function writeOptions(req: http.IncomingMessage, client: ClientTokenPayload | undefined): { access: "private" | "public"; addRandomSuffix: boolean; allowOverwrite: boolean; cacheControlMaxAge: number } {
    const access = req.headers["x-vercel-blob-access"] as "private" | "public" | undefined;
    if (access !== "private" && access !== "public") throw new ApiError(400, "bad_request", "access must be \"private\" or \"public\"");
    if (client) {
      // The client cannot choose these; they come from the token.
      return { access, addRandomSuffix: client.addRandomSuffix ?? false, allowOverwrite: client.allowOverwrite ?? false, cacheControlMaxAge: client.cacheControlMaxAge ?? 2592000 };
    }
    return {
      access,
      addRandomSuffix: req.headers["x-add-random-suffix"] === "1",
      allowOverwrite: req.headers["x-allow-overwrite"] === "1",
      cacheControlMaxAge: Number(req.headers["x-cache-control-max-age"] ?? 2592000),
    };
  }

  function pathnameFrom(urlOrPathname: string): string {
    if (!/^https?:\/\//.test(urlOrPathname)) return urlOrPathname;
    const u = new URL(urlOrPathname);
    if (!u.hostname.startsWith(`${storeId}.`)) return "";
    return decodeURIComponent(u.pathname.slice(1));
  }

  async function readBody(req: http.IncomingMessage): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  }

  const server = http.createServer((req, res) => {
    const rec: RecordedRequest = { method: req.method ?? "", op: "unknown", auth: "none", status: 0, bytes: 0, headers: req.headers };
    requests.push(rec);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      rec.status = status;
      if (Buffer.isBuffer(body)) {
        res.writeHead(status, { "content-length": String(body.length), ...headers });
        res.end(body);
        return;
      }
      const text = JSON.stringify(body);
      res.writeHead(status, { "content-type": "application/json", "content-length": String(Buffer.byteLength(text)), ...headers });
      res.end(text);
    };
    handle(req, rec, send).catch((err: unknown) => {
      const e = err instanceof ApiError ? err : new ApiError(400, "bad_request", `fake blob server: ${String(err)}`);
      rec.errorMessage = e.message;
      if (!res.headersSent) send(e.status, { error: { code: e.code, message: e.message } });
      else res.destroy();
    });
  });

  async function handle(req: http.IncomingMessage, rec: RecordedRequest, send: (s: number, b: unknown, h?: Record<string, string>) => void) {
    const host = req.headers.host ?? "";
    const url = new URL(req.url ?? "/", "http://fake");

    // Blob content, as fetched by get(): https://<store>.<access>.blob.vercel-storage.com/<pathname>
    const m = /^([a-z0-9]+)\.(public|private)\.blob\.vercel-storage\.com$/i.exec(host);
    if (m) {
      rec.op = "download";
      const pathname = decodeURIComponent(url.pathname.slice(1));
      rec.pathname = pathname;
      rec.bytes = (await readBody(req)).length;
      const auth = authOf(req);
      rec.auth = auth.kind;
      const blob = m[1] === storeId ? blobs.get(pathname) : undefined;
      if (!blob || blob.access !== m[2]) throw new ApiError(404, "not_found", "The requested blob does not exist");
      if (blob.access === "private" && auth.kind !== "read-write") throw new ApiError(403, "forbidden", "Access denied");
      send(200, blob.body, {
        "content-type": blob.contentType,
        etag: blob.etag,
        "last-modified": blob.uploadedAt.toUTCString(),
        "cache-control": `private, max-age=${blob.cacheControlMaxAge}`,
      });
      return;
    }

    if (!url.pathname.startsWith(API_PATH)) throw new ApiError(404, "not_found", "Unknown path");
    const sub = url.pathname.slice(API_PATH.length) || "/";
    const body = await readBody(req);
    rec.bytes = body.length;
    const auth = authOf(req);
    rec.auth = auth.kind;
    if (auth.kind === "none" || auth.kind === "invalid") throw new ApiError(403, "forbidden", "Access denied");
    const client = auth.client;
    const pathname = url.searchParams.get("pathname") ?? undefined;
    rec.pathname = pathname;

    if (req.method === "PUT" && sub === "/" && pathname && !url.searchParams.has("fromUrl")) {
      rec.op = "put";
      const o = writeOptions(req, client);
      const contentType = contentTypeOf(pathname, req.headers["x-content-type"] as string | undefined);
      checkClientWrite(client, pathname, contentType);
      checkSize(client, body.length);
      const final = finalPathname(pathname, o.addRandomSuffix);
      send(200, commit({ pathname: final, body, contentType, access: o.access, cacheControlMaxAge: o.cacheControlMaxAge }, o.allowOverwrite, client));
      return;
    }

    if (req.method === "POST" && sub === "/mpu" && pathname) {
      const action = req.headers["x-mpu-action"];
      rec.op = `mpu-${String(action)}`;
      if (takeFault(rec.op)) throw new ApiError(503, "service_unavailable", "Injected fault: the service is unavailable");
      if (action === "create") {
        const o = writeOptions(req, client);
        const contentType = contentTypeOf(pathname, req.headers["x-content-type"] as string | undefined);
        checkClientWrite(client, pathname, contentType);
        const uploadId = randomBytes(12).toString("hex");
        const key = finalPathname(pathname, o.addRandomSuffix);
        mpus.set(uploadId, { pathname, key, contentType, access: o.access, client, allowOverwrite: o.allowOverwrite, cacheControlMaxAge: o.cacheControlMaxAge, parts: new Map() });
        send(200, { key, uploadId });
        return;
      }
      const uploadId = String(req.headers["x-mpu-upload-id"] ?? "");
      const key = decodeURIComponent(String(req.headers["x-mpu-key"] ?? ""));
      const mpu = mpus.get(uploadId);
      if (!mpu || mpu.key !== key || mpu.pathname !== pathname) throw new ApiError(404, "not_found", "The multipart upload does not exist");
      if (client) checkClientWrite(client, pathname, mpu.contentType);
      if (action === "upload") {
        const partNumber = Number(req.headers["x-mpu-part-number"]);
        if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > 10000) throw new ApiError(400, "bad_request", "Invalid part number");
        const soFar = [...mpu.parts.entries()].reduce((n, [k, p]) => n + (k === partNumber ? 0 : p.body.length), 0);
        checkSize(mpu.client, soFar + body.length);
        const etag = `"${createHash("md5").update(body).digest("hex")}"`;
        mpu.parts.set(partNumber, { etag, body });
        send(200, { etag });
        return;
      }
      if (action === "complete") {
        const list = JSON.parse(body.toString() || "null") as { partNumber: number; etag: string }[] | null;
        if (!Array.isArray(list) || list.length === 0) throw new ApiError(400, "bad_request", "A multipart upload needs at least one part");
        const ordered = [...list].sort((a, b) => a.partNumber - b.partNumber);
        const bodies: Buffer[] = [];
        ordered.forEach((p, i) => {
          const stored = mpu.parts.get(p.partNumber);
          if (!stored || stored.etag !== p.etag) throw new ApiError(400, "bad_request", `Part ${p.partNumber} was not uploaded`);
          if (i < ordered.length - 1 && stored.body.length < MIN_PART_BYTES) throw new ApiError(400, "bad_request", `Part ${p.partNumber} is smaller than 5 MB`);
          bodies.push(stored.body);
        });
        const full = Buffer.concat(bodies);
        checkSize(mpu.client, full.length);
        const result = commit({ pathname: mpu.key, body: full, contentType: mpu.contentType, access: mpu.access, cacheControlMaxAge: mpu.cacheControlMaxAge }, mpu.allowOverwrite, mpu.client);
        mpus.delete(uploadId);
        send(200, result);
        return;
      }
      throw new ApiError(400, "bad_request", `Unknown x-mpu-action ${String(action)}`);
    }

    if (client) throw new ApiError(403, "client_token_not_allowed", "This operation is not available when using a client token.");

    if (req.method === "GET" && sub === "/" && url.searchParams.has("url")) {
      rec.op = "head";
      const p = pathnameFrom(url.searchParams.get("url") ?? "");
      rec.pathname = p;
      const blob = blobs.get(p);
      if (!blob) throw new ApiError(404, "not_found", "The requested blob does not exist");
      send(200, {
        ...putResult(blob),
        size: blob.body.length,
        cacheControl: `public, max-age=${blob.cacheControlMaxAge}`,
        uploadedAt: blob.uploadedAt.toISOString(),
      });
      return;
    }

    if (req.method === "GET" && sub === "/") {
      rec.op = "list";
      if (url.searchParams.get("mode") === "folded") throw new ApiError(400, "bad_request", "fake: folded mode is not implemented");
      const limit = Math.min(Number(url.searchParams.get("limit") ?? 1000) || 1000, 1000);
      const prefix = url.searchParams.get("prefix") ?? "";
      const cursor = url.searchParams.get("cursor");
      // The cursor names the last pathname returned (like S3's start-after), so deleting
      // what a page returned does not shift the next page.
      const after = cursor ? Buffer.from(cursor, "base64url").toString() : "";
      const all = [...blobs.keys()].filter((k) => k.startsWith(prefix) && (!after || k > after)).sort();
      const page = all.slice(0, limit).map((k) => blobs.get(k)!);
      const hasMore = all.length > limit;
      send(200, {
        blobs: page.map((b) => ({ ...putResult(b), size: b.body.length, uploadedAt: b.uploadedAt.toISOString() })),
        cursor: hasMore ? Buffer.from(page[page.length - 1]!.pathname).toString("base64url") : undefined,
        hasMore,
      });
      return;
    }

    if (req.method === "POST" && sub === "/delete") {
      rec.op = "delete";
      const { urls } = JSON.parse(body.toString()) as { urls: string[] };
      if (!Array.isArray(urls)) throw new ApiError(400, "bad_request", "urls must be an array");
      for (const u of urls) blobs.delete(pathnameFrom(u));
      send(200, {});
      return;
    }

    throw new ApiError(400, "bad_request", `fake: ${req.method} ${url.pathname}${url.search} is not part of the protocol`);
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;

  // get() fetches https://<store>.private.blob.vercel-storage.com directly; connect those
  // hosts to this server over plain TCP, everything else as usual.
  let previous: Dispatcher | undefined;
  let agent: Agent | undefined;
  if (opts.routeBlobHosts !== false) {
    const normal = buildConnector({});
    agent = new Agent({
      connect: (o, cb) => {
        if (o.hostname.endsWith(".blob.vercel-storage.com")) {
          const socket = net.connect(port, "127.0.0.1");
          socket.once("connect", () => cb(null, socket));
          socket.once("error", (e) => cb(e, null));
          return;
        }
        normal(o, cb);
      },
    });
    previous = getGlobalDispatcher();
    setGlobalDispatcher(agent);
  }

  return {
    apiUrl: `http://127.0.0.1:${port}${API_PATH}`,
    token,
    storeId,
    blobs,
    requests,
    callbacks,
    openMultipartUploads: () => mpus.size,
    failNext: (op, times = 1) => void faults.set(op, (faults.get(op) ?? 0) + times),
    blobUrl,
    async deliver(cb) {
      const res = await fetch(cb.url, { method: "POST", headers: { "content-type": "application/json", "x-vercel-signature": cb.signature }, body: cb.body });
      return { status: res.status, body: await res.text() };
    },
    async close() {
      if (agent) {
        setGlobalDispatcher(previous!);
        await agent.close();
      }
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
