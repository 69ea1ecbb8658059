import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEngine, startEngine } from "../src/index.js";
import { api, freePort, sleep, tempDir } from "./helpers.js";

/**
 * The engine's API is not a CSRF or DNS-rebinding target: loopback by default, only Host names that
 * name it, state-changing requests only as JSON and not from a foreign origin.
 */
let engine: RunningEngine;
let port: number;

/** A raw request, so the Host and Origin headers are exactly what a browser or an attacker would send. */
function raw(method: string, path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, method, path, headers, setHost: false }, (res) => {
      let text = "";
      res.on("data", (d) => (text += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

beforeAll(async () => {
  engine = await startEngine({ port: await freePort(), appUrls: ["http://127.0.0.1:9/api/inngest"], dataDir: tempDir(), pollIntervalMs: 60_000, quiet: true, allowedHosts: ["engine.internal"] });
  port = engine.port;
});

afterAll(async () => {
  await engine?.stop();
});

const event = JSON.stringify({ name: "g/ping", data: {} });

describe("the API as a browser target", () => {
  it("listens on loopback by default", () => {
    expect(engine.config.host).toBe("127.0.0.1");
    expect(engine.url).toBe(`http://127.0.0.1:${port}`);
  });

  it("a cross-origin text/plain post to /e/… (a form or no-preflight fetch) is refused and starts nothing", async () => {
    const before = (await api(engine.url, "/api/events")).events.length;
    const res = await raw("POST", "/e/anything", { host: `127.0.0.1:${port}`, origin: "http://evil.example", "content-type": "text/plain;charset=UTF-8" }, event);
    expect(res.status).toBe(403);
    const form = await raw("POST", "/e/anything", { host: `127.0.0.1:${port}`, "content-type": "application/x-www-form-urlencoded" }, "name=g/ping");
    expect(form.status).toBe(415);
    const plain = await raw("POST", "/api/runs/x/cancel", { host: `localhost:${port}`, "content-type": "text/plain" }, "{}");
    expect(plain.status).toBe(415);
    const jsonFromEvil = await raw("POST", "/e/anything", { host: `127.0.0.1:${port}`, origin: "http://evil.example", "content-type": "application/json" }, event);
    expect(jsonFromEvil.status).toBe(403);
    await sleep(50);
    expect((await api(engine.url, "/api/events")).events.length).toBe(before);
  });

  it("the same post as JSON from the engine's own page (or a script) is accepted", async () => {
    const res = await raw("POST", "/e/anything", { host: `localhost:${port}`, origin: `http://localhost:${port}`, "content-type": "application/json; charset=utf-8" }, event);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text).ids).toHaveLength(1);
  });

  it("answers only Host names that name it (a rebinding attacker's name gets 421, reads included)", async () => {
    for (const host of ["evil.example", `evil.example:${port}`, "attacker.127.0.0.1.nip.io"]) {
      expect((await raw("GET", "/api/runs", { host })).status, host).toBe(421);
      expect((await raw("POST", "/e/x", { host, "content-type": "application/json" }, event)).status, host).toBe(421);
    }
    expect((await raw("GET", "/", { host: "evil.example" })).status).toBe(421);
    // no Host at all: Node's server itself answers 400
    expect([400, 421]).toContain((await raw("GET", "/api/runs", {})).status);
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, "engine.internal:8288"]) {
      expect((await raw("GET", "/health", { host })).status, host).toBe(200);
    }
  });
});

describe("--host", () => {
  it("a configured host is answered; a wildcard bind still answers loopback names only", async () => {
    const other = await startEngine({ port: 0, host: "0.0.0.0", appUrls: ["http://127.0.0.1:9/api/inngest"], dataDir: tempDir(), pollIntervalMs: 60_000, quiet: true });
    try {
      const p = other.port;
      const get = (host: string) =>
        new Promise<number>((resolve, reject) => {
          http.get({ host: "127.0.0.1", port: p, path: "/health", headers: { host }, setHost: false }, (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          }).on("error", reject);
        });
      expect(await get(`localhost:${p}`)).toBe(200);
      expect(await get(`0.0.0.0:${p}`)).toBe(421);
      expect(await get(`192.0.2.10:${p}`)).toBe(421);
    } finally {
      await other.stop();
    }
  });
});
