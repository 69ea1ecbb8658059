import { describe, expect, it } from "vitest";
import { parseRange } from "@/lib/sessions/range";

describe("parseRange", () => {
  it("serves the whole file without a header or with a form it does not support", () => {
    expect(parseRange(null, 100)).toBeUndefined();
    expect(parseRange("bytes=0-1,5-9", 100)).toBeUndefined();
    expect(parseRange("items=0-5", 100)).toBeUndefined();
    expect(parseRange("bytes=-", 100)).toBeUndefined();
  });

  it("reads open, closed and suffix ranges, clipped to the file", () => {
    expect(parseRange("bytes=0-", 100)).toEqual({ start: 0, end: 99 });
    expect(parseRange("bytes=10-19", 100)).toEqual({ start: 10, end: 19 });
    expect(parseRange("bytes=90-500", 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange("bytes=-30", 100)).toEqual({ start: 70, end: 99 });
    expect(parseRange("bytes=-300", 100)).toEqual({ start: 0, end: 99 });
  });

  it("calls ranges outside the file unsatisfiable", () => {
    expect(parseRange("bytes=100-", 100)).toBe("unsatisfiable");
    expect(parseRange("bytes=50-10", 100)).toBe("unsatisfiable");
    expect(parseRange("bytes=-0", 100)).toBe("unsatisfiable");
  });
});
