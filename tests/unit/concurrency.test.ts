import { describe, expect, it } from "vitest";
import { createPriorityQueue, mapLimited, runQueued } from "@/lib/concurrency";

const tick = () => new Promise<void>((r) => setTimeout(r, 5));

describe("mapLimited", () => {
  it("keeps item order and never runs more than the limit at once", async () => {
    let running = 0;
    let peak = 0;
    const out = await mapLimited([30, 10, 20, 5, 15], 2, async (ms, i) => {
      peak = Math.max(peak, ++running);
      await new Promise((r) => setTimeout(r, ms));
      running--;
      return i;
    });
    expect(out).toEqual([0, 1, 2, 3, 4]);
    expect(peak).toBe(2);
  });

  it("starts nothing more after the first failure", async () => {
    const started: number[] = [];
    const run = mapLimited([0, 1, 2, 3], 1, async (i) => {
      started.push(i);
      await tick();
      if (i === 1) throw new Error("part 2 failed");
      return i;
    });
    await expect(run).rejects.toThrow("part 2 failed");
    await tick();
    expect(started).toEqual([0, 1]);
  });
});

/** A queue of one whose slot is held until `release()`; calls queued behind it wait. */
function blockedQueue() {
  const queue = createPriorityQueue(1);
  let release!: () => void;
  let started!: () => void;
  const running = new Promise<void>((r) => (started = r));
  const first = runQueued(
    queue,
    () =>
      new Promise<string>((r) => {
        release = () => r("first");
        started();
      }),
  );
  // The slot is taken at once; the task itself starts a microtask later.
  return { queue, first, release: () => void running.then(() => release()) };
}

describe("runQueued", () => {
  it("starts waiting calls by priority, equal priorities in arrival order", async () => {
    const { queue, first, release } = blockedQueue();
    const started: string[] = [];
    const call = (name: string, priority?: number) =>
      runQueued(queue, async () => (started.push(name), name), priority === undefined ? {} : { priority });
    const calls = [call("long part 1", 12_000), call("long part 2", 12_000), call("no priority"), call("30 s clip", 14_370), call("urgent", 43_200)];
    release();
    await Promise.all([first, ...calls]);
    expect(started).toEqual(["urgent", "30 s clip", "long part 1", "long part 2", "no priority"]);
  });

  it("reads priority as seconds ahead of calls queued at the same moment, so a long wait counts too", async () => {
    const { queue, first, release } = blockedQueue();
    const started: string[] = [];
    let clock = 1_000_000;
    const call = (name: string, priority: number) => runQueued(queue, async () => void started.push(name), { priority, now: () => clock });
    const early = call("queued 60 s earlier", 0);
    clock += 60_000;
    const ahead = call("30 s ahead", 30);
    const further = call("90 s ahead", 90);
    release();
    await Promise.all([first, early, ahead, further]);
    expect(started).toEqual(["90 s ahead", "queued 60 s earlier", "30 s ahead"]);
  });

  it("lets a waiting call leave the queue when aborted; it never starts and holds no place", async () => {
    const { queue, first, release } = blockedQueue();
    const ac = new AbortController();
    let secondStarted = false;
    const second = runQueued(queue, async () => ((secondStarted = true), "second"), { signal: ac.signal, priority: 100 });
    const third = runQueued(queue, async () => "third");
    expect(queue.size).toBe(2);
    ac.abort(new Error("cancelled"));
    await expect(second).rejects.toThrow("cancelled");
    expect(queue.size).toBe(1);
    release();
    expect(await first).toBe("first");
    expect(await third).toBe("third");
    expect(secondStarted).toBe(false);
  });

  it("rejects at once, without queueing, a call whose signal is already aborted", async () => {
    const { queue, first, release } = blockedQueue();
    const ac = new AbortController();
    ac.abort(new Error("gone"));
    await expect(runQueued(queue, async () => "never", { signal: ac.signal })).rejects.toThrow("gone");
    expect(queue.size).toBe(0);
    release();
    await first;
  });

  it("lends the slot between units of work to a more urgent waiting call, and gets it back before later calls", async () => {
    const queue = createPriorityQueue(1);
    const events: string[] = [];
    let urgentQueued!: () => void;
    const queuedNow = new Promise<void>((r) => (urgentQueued = r));
    const long = runQueued(
      queue,
      async (turn) => {
        for (const w of [1, 2, 3]) {
          await turn.yieldToUrgent();
          events.push(`long window ${w}`);
          if (w === 1) await queuedNow;
        }
      },
      { priority: 0 },
    );
    await tick();
    const later = runQueued(queue, async () => void events.push("later long part"), { priority: 0 });
    const equal = runQueued(queue, async (turn) => (await turn.yieldToUrgent(), void events.push("clip")), { priority: 600 });
    urgentQueued();
    await Promise.all([long, later, equal]);
    expect(events).toEqual(["long window 1", "clip", "long window 2", "long window 3", "later long part"]);
  });

  it("does not lend the slot to calls that are not more urgent", async () => {
    const queue = createPriorityQueue(1);
    const events: string[] = [];
    let go!: () => void;
    const gate = new Promise<void>((r) => (go = r));
    const first = runQueued(queue, async (turn) => {
      await gate;
      for (const w of [1, 2]) (await turn.yieldToUrgent(), events.push(`first ${w}`));
    });
    const second = runQueued(queue, async () => void events.push("second"));
    go();
    await Promise.all([first, second]);
    expect(events).toEqual(["first 1", "first 2", "second"]);
  });

  it("a call aborted while it waits to get its slot back rejects with the reason; the slot passes on", async () => {
    const queue = createPriorityQueue(1);
    const ac = new AbortController();
    let lent!: () => void;
    const lentNow = new Promise<void>((r) => (lent = r));
    let release!: () => void;
    const long = runQueued(
      queue,
      async (turn) => {
        await lentNow;
        await turn.yieldToUrgent();
        return "never resumed";
      },
      { signal: ac.signal },
    );
    const urgent = runQueued(queue, () => new Promise<string>((r) => (release = () => r("urgent"))), { priority: 100 });
    lent();
    await tick();
    ac.abort(new Error("cancelled"));
    await expect(long).rejects.toThrow("cancelled");
    release();
    expect(await urgent).toBe("urgent");
    expect(await runQueued(queue, async () => "next")).toBe("next");
  });

  it("keeps the slot of a started call until the task itself stops, even when its signal aborts", async () => {
    const queue = createPriorityQueue(1);
    const ac = new AbortController();
    let finish!: () => void;
    const events: string[] = [];
    const running = runQueued(
      queue,
      () => new Promise<string>((r) => (finish = () => (events.push("first stopped"), r("first")))),
      { signal: ac.signal },
    );
    const next = runQueued(queue, async () => void events.push("next started"));
    await tick();
    ac.abort(new Error("cancelled"));
    await tick();
    expect(events).toEqual([]);
    finish();
    expect(await running).toBe("first");
    await next;
    expect(events).toEqual(["first stopped", "next started"]);
  });
});
