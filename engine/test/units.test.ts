import { describe, expect, it } from "vitest";
import { parseArgs } from "../src/config.js";
import { checkExpression, evaluate, evaluateValue, nameMatches } from "../src/expressions.js";
import { backoffMs } from "../src/backoff.js";
import { parseWhen, ulid } from "../src/util.js";

describe("expressions (the CEL subset the SDK generates)", () => {
  const event = { name: "a/b", data: { id: "x1", n: 3, nested: { k: "v" } } };
  it("evaluates onFailure, match and if expressions", () => {
    expect(evaluate("event.data.function_id == 'app-fn'", { event: { data: { function_id: "app-fn" } } })).toBe(true);
    expect(evaluate("event.data.function_id == 'app-fn'", { event: { data: { function_id: "app-other" } } })).toBe(false);
    expect(evaluate("event.data.id == async.data.id", { event, async: { data: { id: "x1" } } })).toBe(true);
    expect(evaluate("async.data.id == event.data.id", { event, async: { data: { id: "x2" } } })).toBe(false);
    expect(evaluate("event.data.n > 2 && (event.data.nested.k == \"v\" || false)", { event })).toBe(true);
    expect(evaluate("!(event.data.n >= 4)", { event })).toBe(true);
    expect(evaluate("event.data.missing == async.data.missing", { event, async: { data: {} } })).toBe(false);
    expect(evaluate(undefined, {})).toBe(true);
    expect(evaluateValue("event.data.nested.k", { event })).toBe("v");
  });
  it("reports expressions it cannot read", () => {
    expect(checkExpression("size(event.data.list) > 1")).toMatch(/unsupported/);
    expect(checkExpression("event.data.a == 'b'")).toBeUndefined();
    expect(evaluate("size(event.data.list) > 1", { event })).toBe(false);
  });
  it("matches event names with wildcards", () => {
    expect(nameMatches("session/*", "session/uploaded")).toBe(true);
    expect(nameMatches("session/*", "sessions/uploaded")).toBe(false);
    expect(nameMatches("session/uploaded", "session/uploaded")).toBe(true);
    expect(nameMatches("*", "anything/at.all")).toBe(true);
  });
});

describe("durations and ids", () => {
  it("parses the SDK's time strings and ISO dates", () => {
    expect(parseWhen("2s", 0)).toBe(2000);
    expect(parseWhen("1h30m", 0)).toBe(5_400_000);
    expect(parseWhen("1d2h3m4s", 0)).toBe(86_400_000 + 7_200_000 + 180_000 + 4000);
    expect(parseWhen("2026-01-01T00:00:00.000Z", 0)).toBe(Date.parse("2026-01-01T00:00:00.000Z"));
    expect(parseWhen("soon", 0)).toBeUndefined();
  });
  it("makes sortable unique run ids", () => {
    const ids = Array.from({ length: 1000 }, () => ulid());
    expect(new Set(ids).size).toBe(1000);
    expect([...ids].sort()).toEqual(ids);
  });
});

describe("configuration", () => {
  it("has the dev server's defaults", () => {
    const c = parseArgs([], {});
    expect(c).toMatchObject({ host: "127.0.0.1", port: 8288, appUrls: ["http://localhost:3000/api/inngest"], dataDir: ".data/engine" });
    expect(c.maxStepMs).toBeGreaterThan(300_000);
  });
  it("reads env, then flags (flags win), with several app URLs", () => {
    const c = parseArgs(["--port=9000", "-u", "http://a/api/inngest", "--app-url", "http://b/api/inngest"], {
      INNGEST_ENGINE_PORT: "7000",
      INNGEST_ENGINE_APP_URLS: "http://x/api/inngest,http://y/api/inngest",
      INNGEST_ENGINE_BACKOFF_BASE_MS: "5",
    });
    expect(c.port).toBe(9000);
    expect(c.appUrls).toEqual(["http://a/api/inngest", "http://b/api/inngest"]);
    expect(c.backoffBaseMs).toBe(5);
    expect(parseArgs([], { INNGEST_ENGINE_APP_URLS: "http://x/api/inngest,http://y/api/inngest" }).appUrls).toHaveLength(2);
    expect(parseArgs(["--retry-interval", "0.1"], {}).retryInterval).toBe(0.1);
    expect(parseArgs([], {}).retryInterval).toBe(0);
  });
  it("--retry-interval replaces the exponential backoff, retry-after still wins", () => {
    const opts = { backoffBaseMs: 1000, backoffMaxMs: 60_000, retryIntervalMs: 100 };
    expect([0, 3, 8].map((a) => backoffMs(opts, a))).toEqual([100, 100, 100]);
    expect(backoffMs(opts, 0, { "retry-after": "2" })).toBe(2000);
    expect(backoffMs({ ...opts, retryIntervalMs: 0 }, 3)).toBeGreaterThan(5000);
  });
  it("rejects bad values with a readable message", () => {
    expect(() => parseArgs(["--port", "-3"], {})).toThrow(/port/);
    expect(() => parseArgs(["--app-url", "not a url"], {})).toThrow(/appUrls/);
    expect(() => parseArgs(["--what"], {})).toThrow(/unknown option/);
    expect(() => parseArgs(["--retry-interval", "-1"], {})).toThrow(/retryInterval/);
  });
});

