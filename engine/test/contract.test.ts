import { NonRetriableError, RetryAfterError, type Inngest } from "inngest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEngine, startEngine } from "../src/index.js";
import { api, freePort, getRun, sendEvents, sleep, startApp, tempDir, waitFor, waitFunctions, waitRunsOfEvent } from "./helpers.js";

/**
 * Contract tests: a small app built on the real `inngest` SDK serve handler (inngest/node),
 * talking to the engine over real HTTP.
 */
const calls = new Map<string, number>();
const bump = (k: string) => {
  const n = (calls.get(k) ?? 0) + 1;
  calls.set(k, n);
  return n;
};
const failures: any[] = [];
const timeline: Array<{ key: string; start: number; end: number }> = [];
const active = new Map<string, number>();
const maxActive = new Map<string, number>();
const received: string[] = [];

async function track(group: string, ms: number) {
  const a = (active.get(group) ?? 0) + 1;
  active.set(group, a);
  maxActive.set(group, Math.max(maxActive.get(group) ?? 0, a));
  await sleep(ms);
  active.set(group, (active.get(group) ?? 1) - 1);
}

function defineFunctions(inngest: Inngest) {
  const child = inngest.createFunction({ id: "child", triggers: [{ event: "t/child-never" }] }, async ({ event, step }) => {
    const v = await step.run("double", () => (event.data as { n: number }).n * 2);
    if ((event.data as { fail?: boolean }).fail) throw new NonRetriableError("child says no");
    return { doubled: v };
  });
  return [
    inngest.createFunction({ id: "steps", triggers: [{ event: "t/steps" }] }, async ({ event, step }) => {
      const id = (event.data as { id: string }).id;
      const a = await step.run("a", () => (bump(`${id}:a`), 1));
      const b = await step.run("b", () => (bump(`${id}:b`), a + 1));
      const c = await step.run("c", () => (bump(`${id}:c`), { sum: a + b }));
      return { c, body: bump(`${id}:body`) > 0 };
    }),
    inngest.createFunction({ id: "wild", triggers: [{ event: "wild/*" }] }, async ({ event }) => ({ got: event.name })),
    inngest.createFunction({ id: "parallel", triggers: [{ event: "t/parallel" }] }, async ({ step }) => {
      const parts = await Promise.all(
        ["p1", "p2", "p3"].map((k) =>
          step.run(k, async () => {
            const start = Date.now();
            await sleep(400);
            timeline.push({ key: k, start, end: Date.now() });
            return k;
          }),
        ),
      );
      const joined = await step.run("join", () => parts.join("+"));
      return joined;
    }),
    inngest.createFunction(
      {
        id: "always-fails",
        retries: 2,
        triggers: [{ event: "t/always-fails" }],
        onFailure: async ({ event, error }) => {
          failures.push({ event, message: error.message });
        },
      },
      async ({ event, step }) => {
        await step.run("boom", () => {
          bump(`${(event.data as { id: string }).id}:boom`);
          throw new Error("kaboom");
        });
      },
    ),
    inngest.createFunction({ id: "flaky", retries: 3, triggers: [{ event: "t/flaky" }] }, async ({ event, step }) => {
      const id = (event.data as { id: string }).id;
      return step.run("flaky-step", () => {
        const n = bump(`${id}:flaky`);
        if (n < 3) throw new Error(`flake ${n}`);
        return `ok after ${n}`;
      });
    }),
    inngest.createFunction({ id: "non-retriable", retries: 5, triggers: [{ event: "t/non-retriable" }] }, async ({ event, step }) => {
      await step.run("reject", () => {
        bump(`${(event.data as { id: string }).id}:reject`);
        throw new NonRetriableError("not audio");
      });
    }),
    inngest.createFunction({ id: "fn-level", retries: 1, triggers: [{ event: "t/fn-level" }] }, async ({ event }) => {
      bump(`${(event.data as { id: string }).id}:fn`);
      throw new Error("outside any step");
    }),
    inngest.createFunction({ id: "retry-after", retries: 1, triggers: [{ event: "t/retry-after" }] }, async ({ event, step }) => {
      const id = (event.data as { id: string }).id;
      return step.run("later", () => {
        const n = bump(`${id}:later`);
        if (n === 1) {
          calls.set(`${id}:first`, Date.now());
          throw new RetryAfterError("busy", 1500);
        }
        return Date.now() - (calls.get(`${id}:first`) ?? 0);
      });
    }),
    inngest.createFunction(
      { id: "cancellable", triggers: [{ event: "t/cancellable" }], cancelOn: [{ event: "t/cancel", match: "data.id" }] },
      async ({ step }) => {
        await step.run("before", () => 1);
        await step.sleep("long-nap", "1m");
        await step.run("after", () => 2);
      },
    ),
    inngest.createFunction({ id: "limited", concurrency: { limit: 2 }, triggers: [{ event: "t/limited" }] }, async ({ step }) => {
      await step.run("work", () => track("limited", 150));
      await step.run("work2", () => track("limited", 50));
    }),
    inngest.createFunction(
      { id: "keyed", concurrency: { limit: 1, key: "event.data.k" }, triggers: [{ event: "t/keyed" }] },
      async ({ event, step }) => {
        const k = (event.data as { k: string }).k;
        await step.run("work", () => Promise.all([track(`keyed:${k}`, 200), track("keyed:any", 200)]));
      },
    ),
    inngest.createFunction({ id: "ordered", concurrency: { limit: 1 }, triggers: [{ event: "t/ordered" }] }, async ({ step }) => {
      await step.run("one", () => sleep(20));
      await step.run("two", () => sleep(20));
    }),
    inngest.createFunction({ id: "sleeper", triggers: [{ event: "t/sleeper" }] }, async ({ step }) => {
      const t0 = await step.run("t0", () => Date.now());
      await step.sleep("nap", "1s");
      const t1 = await step.run("t1", () => Date.now());
      return t1 - t0;
    }),
    inngest.createFunction({ id: "sender", triggers: [{ event: "t/sender" }] }, async ({ event, step }) => {
      await step.sendEvent("emit", { name: "t/sent", data: { from: (event.data as { id: string }).id } });
      return "sent";
    }),
    inngest.createFunction({ id: "receiver", triggers: [{ event: "t/sent" }] }, async ({ event }) => {
      received.push((event.data as { from: string }).from);
      return "received";
    }),
    child,
    inngest.createFunction({ id: "invoker", triggers: [{ event: "t/invoker" }] }, async ({ event, step }) => {
      const d = event.data as { n: number; fail?: boolean };
      try {
        return await step.invoke("call-child", { function: child, data: d });
      } catch (e) {
        return { caught: (e as Error).message };
      }
    }),
    inngest.createFunction({ id: "waiter", triggers: [{ event: "t/waiter" }] }, async ({ step }) => {
      const got = await step.waitForEvent("approval", { event: "t/approve", timeout: "1s", match: "data.id" });
      return got ? { approvedBy: (got.data as { who: string }).who } : { timedOut: true };
    }),
  ];
}

