import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEngine, startEngine } from "../src/index.js";
import { parseArgs, UsageError } from "../src/config.js";
import { canonicalJson, hashSigningKey, signText, verifyText } from "../src/signing.js";
import { api, freePort, getRun, startApp, tempDir, waitFor, waitFunctions, waitRunsOfEvent } from "./helpers.js";

/**
 * A signed engine and an app whose SDK runs in cloud mode (no INNGEST_DEV): every request to the app
 * is signed like Inngest Cloud signs it, the SDK refuses anything unsigned, and the engine's API wants
 * the event key and the signing key.
 */
const signingKey = `signkey-test-${randomBytes(32).toString("hex")}`;
const eventKey = `evkey-${randomBytes(8).toString("hex")}`;
const cloud = { signingKey, eventKey };
let engine: RunningEngine;
let app: Awaited<ReturnType<typeof startApp>>;
let base: string;
const received: string[] = [];

beforeAll(async () => {
  const port = await freePort();
  app = await startApp(
    "s",
    port,
    (inngest) => [
      inngest.createFunction({ id: "signed-steps", triggers: [{ event: "s/go" }] }, async ({ event, step }) => {
        const a = await step.run("a", () => 1);
        await step.sleep("nap", "1s");
        await step.sendEvent("emit", { name: "s/sent", data: { from: (event.data as { id: string }).id } });
        const b = await step.run("b", () => a + 1);
        return { sum: a + b };
      }),
      inngest.createFunction({ id: "receiver", triggers: [{ event: "s/sent" }] }, async ({ event }) => {
        received.push((event.data as { from: string }).from);
        return "ok";
      }),
    ],
    0,
    cloud,
  );
  engine = await startEngine({ port, appUrls: [app.url], dataDir: tempDir(), backoffBaseMs: 20, pollIntervalMs: 500, quiet: true, signingKey, eventKey });
  base = engine.url;
  await waitFunctions(base, 2);
});

afterAll(async () => {
  await engine?.stop();
  await app?.close();
});

