import { describe, expect, it } from "vitest";
import { isStale, STALE_AFTER_MS } from "@/lib/sessions/status";

describe("stale sessions", () => {
  const now = Date.now();
  it("flags only active sessions that have been silent too long", () => {
    const old = new Date(now - STALE_AFTER_MS - 1000);
    expect(isStale({ status: "processing", updatedAt: old }, now)).toBe(true);
    expect(isStale({ status: "queued", updatedAt: old }, now)).toBe(true);
    expect(isStale({ status: "completed", updatedAt: old }, now)).toBe(false);
    expect(isStale({ status: "processing", updatedAt: new Date(now - 1000) }, now)).toBe(false);
  });
});