let engine: RunningEngine;
let app: Awaited<ReturnType<typeof startApp>>;
let base: string;
const uid = () => Math.random().toString(36).slice(2, 10);

beforeAll(async () => {
  const port = await freePort();
  app = await startApp("t", port, defineFunctions);
  engine = await startEngine({
    port,
    appUrls: [app.url],
    dataDir: tempDir(),
    backoffBaseMs: 20,
    pollIntervalMs: 500,
    quiet: !process.env.ENGINE_TEST_LOG,
  });
  base = engine.url;
  await waitFunctions(base, 19);
});

afterAll(async () => {
  await engine?.stop();
  await app?.close();
});

describe("sync", () => {
  it("registers every function by in-band sync, including the onFailure handler", async () => {
    const { functions } = await api(base, "/api/functions");
    const ids = functions.map((f: { id: string }) => f.id);
    expect(ids).toContain("t-steps");
    expect(ids).toContain("t-always-fails-failure");
    const fails = functions.find((f: { id: string }) => f.id === "t-always-fails");
    expect(fails.retries).toBe(2);
    const health = await api(base, "/health");
    expect(health.status).toBe("ok");
  });
});

describe("events", () => {
  it("accepts one event or an array, assigns ids and answers {ids, status}", async () => {
    const one = await sendEvents(base, { name: "t/nothing", data: {} });
    expect(one.status).toBe(200);
    expect(one.ids).toHaveLength(1);
    const many = await sendEvents(base, [{ name: "t/nothing" }, { name: "t/nothing", id: "given-id-" + uid() }]);
    expect(many.ids).toHaveLength(2);
    expect(many.ids[1]).toMatch(/^given-id-/);
  });

  it("ignores a duplicate event id (idempotent sends)", async () => {
    const id = "dup-" + uid();
    const ev = { name: "t/steps", id, data: { id } };
    await sendEvents(base, ev);
    await sendEvents(base, [ev, ev]);
    await waitRunsOfEvent(base, id);
    await sleep(200);
    const { runs } = await api(base, `/api/runs?eventId=${id}`);
    expect(runs).toHaveLength(1);
    expect(calls.get(`${id}:a`)).toBe(1);
  });

  it("matches wildcard triggers", async () => {
    const { ids } = await sendEvents(base, { name: "wild/anything", data: {} });
    const [run] = await waitRunsOfEvent(base, ids[0]!);
    expect(run.status).toBe("completed");
    expect(run.output).toEqual({ got: "wild/anything" });
  });

  it("sends through the SDK's own inngest.send()", async () => {
    const id = uid();
    const { ids } = await app.inngest.send({ name: "t/steps", data: { id } });
    const [run] = await waitRunsOfEvent(base, ids[0]!);
    expect(run.status).toBe("completed");
  });
});

