import { describe, expect, it } from "vitest";
import { toMarkdown, toSrt, toText, toVtt } from "@/lib/exports/formats";
import { chunkSecondsFor, estimateChunkBytes } from "@/lib/audio/chunks";
import { BANDS, partsProgress, preparingProgress, transcribingProgress } from "@/lib/pipeline/progress";
import { describeSpans, monotonic, spansToGlobalTime, toGlobalTime } from "@/lib/pipeline/segments";
import type { Transcriber, TranscriptSegment } from "@/lib/transcription/types";
import { rng } from "../support/random";

const seg = (start: number, end: number, text = "x", speaker?: string): TranscriptSegment =>
  speaker ? { start, end, text, speaker } : { start, end, text };

describe("untranscribed stretches", () => {
  it("move to recording time, stay inside their chunk, and drop when empty", () => {
    expect(spansToGlobalTime([{ start: 1.5, end: 27.25 }, { start: 700, end: 710 }], 600, 1200)).toEqual([
      { start: 601.5, end: 627.25 },
    ]);
  });

  it("are named as clock ranges a person can find in the player", () => {
    expect(describeSpans([{ start: 26.1, end: 52.7 }])).toBe("0:26–0:53");
    expect(describeSpans([{ start: 5, end: 9 }, { start: 65, end: 70 }, { start: 600, end: 612.2 }])).toBe(
      "0:05–0:09, 1:05–1:10 and 10:00–10:13",
    );
  });
});

describe("toGlobalTime", () => {
  it("shifts a chunk's segments by its offset into recording time", () => {
    const out = toGlobalTime([seg(0, 2.5, "hello"), seg(3, 4.25, "world", "B")], 600, 1200);
    expect(out).toEqual([seg(600, 602.5, "hello"), seg(603, 604.25, "world", "B")]);
  });

  it("clips a segment that runs past the chunk's end", () => {
    const out = toGlobalTime([seg(595, 612, "tail")], 600, 1200);
    expect(out).toEqual([seg(1195, 1200, "tail")]);
    // Starting past the end collapses onto the end rather than leaking into the next chunk.
    expect(toGlobalTime([seg(700, 710, "ghost")], 600, 1200)).toEqual([seg(1200, 1200, "ghost")]);
  });

  it("drops empty and whitespace-only text and trims the rest", () => {
    const out = toGlobalTime([seg(0, 1, ""), seg(1, 2, "   \n"), seg(2, 3, "  kept \n")], 10, 100);
    expect(out).toEqual([seg(12, 13, "kept")]);
  });

  it("rounds to milliseconds so floating point noise does not show", () => {
    const [s] = toGlobalTime([seg(0.1, 0.2, "a")], 0.2, 10);
    expect(s).toEqual(seg(0.3, 0.4, "a"));
  });

  it("never ends before it starts and stays inside the chunk, whatever the provider sends", () => {
    const rand = rng(7);
    for (let i = 0; i < 2000; i++) {
      const offset = Math.round(rand() * 3600);
      const chunkEnd = offset + 1 + Math.round(rand() * 600);
      const a = (rand() - 0.2) * 700;
      const b = (rand() - 0.2) * 700;
      const [s] = toGlobalTime([seg(a, b, "w")], offset, chunkEnd);
      const where = JSON.stringify({ offset, chunkEnd, a, b, s });
      expect(s!.start, where).toBeGreaterThanOrEqual(offset);
      expect(s!.end, where).toBeGreaterThanOrEqual(s!.start);
      expect(s!.end, where).toBeLessThanOrEqual(chunkEnd);
    }
  });
});

