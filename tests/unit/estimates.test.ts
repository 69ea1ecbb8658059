import { describe, expect, it } from "vitest";
import { etaFromRun } from "@/lib/sessions/estimates";

const now = new Date("2026-12-01T12:00:00Z");
const ago = (sec: number) => new Date(now.getTime() - sec * 1000);
const base = { status: "processing" as const, stage: "transcribing" as const, durationSec: 2400, startedAt: ago(40), transcribeStartedAt: ago(30) };

describe("etaFromRun", () => {
  it("extrapolates the rate measured since transcription began", () => {
    // 10 → 47.5 % is half the transcription band, done in 30 s: 30 s more, plus the tail.
    expect(etaFromRun({ ...base, progress: 47.5 }, now, [])).toBe(32);
  });

  it("falls back to recent runs of the same transcriber before this run has a rate", () => {
    // 0.02 s per audio second → 48 s for 2400 s, 40 s of it spent already.
    expect(etaFromRun({ ...base, progress: 10 }, now, [0.03, 0.02, 0.01])).toBe(8);
    expect(etaFromRun({ ...base, stage: "preparing", progress: 5, transcribeStartedAt: null }, now, [0.02])).toBe(8);
  });

  it("is null with nothing honest to go on, and for sessions that are not running", () => {
    expect(etaFromRun({ ...base, progress: 10 }, now, [])).toBeNull();
    expect(etaFromRun({ ...base, status: "queued", stage: null, progress: 0, durationSec: null, startedAt: null, transcribeStartedAt: null }, now, [0.02])).toBeNull();
    expect(etaFromRun({ ...base, status: "completed", progress: 100 }, now, [0.02])).toBeNull();
  });
});