describe("runs", () => {
  it("runs the step loop with memoized results: each step runs once", async () => {
    const id = uid();
    const { ids } = await sendEvents(base, { name: "t/steps", data: { id } });
    const [run] = await waitRunsOfEvent(base, ids[0]!);
    expect(run.status).toBe("completed");
    expect(run.output).toEqual({ c: { sum: 3 }, body: true });
    expect(calls.get(`${id}:a`)).toBe(1);
    expect(calls.get(`${id}:b`)).toBe(1);
    expect(calls.get(`${id}:c`)).toBe(1);
    const { steps } = await getRun(base, run.id);
    expect(steps.map((s: { id: string }) => s.id)).toEqual(["a", "b", "c"]);
    expect(steps.every((s: { status: string }) => s.status === "completed")).toBe(true);
    expect(steps[2].output).toEqual({ sum: 3 });
  });

  it("executes parallel steps concurrently", async () => {
    timeline.length = 0;
    const { ids } = await sendEvents(base, { name: "t/parallel", data: {} });
    const [run] = await waitRunsOfEvent(base, ids[0]!);
    expect(run.status).toBe("completed");
    expect(run.output).toBe("p1+p2+p3");
    expect(timeline).toHaveLength(3);
    const firstEnd = Math.min(...timeline.map((t) => t.end));
    const lastStart = Math.max(...timeline.map((t) => t.start));
    expect(lastStart).toBeLessThan(firstEnd); // all three overlapped
  });

  it("retries: N gives N+1 attempts, then fails and runs onFailure", async () => {
    const id = uid();
    const { ids } = await sendEvents(base, { name: "t/always-fails", data: { id } });
    const [run] = await waitRunsOfEvent(base, ids[0]!);
    expect(run.status).toBe("failed");
    expect(calls.get(`${id}:boom`)).toBe(3);
    expect(run.attempts).toBe(3);
    await waitFor(() => failures.find((f) => f.event.data.event.data.id === id), 10_000, "onFailure");
    const f = failures.find((x) => x.event.data.event.data.id === id);
    expect(f.message).toContain("kaboom");
    expect(f.event.data.function_id).toBe("t-always-fails");
    expect(f.event.data.run_id).toBe(run.id);
  });

  it("retries a flaky step until it succeeds", async () => {
    const id = uid();
    const { ids } = await sendEvents(base, { name: "t/flaky", data: { id } });
    const [run] = await waitRunsOfEvent(base, ids[0]!);
    expect(run.status).toBe("completed");
    expect(run.output).toBe("ok after 3");
    const { steps } = await getRun(base, run.id);
    expect(steps[0].errors).toHaveLength(2);
    expect(steps[0].attempts).toBe(3);
  });

  it("does not retry a NonRetriableError", async () => {
    const id = uid();
    const { ids } = await sendEvents(base, { name: "t/non-retriable", data: { id } });
    const [run] = await waitRunsOfEvent(base, ids[0]!);
    expect(run.status).toBe("failed");
    expect(calls.get(`${id}:reject`)).toBe(1);
    expect(JSON.stringify(run.error)).toContain("not audio");
  });

  it("retries a function-level error (outside steps) retries+1 times", async () => {
    const id = uid();
    const { ids } = await sendEvents(base, { name: "t/fn-level", data: { id } });
    const [run] = await waitRunsOfEvent(base, ids[0]!);
    expect(run.status).toBe("failed");
    expect(calls.get(`${id}:fn`)).toBe(2);
  });

  it("honours retry-after", async () => {
    const id = uid();
    const { ids } = await sendEvents(base, { name: "t/retry-after", data: { id } });
    const [run] = await waitRunsOfEvent(base, ids[0]!);
    expect(run.status).toBe("completed");
    expect(run.output).toBeGreaterThanOrEqual(900); // base backoff is 20 ms here
  });

  it("cancels a run on a matching cancelOn event (and only that run)", async () => {
    const a = uid();
    const b = uid();
    const ra = await sendEvents(base, { name: "t/cancellable", data: { id: a } });
    const rb = await sendEvents(base, { name: "t/cancellable", data: { id: b } });
    const sleeping = async (eid: string) => {
      const { runs } = await api(base, `/api/runs?eventId=${eid}`);
      return runs[0]?.waitingOn === "sleep" ? runs[0] : undefined;
    };
    await waitFor(() => sleeping(ra.ids[0]!), 10_000, "run a sleeping");
    const runB = await waitFor(() => sleeping(rb.ids[0]!), 10_000, "run b sleeping");
    await sendEvents(base, { name: "t/cancel", data: { id: a } });
    const [runA] = await waitRunsOfEvent(base, ra.ids[0]!);
    expect(runA.status).toBe("cancelled");
    expect((await getRun(base, runB.id)).run.status).toBe("running");
    // cancel through the API
    await api(base, `/api/runs/${runB.id}/cancel`, { method: "POST" });
    expect((await getRun(base, runB.id)).run.status).toBe("cancelled");
  });

  it("holds the concurrency limit, counting executing steps", async () => {
    const { ids } = await sendEvents(base, Array.from({ length: 6 }, () => ({ name: "t/limited", data: {} })));
    for (const id of ids) await waitRunsOfEvent(base, id);
    expect(maxActive.get("limited")).toBe(2);
    const { runs } = await api(base, "/api/runs?function=limited");
    expect(runs.filter((r: { status: string }) => r.status === "completed")).toHaveLength(6);
  });

  it("applies a concurrency key per value", async () => {
    const { ids } = await sendEvents(base, [
      { name: "t/keyed", data: { k: "x" } },
      { name: "t/keyed", data: { k: "x" } },
      { name: "t/keyed", data: { k: "y" } },
    ]);
    for (const id of ids) await waitRunsOfEvent(base, id);
    expect(maxActive.get("keyed:x")).toBe(1);
    expect(maxActive.get("keyed:y")).toBe(1);
    expect(maxActive.get("keyed:any")).toBe(2); // x and y did run at the same time
  });

  it("under a limit, runs already started go first (older runs finish before new ones start)", async () => {
    const { ids } = await sendEvents(base, Array.from({ length: 3 }, () => ({ name: "t/ordered", data: {} })));
    const runs = [];
    for (const id of ids) runs.push((await waitRunsOfEvent(base, id))[0]);
    runs.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    for (let i = 1; i < runs.length; i++) expect(Date.parse(runs[i].startedAt)).toBeGreaterThanOrEqual(Date.parse(runs[i - 1].endedAt) - 5);
  });
});

