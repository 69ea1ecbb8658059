import { describe, expect, it } from "vitest";
import { computeMetrics, countFillers } from "@/lib/analysis/metrics";
import { lemma, splitSentences, tokenize } from "@/lib/analysis/text";
import type { TranscriptSegment } from "@/lib/transcription/types";

// Whisper-style punctuation, with fillers placed where the counts below can be checked by eye:
// um 1, uh 1, i mean 1, kind of 1 (the "what kind of" is literal), hmm 1, like 1
// (the "looks like" is not), you know 1 (the "do you know how" is literal) → 7.
const MEETING = `Okay, um, let's get started. This is the weekly planning meeting for the mobile app launch. The main topic is the launch date, because the payment integration is behind schedule. Marcus, can you give us an update on the payment integration?

Sure. So, uh, the payment integration is about two weeks behind. The payment provider changed their API last month, and we had to rewrite the checkout flow. I mean, the new checkout flow is kind of better, but it took time. It looks like the remaining work is mostly testing the checkout flow on Android.

What kind of testing is left? Do you know how many devices we still need to cover?

We need to cover about twenty Android devices. Hmm, maybe fifteen if we drop the older tablets. It's, like, a week of testing, you know, if nothing breaks.`;

const seg = (start: number, end: number, text = "some words here"): TranscriptSegment => ({ start, end, text });

describe("computeMetrics: words and fillers", () => {
  it("counts the fillers in a meeting exactly, skipping literal uses", () => {
    const m = computeMetrics({ segments: [seg(0, 90, MEETING)], text: MEETING, durationSec: 100 });
    expect(m.fillers).toEqual({ um: 1, uh: 1, "i mean": 1, "kind of": 1, hmm: 1, like: 1, "you know": 1 });
    expect(m.fillerCount).toBe(7);
    // per minute of speaking (90 s), not of the recording (100 s)
    expect(m.fillerRatePerMin).toBeCloseTo(7 / 1.5, 2);
  });

  it("counts words as spoken, keeping contractions, hyphenated words and decimals whole", () => {
    const text = "Don't stop, it's a follow-up on 3.5 percent — um, right?";
    const m = computeMetrics({ segments: [seg(0, 6, text)], text, durationSec: 6 });
    // Don't stop it's a follow-up on 3.5 percent um right
    expect(m.wordCount).toBe(10);
    expect(m.wordsPerMinute).toBe(100);
  });

  it("does not count the literal uses of filler phrases", () => {
    const text =
      "Do you know the answer? What kind of database is it? I like pizza. It looks like rain. I mean it. This sort of thing happens. What I mean is simple.";
    expect(countFillers(tokenize(text))).toEqual({});
  });

  it("counts filler phrases set off as fillers, and stretched hesitation sounds", () => {
    const text =
      "It was, like, huge. Like, we shipped it. You know, it's sort of fine. I mean, ummm, uhh, hmm. Erm, er, ahh.";
    expect(countFillers(tokenize(text))).toEqual({
      like: 2,
      "you know": 1,
      "sort of": 1,
      "i mean": 1,
      um: 1,
      uh: 1,
      hmm: 1,
      erm: 1,
      er: 1,
      ah: 1,
    });
  });

  it("never counts 'like' without punctuation, because it cannot be told apart", () => {
    const text = "it was like huge and we like shipped it like yesterday";
    expect(countFillers(tokenize(text))).toEqual({});
  });

  it("leaves filler and keyword rules out for other languages", () => {
    const text = "Eh, bueno, um, el presupuesto del proyecto y el presupuesto del equipo.";
    const m = computeMetrics({ segments: [seg(0, 5, text)], text, durationSec: 5, language: "es" });
    expect(m.wordCount).toBe(12);
    expect(m.fillers).toEqual({});
    expect(m.fillerCount).toBe(0);
    expect(m.keywords).toEqual([]);
  });
});

describe("computeMetrics: keywords", () => {
  it("ranks the central terms of a meeting and leaves out stop words and fillers", () => {
    const m = computeMetrics({ segments: [seg(0, 90, MEETING)], text: MEETING, durationSec: 100 });
    expect(m.keywords.length).toBe(10);
    expect(m.keywords.slice(0, 4)).toEqual(["payment", "integration", "checkout", "flow"]);
    expect(m.keywords).toContain("launch");
    for (const w of ["the", "um", "uh", "like", "know", "mean", "kind", "okay", "we", "is", "twenty"]) {
      expect(m.keywords).not.toContain(w);
    }
  });

  it("folds plurals into the singular that was said, drops numbers, breaks ties by first mention", () => {
    const text =
      "Budgets and databases. The database team reviewed the budget. 2024 2024 2024 caches boxes matches. The budget again.";
    const m = computeMetrics({ segments: [seg(0, 10, text)], text, durationSec: 10 });
    expect(m.keywords).toEqual(["budget", "database", "team", "reviewed", "cache", "box", "match"]);
  });

  it("keeps words that only look plural", () => {
    expect(lemma("status")).toBe("status");
    expect(lemma("analysis")).toBe("analysis");
    expect(lemma("process")).toBe("process");
    expect(lemma("stories")).toBe("story");
    expect(lemma("team's")).toBe("team");
    expect(lemma("releases", new Set(["release"]))).toBe("release");
  });
});

