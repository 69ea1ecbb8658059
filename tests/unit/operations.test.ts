import { describe, expect, it } from "vitest";
import { operationsAccess } from "@/lib/operations";
import { isStale, STALE_AFTER_MS } from "@/lib/sessions/status";

const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString("base64")}`;

describe("operations access", () => {
  it("is open on a local machine without a token and off on Vercel without one", () => {
    expect(operationsAccess({ OPERATIONS_TOKEN: undefined, VERCEL: undefined }, null)).toBe("open");
    expect(operationsAccess({ OPERATIONS_TOKEN: undefined, VERCEL: true }, null)).toBe("disabled");
  });

  it("asks for the token as a Basic password and grants only the right one", () => {
    const c = { OPERATIONS_TOKEN: "correct-horse-battery", VERCEL: true };
    expect(operationsAccess(c, null)).toBe("challenge");
    expect(operationsAccess(c, basic("ops", "wrong"))).toBe("challenge");
    expect(operationsAccess(c, basic("ops", "correct-horse-battery-x"))).toBe("challenge");
    expect(operationsAccess(c, "Bearer correct-horse-battery")).toBe("challenge");
    expect(operationsAccess(c, basic("anyone", "correct-horse-battery"))).toBe("granted");
    expect(operationsAccess(c, basic("", "pass:with:colons"))).toBe("challenge");
  });
});

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