describe("cron expressions (robfig/cron v3 syntax)", async () => {
  const { parseCron, checkCron } = await import("../src/cron.js");
  const at = (iso: string) => Date.parse(iso);
  it("reads 5 fields, descriptors, @every and a TZ=/CRON_TZ= prefix", () => {
    expect(parseCron("0 3 * * *").next(at("2026-12-01T12:00:00Z"))).toBe(at("2026-12-02T03:00:00Z"));
    // Paris is UTC+1 in winter, UTC+2 in summer
    expect(parseCron("TZ=Europe/Paris 0 3 * * *").next(at("2026-12-01T12:00:00Z"))).toBe(at("2026-12-02T02:00:00Z"));
    expect(parseCron("CRON_TZ=Europe/Paris 0 3 * * *").next(at("2026-07-01T12:00:00Z"))).toBe(at("2026-07-02T01:00:00Z"));
    expect(parseCron("@hourly").next(at("2026-12-01T12:30:00Z"))).toBe(at("2026-12-01T13:00:00Z"));
    expect(parseCron("@midnight").next(at("2026-12-01T12:30:00Z"))).toBe(at("2026-12-02T00:00:00Z"));
    expect(parseCron("0 9 * * MON").next(at("2026-12-01T00:00:00Z"))).toBe(at("2026-12-07T09:00:00Z"));
    expect(parseCron("@every 90s").next(at("2026-12-01T00:00:00Z"))).toBe(at("2026-12-01T00:01:30Z"));
    expect(parseCron("*/15 * * * *").latest(at("2026-12-01T00:00:00Z"), at("2026-12-01T00:40:00Z"))).toBe(at("2026-12-01T00:30:00Z"));
    expect(parseCron("*/15 * * * *").latest(at("2026-12-01T00:31:00Z"), at("2026-12-01T00:40:00Z"))).toBeUndefined();
  });
  it("explains what it cannot read", () => {
    expect(checkCron("0 3 * * *")).toBeUndefined();
    expect(checkCron("61 * * * *")).toMatch(/cannot be read/);
    expect(checkCron("* * * * * *")).toMatch(/cannot be read/); // robfig's standard parser has no seconds
    expect(checkCron("TZ=Nowhere/Atall 0 3 * * *")).toMatch(/cannot be read/);
    expect(checkCron("@fortnightly")).toMatch(/unknown descriptor/);
  });
});

describe("priority.run and the expressions it uses", async () => {
  const { priorityOf } = await import("../src/flow/priority.js");
  const fn = (run: string) => ({ id: "a-f", name: "f", appId: "a", url: "", triggers: [], concurrency: [], cancel: [], retries: 0, warnings: [], priority: { run } });
  const ev = (data: Record<string, unknown>) => ({ id: "e", name: "x", data, ts: 0, receivedAt: 0 });
  it("evaluates to seconds, clamped to ±12 h; anything else is 0", () => {
    expect(priorityOf(fn("event.data.plan == 'pro' ? 120 : 0"), ev({ plan: "pro" }))).toBe(120);
    expect(priorityOf(fn("event.data.plan == 'pro' ? 120 : 0"), ev({ plan: "free" }))).toBe(0);
    expect(priorityOf(fn("event.data.minutes * 60"), ev({ minutes: 2 }))).toBe(120);
    expect(priorityOf(fn("event.data.p"), ev({ p: 10_000_000 }))).toBe(43_200);
    expect(priorityOf(fn("-event.data.p"), ev({ p: 10_000_000 }))).toBe(-43_200);
    expect(priorityOf(fn("event.data.missing"), ev({}))).toBe(0);
    expect(priorityOf(fn("event.data.name"), ev({ name: "x" }))).toBe(0);
  });
  it("reads arithmetic, string concatenation and nested ternaries", () => {
    const vars = { event: { data: { a: "x", n: 3 } } };
    expect(evaluateValue("event.data.a + '-' + event.data.n", vars)).toBe("x-3");
    expect(evaluateValue("event.data.n > 5 ? 1 : event.data.n > 2 ? 2 : 3", vars)).toBe(2);
    expect(evaluateValue("(event.data.n - 1) * 2 % 3", vars)).toBe(1);
    expect(evaluate("event.data.n - 1 == 2", vars)).toBe(true);
    expect(checkExpression("a ? b")).toMatch(/missing :/);
  });
});

describe("GCRA (throttle and rate limits)", async () => {
  const { gcra } = await import("../src/flow/gcra.js");
  it("spaces requests by the emission interval, allowing the tolerance ahead", () => {
    // 1 per second, no burst
    let r = gcra(undefined, 0, 1000, 0);
    expect(r.allowed).toBe(true);
    r = gcra(r.tat, 10, 1000, 0);
    expect(r).toMatchObject({ allowed: false, retryAt: 1000 });
    expect(gcra(1000, 1000, 1000, 0).allowed).toBe(true);
    // 3 per minute as a rate limit: three at once, then one every 20 s
    let tat: number | undefined;
    const got = [0, 0, 0, 0].map(() => {
      const x = gcra(tat, 0, 20_000, 40_000);
      if (x.allowed) tat = x.tat;
      return x.allowed;
    });
    expect(got).toEqual([true, true, true, false]);
    expect(gcra(tat, 20_000, 20_000, 40_000).allowed).toBe(true);
  });
});
