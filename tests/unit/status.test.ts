import { describe, expect, it } from "vitest";
import {
  FINAL_STATUSES,
  isFinal,
  isOpen,
  isRunStatus,
  OPEN_STATUSES,
  RETRYABLE_STATUSES,
  RUN_STATUSES,
  SESSION_STATUSES,
} from "@/lib/sessions/status";

describe("the session lifecycle", () => {
  it("splits every status into open or final, exactly once", () => {
    for (const s of SESSION_STATUSES) expect([isOpen(s), isFinal(s)].filter(Boolean)).toHaveLength(1);
    expect([...OPEN_STATUSES, ...FINAL_STATUSES].sort()).toEqual([...SESSION_STATUSES].sort());
  });

  it("keeps a run's statuses inside the open ones, and retries to final ones", () => {
    expect(RUN_STATUSES.every((s) => isOpen(s))).toBe(true);
    expect(RETRYABLE_STATUSES.every((s) => isFinal(s))).toBe(true);
    // Waiting for the upload is open (the page polls, the person may cancel) but no run is on it.
    expect([isOpen("awaiting_upload"), isRunStatus("awaiting_upload")]).toEqual([true, false]);
  });

  it("knows no status it does not list", () => {
    expect([isOpen("paused"), isFinal("paused"), isRunStatus("paused")]).toEqual([false, false, false]);
  });
});
