import { describe, expect, it } from "vitest";
import { toCues, wrapLines } from "@/lib/exports/cues";
import { contentDisposition, safeFileName } from "@/lib/exports";
import { toSrt } from "@/lib/exports/formats";
import type { TranscriptSegment } from "@/lib/transcription/types";
import { rng } from "../support/random";

const LIBRIVOX =
  "And Mr. John Dashwood had then leisure to consider how much there might be prudently in his power to do for them. " +
  "He was not an ill-disposed young man, unless to be rather cold-hearted and rather selfish is to be ill-disposed. " +
  "Had he married a more amiable woman, he might have been made still more respectable than he was. He might even have been made amiable himself.";

function expectCaptionSized(cues: ReturnType<typeof toCues>, segments: TranscriptSegment[], durationSec: number) {
  expect(cues.length).toBeGreaterThan(0);
  for (const [i, c] of cues.entries()) {
    expect(c.end - c.start).toBeLessThanOrEqual(7 + 1e-3);
    expect(c.end).toBeGreaterThanOrEqual(c.start);
    expect(c.lines.length).toBeLessThanOrEqual(2);
    for (const l of c.lines) expect(l.length).toBeLessThanOrEqual(42);
    expect(c.start).toBeGreaterThanOrEqual(0);
    expect(c.end).toBeLessThanOrEqual(durationSec);
    if (i > 0) expect(c.start).toBeGreaterThanOrEqual(cues[i - 1]!.end);
    // Inside the segment it came from.
    expect(segments.some((s) => c.start >= s.start - 1e-3 && c.end <= s.end + 1e-3)).toBe(true);
  }
  // Every character, in order, nothing added (a word longer than a line is split across lines).
  const letters = (t: string) => t.replace(/\s+/g, "");
  expect(letters(cues.map((c) => c.lines.join(" ")).join(" "))).toBe(letters(segments.map((s) => s.text).join(" ")));
}

describe("caption-sized cues", () => {
  it("split a 25 s segment into cues of ≤ 7 s and two lines of ≤ 42 characters, at sentence ends where they can", () => {
    const segments = [{ start: 0.22, end: 27.9, text: LIBRIVOX }];
    const cues = toCues(segments, { durationSec: 27.93 });
    expectCaptionSized(cues, segments, 27.93);
    expect(cues.length).toBeGreaterThanOrEqual(4);
    // A sentence end is a cue end whenever it falls inside a cue that could end there.
    const ends = cues.map((c) => c.lines.join(" "));
    expect(ends.some((t) => t.endsWith("for them."))).toBe(true);
    expect(ends.at(-1)!.endsWith("amiable himself.")).toBe(true);
  });

  it("hold for random transcripts: ordered, non-overlapping, inside the recording", () => {
    const rand = rng(11);
    const vocabulary = ["the", "budget", "review", "is", "on", "Thursday,", "and", "we", "agreed.", "Next", "quarter;", "supercalifragilisticexpialidocious-and-more-words", "OK?"];
    for (let run = 0; run < 50; run++) {
      const segments: TranscriptSegment[] = [];
      let t = rand() * 2;
      for (let k = 0; k < 1 + Math.floor(rand() * 6); k++) {
        const n = 1 + Math.floor(rand() * 90);
        const text = Array.from({ length: n }, () => vocabulary[Math.floor(rand() * vocabulary.length)]).join(" ");
        const len = 0.5 + rand() * 29;
        segments.push({ start: t, end: t + len, text });
        t += len + rand() * 3;
      }
      expectCaptionSized(toCues(segments, { durationSec: t }), segments, t);
    }
  });

  it("wrap text into balanced lines, or say it does not fit", () => {
    expect(wrapLines("a short line".split(" "), 42)).toEqual(["a short line"]);
    const two = wrapLines("He was not an ill-disposed young man, unless to be rather cold-hearted".split(" "), 42)!;
    expect(two).toHaveLength(2);
    for (const l of two) expect(l.length).toBeLessThanOrEqual(42);
    expect(wrapLines(Array(30).fill("word"), 42)).toBeNull();
  });

  it("SRT of one long segment has many numbered cues", () => {
    const srt = toSrt([{ start: 0, end: 27.9, text: LIBRIVOX }], 27.93);
    expect(srt.split("\n\n").length).toBeGreaterThanOrEqual(4);
    expect(srt.startsWith("1\n00:00:00,000 --> ")).toBe(true);
  });
});

describe("export file names", () => {
  it("are safe in any file system and header", () => {
    expect(safeFileName("Weekly sync", "srt")).toBe("Weekly_sync.srt");
    expect(safeFileName('../../etc/passwd"\r\n', "txt")).toBe("etc_passwd.txt");
    expect(safeFileName("Réunion d'équipe", "md")).toBe("Reunion_d_equipe.md");
    expect(safeFileName("", "vtt")).toBe("transcript.vtt");
    expect(contentDisposition("Réunion", "Reunion.srt", "srt")).toBe(`attachment; filename="Reunion.srt"; filename*=UTF-8''R%C3%A9union.srt`);
  });
});
