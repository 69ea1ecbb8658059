/**
 * A client of the sessions API as the browser uses it: POST /api/sessions (keeps the owner cookie
 * from the first answer), PUT the bytes to the returned URL, GET /api/sessions/:id, DELETE.
 * The PUT goes through node:http so the moment the last byte was handed to the socket is known.
 */
import http from "node:http";

export interface PutTiming {
  status: number;
  body: string;
  /** Request start → response headers (the 202). */
  totalMs: number;
  /** Request start → the body's last byte written to the socket. */
  sendMs: number;
  /** Last byte written → response headers: the server's acknowledgement after the upload. */
  ackMs: number;
}

export class SessionsClient {
  private cookie = "";
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  constructor(readonly baseUrl: string) {}

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return { ...(this.cookie ? { cookie: this.cookie } : {}), ...extra };
  }

  private remember(res: Response): void {
    const set = res.headers.getSetCookie();
    if (set.length > 0) this.cookie = set.map((c) => c.split(";")[0]).join("; ");
  }

  async create(fileName: string, fileSize: number, contentType: string): Promise<{ id: string; uploadUrl: string; ms: number }> {
    const t0 = performance.now();
    const res = await fetch(`${this.baseUrl}/api/sessions`, {
      method: "POST",
      headers: this.headers({ "content-type": "application/json" }),
      body: JSON.stringify({ fileName, fileSize, contentType }),
    });
    const ms = performance.now() - t0;
    this.remember(res);
    const body = (await res.json()) as { id: string; upload: { method: string; url: string } };
    if (res.status !== 201) throw new Error(`POST /api/sessions → ${res.status} ${JSON.stringify(body)}`);
    if (body.upload.method !== "PUT") throw new Error(`expected a PUT upload (local storage), got ${body.upload.method}`);
    return { id: body.id, uploadUrl: body.upload.url, ms };
  }

  put(urlPath: string, bytes: Buffer, contentType: string): Promise<PutTiming> {
    return new Promise((resolve, reject) => {
      const url = new URL(urlPath, this.baseUrl);
      const t0 = performance.now();
      let tSent = NaN;
      const req = http.request(
        url,
        {
          method: "PUT",
          agent: this.agent,
          headers: this.headers({ "content-type": contentType, "content-length": String(bytes.length) }),
        },
        (res) => {
          const tHead = performance.now();
          // A server may answer before reading everything (an error); then "sent" is not reached.
          if (Number.isNaN(tSent)) tSent = tHead;
          let body = "";
          res.setEncoding("utf8");
          res.on("data", (d: string) => (body += d));
          res.on("end", () =>
            resolve({ status: res.statusCode ?? 0, body, totalMs: tHead - t0, sendMs: tSent - t0, ackMs: tHead - tSent }),
          );
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      // 'finish': the last chunk was handed to the operating system (loopback socket buffer).
      req.on("finish", () => (tSent = performance.now()));
      req.end(bytes);
    });
  }

  async get<T = SessionDetail>(id: string): Promise<T> {
    const res = await fetch(`${this.baseUrl}/api/sessions/${id}`, { headers: this.headers() });
    if (!res.ok) throw new Error(`GET /api/sessions/${id} → ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  }

  async delete(id: string): Promise<number> {
    const res = await fetch(`${this.baseUrl}/api/sessions/${id}`, { method: "DELETE", headers: this.headers() });
    await res.arrayBuffer();
    return res.status;
  }

  close(): void {
    this.agent.destroy();
  }
}

export interface TimelineEntry {
  at: string;
  status: string;
  stage: string | null;
  progress: number;
  attempt: number;
  message: string | null;
  error: string | null;
}

export interface SessionDetail {
  id: string;
  status: string;
  stage: string | null;
  progress: number;
  etaSec: number | null;
  queuePosition: number | null;
  error: string | null;
  durationSec: number | null;
  chunks: { total: number; done: number };
  transcriber: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  transcript: { text: string } | null;
  analysis: unknown;
  timeline?: TimelineEntry[];
}
