import { randomBytes } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import type { Inngest } from "inngest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEngine } from "../src/index.js";
import { api, freePort, sendEvents, spawnEngine, startApp, tempDir, waitFor, waitFunctions, waitRunsOfEvent } from "./helpers.js";

/**
 * Registration never follows a Host header. The SDK builds the URL it registers from the Host of the
 * PUT it receives, so anyone who can reach the app could point the engine elsewhere with one forged
 * PUT; the engine keeps the app URLs it was started with.
 */
const define = (inngest: Inngest) => [
  inngest.createFunction({ id: "work", triggers: [{ event: "r/go" }] }, async ({ step }) => {
    const a = await step.run("a", () => 1);
    return { a };
  }),
];

/** A server that records every request it gets: where a hijacked registration would send runs. */
async function startAttacker() {
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    req.resume();
    res.writeHead(200, { "content-type": "application/json" });
    res.end("{}");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as AddressInfo).port;
  return { hits, port, close: () => new Promise<void>((r) => (server.close(() => r()), server.closeAllConnections())) };
}

/** The attack: an unsigned PUT to the app's serve endpoint with the attacker's Host. */
function forgedPut(appUrl: string, host: string): Promise<{ status: number; text: string }> {
  const u = new URL(appUrl);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname, method: "PUT", headers: { host }, setHost: false }, (res) => {
      let text = "";
      res.on("data", (d) => (text += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on("error", reject);
    req.end();
  });
}

async function expectUntouched(base: string, appUrl: string) {
  const { functions } = await api(base, "/api/functions");
  expect(functions.length).toBeGreaterThan(0);
  for (const f of functions) expect(f.url.startsWith(appUrl + "?"), f.url).toBe(true);
  const { ids } = await sendEvents(base, { name: "r/go", data: {} });
  const [run] = await waitRunsOfEvent(base, ids[0]!, 1, 15_000);
  expect(run.status).toBe("completed");
}

describe("dev mode (no signing key)", () => {
  let app: Awaited<ReturnType<typeof startApp>>;
  let attacker: Awaited<ReturnType<typeof startAttacker>>;
  let engine: Awaited<ReturnType<typeof spawnEngine>> | undefined;
  let enginePort: number;
  let dataDir: string;
  const args = () => ["--port", String(enginePort), "--app-url", app.url, "--data-dir", dataDir, "--poll-interval-ms", "60000", "--backoff-base-ms", "20"];
  const restart = async () => {
    engine!.proc.kill("SIGKILL");
    await engine!.exited;
    engine = await spawnEngine(args());
  };

  beforeAll(async () => {
    enginePort = await freePort();
    dataDir = tempDir();
    attacker = await startAttacker();
    app = await startApp("r", enginePort, define);
    engine = await spawnEngine(args());
    await waitFunctions(`http://127.0.0.1:${enginePort}`, 1);
  });

  afterAll(async () => {
    if (engine) {
      engine.proc.kill("SIGKILL");
      await engine.exited;
    }
    await app?.close();
    await attacker?.close();
  });

  it("a forged-Host PUT to the app changes nothing, also across an engine restart", async () => {
    const base = `http://127.0.0.1:${enginePort}`;
    const res = await forgedPut(app.url, `localhost:${attacker.port}`);
    // the SDK passes the engine's refusal on
    expect(res.text).toMatch(/not an app URL this engine was started with/);
    await expectUntouched(base, app.url);
    expect(engine!.output()).toMatch(/registration for http:\/\/localhost:\d+\/api\/inngest refused/);
    await restart();
    await waitFunctions(base, 1);
    await expectUntouched(base, app.url);
    expect(attacker.hits).toEqual([]);
  });

  it("a bad registration an older engine journaled is dropped at start, and the app URL is restored", async () => {
    const base = `http://127.0.0.1:${enginePort}`;
    const { functions } = await api(base, "/api/functions");
    engine!.proc.kill("SIGKILL");
    await engine!.exited;
    const evil = `http://localhost:${attacker.port}/api/inngest`;
    const poisoned = functions.map((f: { url: string }) => ({ ...f, url: f.url.replace(app.url, evil) }));
    // what the old engine wrote: the functions under the forged URL, and over the configured one too
    fs.appendFileSync(path.join(dataDir, "journal.jsonl"), JSON.stringify({ t: "fns", appUrl: evil, fns: poisoned }) + "\n" + JSON.stringify({ t: "fns", appUrl: app.url, fns: poisoned }) + "\n");
    engine = await spawnEngine(args());
    expect(engine.output()).toMatch(/ignoring remembered functions of http:\/\/localhost/);
    await expectUntouched(base, app.url);
    expect(attacker.hits).toEqual([]);
  });
});

describe("signed mode", () => {
  const signingKey = `signkey-test-${randomBytes(32).toString("hex")}`;
  const cloud = { signingKey, eventKey: "ev-key" };
  let app: Awaited<ReturnType<typeof startApp>>;
  let moved: Awaited<ReturnType<typeof startApp>> | undefined;
  let attacker: Awaited<ReturnType<typeof startAttacker>>;
  let engine: Awaited<ReturnType<typeof startEngine>>;
  const send = async () => {
    const res = await fetch(`${engine.url}/e/ev-key`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name: "r/go", data: {} }) });
    return ((await res.json()) as { ids: string[] }).ids[0]!;
  };

  beforeAll(async () => {
    const port = await freePort();
    attacker = await startAttacker();
    app = await startApp("r", port, define, 0, cloud);
    engine = await startEngine({ port, appUrls: [app.url], dataDir: tempDir(), pollIntervalMs: 60_000, backoffBaseMs: 20, quiet: true, ...cloud });
    await waitFunctions(engine.url, 1);
  });

  afterAll(async () => {
    await engine?.stop();
    await app?.close();
    await moved?.close();
    await attacker?.close();
  });

  it("the SDK's bearer-signed registration of a forged URL is refused: that URL cannot prove it holds the key", async () => {
    const res = await forgedPut(app.url, `localhost:${attacker.port}`);
    expect(res.text).toMatch(/could not confirm the app at http:\/\/localhost:\d+\/api\/inngest/);
    // the only request the attacker saw is the engine's signed probe, never a run
    expect(attacker.hits).toEqual(["PUT /api/inngest"]);
    const { functions } = await api(engine.url, "/api/functions");
    for (const f of functions) expect(f.url.startsWith(app.url + "?")).toBe(true);
    const [run] = await waitRunsOfEvent(engine.url, await send(), 1, 15_000);
    expect(run.status).toBe("completed");
    expect(attacker.hits).toHaveLength(1);
  });

  it("an app that really moved (its signed sync verifies) is followed, and an unchanged list moving back updates the URL", async () => {
    moved = await startApp("r", engine.port, define, 0, cloud);
    const res = await fetch(moved.url, { method: "PUT" });
    expect(res.status, await res.text()).toBe(200);
    await waitFor(async () => (await api(engine.url, "/api/functions")).functions.every((f: { url: string }) => f.url.startsWith(moved!.url + "?")), 5_000, "functions on the new URL");
    const [there] = await waitRunsOfEvent(engine.url, await send(), 1, 15_000);
    expect(there.status).toBe("completed");
    // the same function list registered from the configured URL again: it must take effect
    const back = await fetch(app.url, { method: "PUT" });
    expect(back.status).toBe(200);
    const { functions } = await api(engine.url, "/api/functions");
    for (const f of functions) expect(f.url.startsWith(app.url + "?")).toBe(true);
  });
});
