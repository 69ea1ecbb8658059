import { describe, expect, it, vi } from "vitest";
import { analyzeTranscript, buildAnalysis, localAnalyzer, NO_SPEECH_SUMMARY } from "@/lib/analysis/local";
import type { Analyzer, Insights } from "@/lib/analysis/types";
import type { TranscriptSegment } from "@/lib/transcription/types";

// A short stand-up as a provider would return it: one segment per turn, with a pause.
const SEGMENTS: TranscriptSegment[] = [
  { start: 0.5, end: 9, text: "Morning. Um, yesterday I finished the invoice export and fixed the invoice totals bug.", speaker: "A" },
  { start: 9.2, end: 17, text: "Today I'm working on the invoice email templates, uh, which are kind of messy.", speaker: "A" },
  { start: 21, end: 30, text: "Jo will review the invoice export pull request by Thursday. Is the staging server back up?", speaker: "B" },
  { start: 30.5, end: 38, text: "Yes, the staging server is back. We decided to freeze the invoice schema until the release.", speaker: "A" },
];
const TEXT = SEGMENTS.map((s) => s.text).join(" ");

describe("localAnalyzer", () => {
  it("is labelled local and fills what it honestly can", async () => {
    expect(localAnalyzer.name).toBe("local");
    const insights = await localAnalyzer.analyze({ segments: SEGMENTS, text: TEXT, durationSec: 40, language: "en" });
    expect(insights.provider).toBe("local");
    expect(insights.language).toBe("en");
    expect(insights.sentiment).toBeUndefined();
    expect(TEXT).toContain(insights.summary);
    expect(insights.summary).toMatch(/invoice/);
    expect(insights.topics[0]).toBe("invoice");
    expect(insights.questions).toEqual(["Is the staging server back up?"]);
    expect(insights.decisions).toEqual(["We decided to freeze the invoice schema until the release."]);
    expect(insights.actionItems).toEqual([
      { who: "Jo", what: "review the invoice export pull request by Thursday", when: "by Thursday" },
    ]);
  });

  it("stops before working when the job is cancelled", async () => {
    const controller = new AbortController();
    controller.abort(new Error("cancelled"));
    await expect(
      localAnalyzer.analyze({ segments: SEGMENTS, text: TEXT, durationSec: 40, signal: controller.signal }),
    ).rejects.toThrow("cancelled");
  });
});

describe("buildAnalysis", () => {
  it("joins measured metrics with the insights", async () => {
    const insights = await localAnalyzer.analyze({ segments: SEGMENTS, text: TEXT, durationSec: 40 });
    const a = buildAnalysis({ segments: SEGMENTS, text: TEXT, durationSec: 40, insights });
    expect(a.noSpeech).toBe(false);
    expect(a.insights).toBe(insights);
    expect(a.metrics.wordCount).toBe(60);
    expect(a.metrics.speakingSec).toBe(8.5 + 7.8 + 9 + 7.5);
    expect(a.metrics.longestPauseSec).toBe(4); // 17 → 21; the 0.5 s lead-in is not a pause
    expect(a.metrics.fillers).toEqual({ um: 1, uh: 1, "kind of": 1 });
    expect(a.metrics.keywords[0]).toBe("invoice");
  });

  it("uses measured silences when given", () => {
    const a = buildAnalysis({
      segments: SEGMENTS,
      text: TEXT,
      durationSec: 40,
      silences: [
        { start: 0, end: 0.8 },
        { start: 17.1, end: 20.9 },
        { start: 38.2, end: 40 },
      ],
      insights: { provider: "local", summary: "x", keyPoints: [], decisions: [], actionItems: [], topics: [], questions: [] },
    });
    expect(a.metrics.speakingSec).toBeCloseTo(40 - 0.8 - 3.8 - 1.8, 6);
    expect(a.metrics.longestPauseSec).toBe(3.8);
  });

  it("reports silence as no speech, overriding whatever an analyser claimed", () => {
    const invented: Insights = {
      provider: "openai:gpt-4o-mini",
      summary: "The speaker discussed quarterly results.",
      keyPoints: ["Results"],
      decisions: [],
      actionItems: [{ what: "Follow up" }],
      topics: ["results"],
      questions: [],
      sentiment: "positive",
    };
    const a = buildAnalysis({ segments: [{ start: 0, end: 2, text: " " }], text: "", durationSec: 12, insights: invented });
    expect(a.noSpeech).toBe(true);
    expect(a.metrics.wordCount).toBe(0);
    expect(a.metrics.silentSec).toBe(12);
    expect(a.insights).toEqual({
      provider: "openai:gpt-4o-mini",
      summary: NO_SPEECH_SUMMARY,
      keyPoints: [],
      decisions: [],
      actionItems: [],
      topics: [],
      questions: [],
    });
  });
});