describe("signatures", () => {
  it("signs as the SDK verifies: HMAC-SHA256 over the canonical body and the timestamp", () => {
    const body = { b: [1, { z: "é", a: null }], a: 2.5 };
    const text = canonicalJson(body);
    expect(text).toBe('{"a":2.5,"b":[1,{"a":null,"z":"é"}]}');
    const header = signText(signingKey, text, 1_700_000_000_000);
    expect(header).toMatch(/^t=1700000000&s=[0-9a-f]{64}$/);
    expect(verifyText([signingKey], header, text, 1_700_000_010_000)).toBeUndefined();
    expect(verifyText([signingKey], header, text + " ", 1_700_000_010_000)).toMatch(/does not match/);
    expect(verifyText([signingKey], header, text, 1_700_000_000_000 + 6 * 60_000)).toMatch(/expired/);
    expect(hashSigningKey(signingKey)).toMatch(/^signkey-test-[0-9a-f]{64}$/);
  });

  it("an SDK in cloud mode syncs and completes runs (steps, sleep, sendEvent with the event key)", async () => {
    const ids = await app.inngest.send({ name: "s/go", data: { id: "one" } });
    const [run] = await waitRunsOfEvent(base, ids.ids[0]!, 1, 20_000);
    expect(run.status).toBe("completed");
    expect(run.output).toEqual({ sum: 3 });
    const { steps } = await getRun(base, run.id);
    expect(steps.map((s: { id: string }) => s.id)).toEqual(["a", "nap", "emit", "b"]);
    await waitFor(() => received.includes("one"), 10_000, "the event sent from a step started its run");
  });

  it("the SDK refuses an unsigned or wrongly signed request to the app", async () => {
    const body = JSON.stringify({ event: { name: "s/go", data: {} }, events: [], steps: {}, ctx: { run_id: "x", attempt: 0, stack: { stack: [], current: 0 } }, version: 2 });
    const url = `${app.url}?fnId=s-signed-steps&stepId=step`;
    const unsigned = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body });
    expect(unsigned.status).toBe(401);
    const otherKey = `signkey-test-${randomBytes(32).toString("hex")}`;
    const forged = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", "x-inngest-signature": signText(otherKey, canonicalJson(JSON.parse(body))) },
      body,
    });
    expect(forged.status).toBe(401);
    const inBand = await fetch(app.url, { method: "PUT", headers: { "content-type": "application/json", "x-inngest-sync-kind": "in_band" }, body: JSON.stringify({ url: "http://evil.example/api/inngest" }) });
    expect(inBand.status).toBe(401);
  });

  it("the engine's event API wants the event key", async () => {
    const post = (key: string) =>
      fetch(`${base}/e/${key}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name: "s/nothing" }) });
    expect((await post("wrong-key")).status).toBe(401);
    expect((await post(eventKey)).status).toBe(200);
  });

  it("every other state-changing call wants the signing key (as the SDK sends it: a bearer hash)", async () => {
    const send = (auth?: string) =>
      fetch(`${base}/api/events`, {
        method: "POST",
        headers: { "content-type": "application/json", ...(auth ? { authorization: auth } : {}) },
        body: JSON.stringify({ name: "s/nothing" }),
      });
    expect((await send()).status).toBe(401);
    expect((await send(`Bearer ${hashSigningKey(`signkey-test-${randomBytes(32).toString("hex")}`)}`)).status).toBe(401);
    expect((await send(`Bearer ${hashSigningKey(signingKey)}`)).status).toBe(200);
    expect((await send(`Bearer ${signingKey}`)).status).toBe(200);
    const register = await fetch(`${base}/fn/register`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ url: app.url, appName: "s", functions: [] }),
    });
    expect(register.status).toBe(401);
    // reading stays open on loopback
    expect((await api(base, "/api/functions")).functions).toHaveLength(2);
  });

  it("the SDK's out-of-band registration (its own bearer hash) is accepted for the configured URL", async () => {
    const res = await fetch(app.url, { method: "PUT" });
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect((await api(base, "/api/functions")).functions).toHaveLength(2);
  });
});

describe("configuration", () => {
  it("takes the SDK's variables, and refuses a malformed key or a signing key without an event key", () => {
    const c = parseArgs([], { INNGEST_SIGNING_KEY: signingKey, INNGEST_EVENT_KEY: eventKey });
    expect(c.signingKey).toBe(signingKey);
    expect(c.eventKey).toBe(eventKey);
    expect(parseArgs(["--signing-key", signingKey, "--event-key", "k"], {}).eventKey).toBe("k");
    expect(() => parseArgs(["--signing-key", signingKey], {})).toThrow(/event key/);
    expect(() => parseArgs(["--signing-key", "not-a-key", "--event-key", "k"], {})).toThrow(UsageError);
  });
});

describe("replies", () => {
  it("a reply whose signature does not verify is not taken as the app's (no functions from a forged sync)", async () => {
    const http = await import("node:http");
    const fake = http.createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        const body = JSON.stringify({ app_id: "fake", url: "http://x/api/inngest", functions: [{ id: "fake-fn", name: "fake", triggers: [{ event: "x" }], steps: { step: { id: "step", runtime: { url: "http://x/api/inngest?fnId=fake-fn&stepId=step" } } } }] });
        res.writeHead(200, { "content-type": "application/json", "x-inngest-sdk": "inngest-js:v4.24.0", "x-inngest-signature": `t=${Math.round(Date.now() / 1000)}&s=${"0".repeat(64)}` });
        res.end(body);
      });
    });
    await new Promise<void>((r) => fake.listen(0, "127.0.0.1", () => r()));
    const fakeUrl = `http://127.0.0.1:${(fake.address() as import("node:net").AddressInfo).port}/api/inngest`;
    const other = await startEngine({ port: 0, appUrls: [fakeUrl], dataDir: tempDir(), pollIntervalMs: 200, quiet: true, signingKey, eventKey });
    try {
      await new Promise((r) => setTimeout(r, 800));
      expect((await api(other.url, "/health")).functions).toBe(0);
    } finally {
      await other.stop();
      fake.close();
      fake.closeAllConnections();
    }
  });
});