describe("sleep, sendEvent, invoke, waitForEvent", () => {
  it("sleeps and wakes", async () => {
    const { ids } = await sendEvents(base, { name: "t/sleeper", data: {} });
    const [run] = await waitRunsOfEvent(base, ids[0]!);
    expect(run.status).toBe("completed");
    expect(run.output).toBeGreaterThanOrEqual(950);
  });

  it("step.sendEvent triggers another function", async () => {
    const id = uid();
    const { ids } = await sendEvents(base, { name: "t/sender", data: { id } });
    const [run] = await waitRunsOfEvent(base, ids[0]!);
    expect(run.status).toBe("completed");
    await waitFor(() => received.includes(id), 10_000, "receiver run");
  });

  it("step.invoke returns the child's result, and surfaces its failure", async () => {
    const ok = await sendEvents(base, { name: "t/invoker", data: { n: 21 } });
    const [run] = await waitRunsOfEvent(base, ok.ids[0]!);
    expect(run.status).toBe("completed");
    expect(run.output).toEqual({ doubled: 42 });
    const bad = await sendEvents(base, { name: "t/invoker", data: { n: 1, fail: true } });
    const [run2] = await waitRunsOfEvent(base, bad.ids[0]!);
    expect(run2.status).toBe("completed");
    expect(run2.output.caught).toContain("child says no");
  });

  it("step.waitForEvent receives a matching event", async () => {
    const id = uid();
    const { ids } = await sendEvents(base, { name: "t/waiter", data: { id } });
    await waitFor(async () => {
      const { runs } = await api(base, `/api/runs?eventId=${ids[0]}`);
      return runs[0]?.waitingOn === "event";
    }, 10_000, "waiting");
    await sendEvents(base, { name: "t/approve", data: { id: "someone-else", who: "eve" } });
    await sendEvents(base, { name: "t/approve", data: { id, who: "ann" } });
    const [run] = await waitRunsOfEvent(base, ids[0]!);
    expect(run.output).toEqual({ approvedBy: "ann" });
  });

  it("step.waitForEvent times out with null", async () => {
    const { ids } = await sendEvents(base, { name: "t/waiter", data: { id: uid() } });
    const [run] = await waitRunsOfEvent(base, ids[0]!);
    expect(run.output).toEqual({ timedOut: true });
  });
});

describe("dashboard and API", () => {
  it("serves the page, reruns a run", async () => {
    const page = await fetch(base + "/");
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("<html");
    const id = uid();
    const { ids } = await sendEvents(base, { name: "t/steps", data: { id } });
    const [run] = await waitRunsOfEvent(base, ids[0]!);
    const { runId } = await api(base, `/api/runs/${run.id}/rerun`, { method: "POST" });
    await waitFor(async () => (await getRun(base, runId)).run.status === "completed", 10_000, "rerun");
    expect(calls.get(`${id}:a`)).toBe(2);
  });
});