describe("computeMetrics: time", () => {
  it("does not double-count overlapping segments", () => {
    const m = computeMetrics({
      segments: [seg(0, 10), seg(5, 12), seg(20, 30)],
      text: "one two three four five six seven eight nine",
      durationSec: 40,
    });
    expect(m.speakingSec).toBe(22);
    expect(m.silentSec).toBe(18);
    expect(m.longestPauseSec).toBe(8); // 12 → 20; the 10 s tail is not a pause
    expect(m.wordsPerMinute).toBeCloseTo(9 / (22 / 60), 2);
  });

  it("clips segments to the audio and ignores empty or inverted ones", () => {
    const m = computeMetrics({
      segments: [seg(-2, 3), seg(35, 50), seg(10, 20, "  "), seg(25, 24), seg(Number.NaN, 5)],
      text: "hello there everyone",
      durationSec: 40,
    });
    expect(m.speakingSec).toBe(8); // [0,3] + [35,40]
    expect(m.longestPauseSec).toBe(32);
  });

  it("prefers measured silences over segment timestamps, excluding lead-in and tail from pauses", () => {
    const m = computeMetrics({
      segments: [seg(0, 40)],
      text: "a padded segment that covers everything",
      durationSec: 40,
      silences: [
        { start: 0, end: 2 },
        { start: 10, end: 13 },
        { start: 12, end: 14.5 }, // overlaps the previous one
        { start: 20, end: 21 },
        { start: 37, end: 45 }, // runs past the end, as a final silence_end can
      ],
    });
    expect(m.speakingSec).toBe(40 - 2 - 4.5 - 1 - 3);
    expect(m.silentSec).toBe(10.5);
    expect(m.longestPauseSec).toBe(4.5);
  });

  it("falls back to the last segment end when the duration is unknown", () => {
    const m = computeMetrics({ segments: [seg(0, 4), seg(6, 12)], text: "a b c d e f", durationSec: 0 });
    expect(m.durationSec).toBe(12);
    expect(m.speakingSec).toBe(10);
    expect(m.longestPauseSec).toBe(2);
  });

  it("assumes speech fills the audio when words come without timestamps", () => {
    const m = computeMetrics({ segments: [], text: "one two three four five six", durationSec: 30 });
    expect(m.speakingSec).toBe(30);
    expect(m.wordsPerMinute).toBe(12);
  });

  it("reports silence as zero speech, not as an error", () => {
    for (const silences of [undefined, [{ start: 5, end: 10 }]]) {
      const m = computeMetrics({ segments: [], text: "  ", durationSec: 30, silences });
      expect(m).toEqual({
        durationSec: 30,
        wordCount: 0,
        wordsPerMinute: 0,
        speakingSec: 0,
        silentSec: 30,
        longestPauseSec: 0,
        fillerCount: 0,
        fillerRatePerMin: 0,
        fillers: {},
        keywords: [],
      });
    }
  });

  it("reads the words from the segments when the text is empty", () => {
    const m = computeMetrics({ segments: [seg(0, 3, "hello there"), seg(3, 6, "general budget")], text: "", durationSec: 6 });
    expect(m.wordCount).toBe(4);
    expect(m.keywords).toEqual(["general", "budget"]);
  });
});

describe("sentence splitting", () => {
  it("keeps abbreviations and decimals inside a sentence", () => {
    expect(splitSentences("Dr. Lee joined at 3.5 hours in. Then e.g. the budget came up! Why? Done")).toEqual([
      "Dr. Lee joined at 3.5 hours in.",
      "Then e.g. the budget came up!",
      "Why?",
      "Done",
    ]);
  });

  it("falls back to segment boundaries when the text has no punctuation", () => {
    const words = (n: number, w: string): string => Array.from({ length: n }, () => w).join(" ");
    const segments = [seg(0, 10, words(25, "alpha")), seg(10, 20, words(25, "beta")), seg(20, 30, words(25, "gamma"))];
    const text = segments.map((s) => s.text).join(" ");
    expect(splitSentences(text, segments)).toEqual(segments.map((s) => s.text));
    // no segments to go by: cut into windows rather than one 75-word sentence
    expect(splitSentences(text).length).toBe(3);
  });
});