describe("monotonic", () => {
  it("sorts by start and clips overlaps at chunk seams", () => {
    const out = monotonic([seg(601, 615, "c"), seg(0, 5, "a"), seg(598, 603, "b"), seg(620, 621, "d")]);
    expect(out).toEqual([seg(0, 5, "a"), seg(598, 603, "b"), seg(603, 615, "c"), seg(620, 621, "d")]);
  });

  it("a segment swallowed by the previous one becomes zero-length at its end, not earlier", () => {
    expect(monotonic([seg(0, 10, "long"), seg(2, 4, "inside")])).toEqual([seg(0, 10, "long"), seg(10, 10, "inside")]);
  });

  it("keeps speaker and text, and does not change its input", () => {
    const input = [seg(5, 6, "b", "B"), seg(0, 5.5, "a", "A")];
    const copy = structuredClone(input);
    const out = monotonic(input);
    expect(out).toEqual([seg(0, 5.5, "a", "A"), seg(5.5, 6, "b", "B")]);
    expect(input).toEqual(copy);
  });

  it("never goes backwards and never overlaps (random input)", () => {
    const rand = rng(42);
    for (let round = 0; round < 200; round++) {
      const input = Array.from({ length: 1 + Math.floor(rand() * 30) }, () => {
        const start = rand() * 100;
        return seg(start, start + (rand() - 0.1) * 10, "w");
      });
      const out = monotonic(input);
      expect(out).toHaveLength(input.length);
      let last = 0;
      for (const s of out) {
        expect(s.start).toBeGreaterThanOrEqual(last);
        expect(s.end).toBeGreaterThanOrEqual(s.start);
        last = s.end;
      }
    }
  });

  it("is idempotent", () => {
    const once = monotonic([seg(3, 9), seg(0, 4), seg(8, 8.5), seg(20, 19)]);
    expect(monotonic(once)).toEqual(once);
  });
});

describe("chunkSecondsFor", () => {
  const transcriber = (maxSeconds: number, maxBytes: number): Transcriber => ({
    name: "test",
    limits: { maxSeconds, maxBytes },
    transcribe: () => Promise.reject(new Error("not used")),
  });

  it("uses the provider's maximum when bytes are no constraint", () => {
    expect(chunkSecondsFor(transcriber(600, 1024 ** 3))).toBe(600);
  });

  it("an override only ever lowers the length", () => {
    expect(chunkSecondsFor(transcriber(600, 1024 ** 3), 45)).toBe(45);
    expect(chunkSecondsFor(transcriber(600, 1024 ** 3), 5000)).toBe(600);
    expect(chunkSecondsFor(transcriber(600, 1024 ** 3), 600)).toBe(600);
  });

  it("shortens chunks until their encoded size fits the provider's byte limit, without shortening much more", () => {
    for (const maxBytes of [25 * 1024 * 1024, 1024 * 1024, 300_000]) {
      const s = chunkSecondsFor(transcriber(1500 * 10, maxBytes));
      expect(estimateChunkBytes(s), `maxBytes ${maxBytes}`).toBeLessThanOrEqual(maxBytes);
      // The step before was still too big: the answer is within one 10% step of the limit.
      expect(estimateChunkBytes(Math.ceil((s + 1) / 0.9)), `maxBytes ${maxBytes}`).toBeGreaterThan(maxBytes);
      expect(Number.isInteger(s)).toBe(true);
    }
  });

  it("applies the byte limit to an override too", () => {
    const t = transcriber(20_000, 1024 * 1024);
    const s = chunkSecondsFor(t, 10_000);
    expect(s).toBeLessThan(10_000);
    expect(estimateChunkBytes(s)).toBeLessThanOrEqual(1024 * 1024);
    // An override already under the byte limit is taken as is.
    expect(chunkSecondsFor(t, 120)).toBe(120);
  });
});

describe("transcribingProgress", () => {
  it("maps transcribed seconds onto the transcription band", () => {
    expect(transcribingProgress(0, 100)).toBe(BANDS.transcribing.from);
    expect(transcribingProgress(50, 100)).toBeCloseTo(47.5, 10);
    expect(transcribingProgress(100, 100)).toBe(BANDS.transcribing.to);
  });

  it("never leaves its band, even when chunk seconds add up to more than the duration", () => {
    expect(transcribingProgress(130, 100)).toBe(85);
    expect(transcribingProgress(5, 0)).toBe(85);
  });

  it("rises with more audio done", () => {
    let last = -1;
    for (let s = 0; s <= 3600; s += 60) {
      const p = transcribingProgress(s, 3600);
      expect(p).toBeGreaterThan(last);
      last = p;
    }
  });

  it("bands cover 0–100 in stage order without gaps", () => {
    const order = [BANDS.preparing, BANDS.transcribing, BANDS.analyzing, BANDS.finalizing];
    expect(order[0]!.from).toBe(0);
    expect(order.at(-1)!.to).toBe(100);
    for (let i = 1; i < order.length; i++) expect(order[i]!.from).toBe(order[i - 1]!.to);
  });
});