describe("analyzeTranscript", () => {
  const spy = (): Analyzer & { analyze: ReturnType<typeof vi.fn> } => ({
    name: "fake",
    analyze: vi.fn(async (): Promise<Insights> => ({
      provider: "fake",
      summary: "s",
      keyPoints: [],
      decisions: [],
      actionItems: [],
      topics: [],
      questions: [],
    })),
  });

  it("does not ask the analyser about silence", async () => {
    const analyzer = spy();
    const a = await analyzeTranscript({ segments: [], text: "", durationSec: 5 }, analyzer);
    expect(analyzer.analyze).not.toHaveBeenCalled();
    expect(a.noSpeech).toBe(true);
    expect(a.insights.provider).toBe("local");
    expect(a.insights.summary).toBe(NO_SPEECH_SUMMARY);
  });

  it("passes speech to the analyser and defaults to the local one", async () => {
    const analyzer = spy();
    const a = await analyzeTranscript({ segments: SEGMENTS, text: TEXT, durationSec: 40 }, analyzer);
    expect(analyzer.analyze).toHaveBeenCalledOnce();
    expect(a.insights.provider).toBe("fake");
    const local = await analyzeTranscript({ segments: SEGMENTS, text: TEXT, durationSec: 40 });
    expect(local.insights.provider).toBe("local");
  });
});

describe("speed", () => {
  // ~6000 words, about 40 minutes of talk: sentences drawn from a 600-word vocabulary
  // with the everyday words, fillers and commitments a meeting has.
  function longMeeting(): { text: string; segments: TranscriptSegment[] } {
    let seed = 7;
    const rand = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const vocab = Array.from({ length: 600 }, (_, i) => `topic${i.toString(36)}`);
    const glue = ["the", "and", "we", "it", "is", "to", "of", "um", "you know", "so", "like,", "I think", "that"];
    const segments: TranscriptSegment[] = [];
    let t = 0;
    let words = 0;
    while (words < 6000) {
      const n = 6 + Math.floor(rand() * 14);
      const parts = Array.from({ length: n }, () =>
        rand() < 0.45 ? glue[Math.floor(rand() * glue.length)] : vocab[Math.floor(rand() ** 2 * vocab.length)],
      );
      let s = `${parts.join(" ")}${rand() < 0.1 ? "?" : "."}`;
      if (rand() < 0.05) s = `Sam will send the report by Friday and ${s}`;
      segments.push({ start: t, end: t + n * 0.4, text: s[0]?.toUpperCase() + s.slice(1) });
      words += n;
      t += n * 0.4 + rand() * 1.5;
    }
    return { text: segments.map((s) => s.text).join(" "), segments };
  }

  it("analyses a 40-minute transcript well under a second", async () => {
    const { text, segments } = longMeeting();
    const durationSec = (segments.at(-1)?.end ?? 0) + 5;
    await analyzeTranscript({ segments, text, durationSec }); // warm up the JIT
    const t0 = performance.now();
    const a = await analyzeTranscript({ segments, text, durationSec });
    const ms = performance.now() - t0;
    expect(a.metrics.wordCount).toBeGreaterThanOrEqual(6000);
    expect(a.insights.summary.length).toBeGreaterThan(0);
    console.info(`analyzeTranscript: ${a.metrics.wordCount} words in ${ms.toFixed(0)} ms`);
    expect(ms).toBeLessThan(1000);
  });
});
