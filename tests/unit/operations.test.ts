import { describe, expect, it } from "vitest";
import { isStale } from "@/lib/sessions/status";

const STALE_AFTER_MS = 15 * 60_000;

describe("stale sessions", () => {
  const now = Date.now();
  it("flags only active sessions that have been silent too long", () => {
    const old = new Date(now - STALE_AFTER_MS - 1000);
    expect(isStale({ status: "processing", updatedAt: old }, STALE_AFTER_MS, now)).toBe(true);
    expect(isStale({ status: "queued", updatedAt: old }, STALE_AFTER_MS, now)).toBe(true);
    expect(isStale({ status: "completed", updatedAt: old }, STALE_AFTER_MS, now)).toBe(false);
    expect(isStale({ status: "processing", updatedAt: new Date(now - 1000) }, STALE_AFTER_MS, now)).toBe(false);
  });
});