describe("partsProgress (parts still cut while the first ones transcribe)", () => {
  it("is transcribingProgress once every part is cut, and the end of the pause scan before anything is", () => {
    for (const s of [0, 30, 100]) expect(partsProgress(1, s, 100)).toBe(transcribingProgress(s, 100));
    expect(partsProgress(0, 0, 100)).toBe(preparingProgress("cutting", 0));
    expect(partsProgress(0.5, 0, 100)).toBe(preparingProgress("cutting", 0.5));
  });

  it("never moves back whichever of cutting and transcribing advances, and stays under the analysis band", () => {
    const rand = rng(11);
    for (let trial = 0; trial < 200; trial++) {
      const parts = 1 + Math.floor(rand() * 20);
      const duration = 60 + rand() * 7200;
      let cut = 0;
      let seconds = 0;
      let last = partsProgress(0, 0, duration);
      while (cut < parts || seconds < duration) {
        // transcription never runs ahead of the parts that are cut
        if (cut < parts && (rand() < 0.5 || seconds >= (cut / parts) * duration)) cut++;
        else seconds = Math.min(duration, seconds + rand() * (duration / parts));
        const p = partsProgress(cut / parts, seconds, duration);
        expect(p).toBeGreaterThanOrEqual(last);
        expect(p).toBeLessThanOrEqual(BANDS.transcribing.to);
        last = p;
      }
      expect(last).toBe(BANDS.transcribing.to);
    }
  });
});

describe("transcript exports", () => {
  const segments = [seg(0, 1.25, "Hello there.", "A"), seg(62.5, 65.0004, "General Kenobi."), seg(3723.004, 3724.9996, "Bye.", "B")];

  it("toSrt numbers cues, uses comma milliseconds and speaker prefixes", () => {
    expect(toSrt(segments)).toBe(
      [
        "1\n00:00:00,000 --> 00:00:01,250\nA: Hello there.\n",
        "2\n00:01:02,500 --> 00:01:05,000\nGeneral Kenobi.\n",
        "3\n01:02:03,004 --> 01:02:05,000\nB: Bye.\n",
      ].join("\n"),
    );
  });

  it("toVtt has the WEBVTT header, dot milliseconds and voice tags", () => {
    expect(toVtt(segments)).toBe(
      "WEBVTT\n\n" +
        [
          "00:00:00.000 --> 00:00:01.250\n<v A>Hello there.\n",
          "00:01:02.500 --> 00:01:05.000\nGeneral Kenobi.\n",
          "01:02:03.004 --> 01:02:05.000\n<v B>Bye.\n",
        ].join("\n"),
    );
  });

  it("toMarkdown puts the analysis first, then the timestamped transcript", () => {
    const metrics = {
      durationSec: 3725, wordCount: 5, wordsPerMinute: 1, speakingSec: 5, silentSec: 3720, longestPauseSec: 60,
      fillerCount: 0, fillerRatePerMin: 0, fillers: {}, keywords: [],
    };
    const insights = {
      provider: "local", summary: "They greeted.", keyPoints: [], decisions: ["Meet again."],
      actionItems: [{ who: "A", what: "book a room", when: "Friday" }], topics: ["greetings"], questions: [],
    };
    expect(toMarkdown("Sync", segments, { noSpeech: false, metrics, insights })).toBe(
      [
        "# Sync", "",
        "## Summary", "", "They greeted.", "",
        "## Decisions", "", "- Meet again.", "",
        "## Action items", "", "- **A**: book a room (Friday)", "",
        "## Topics", "", "- greetings", "",
        "## Transcript", "",
        "**[0:00]** A: Hello there.", "",
        "**[1:02]** General Kenobi.", "",
        "**[1:02:03]** B: Bye.", "",
      ].join("\n"),
    );
    expect(toMarkdown("Quiet", [], { noSpeech: true, metrics, insights })).toBe("# Quiet\n\n## Transcript\n");
  });

  it("toText is one paragraph per segment with speaker labels", () => {
    expect(toText(segments)).toBe("A: Hello there.\n\nGeneral Kenobi.\n\nB: Bye.\n");
  });

  it("handles no segments and recordings past 10 hours", () => {
    expect(toSrt([])).toBe("");
    expect(toVtt([])).toBe("WEBVTT\n\n");
    expect(toText([])).toBe("");
    expect(toSrt([seg(36_000, 36_001.5, "late")])).toBe("1\n10:00:00,000 --> 10:00:01,500\nlate\n");
  });
});
