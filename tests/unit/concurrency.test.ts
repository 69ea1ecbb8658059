import pLimit from "p-limit";
import { describe, expect, it } from "vitest";
import { mapLimited, runLimited } from "@/lib/concurrency";

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

describe("runLimited", () => {
  it("lets a waiting call leave the queue when aborted; it never starts", async () => {
    const limit = pLimit(1);
    let release!: () => void;
    const first = runLimited(limit, () => new Promise<string>((r) => (release = () => r("first"))));
    const ac = new AbortController();
    let secondStarted = false;
    const second = runLimited(limit, async () => ((secondStarted = true), "second"), ac.signal);
    ac.abort(new Error("cancelled"));
    await expect(second).rejects.toThrow("cancelled");
    release();
    expect(await first).toBe("first");
    await tick();
    expect(secondStarted).toBe(false);
  });
});
