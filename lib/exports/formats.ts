import type { Analysis } from "@/lib/analysis/types";
import type { TranscriptSegment } from "@/lib/transcription/types";
import { formatClock as clock, formatSubtitleTime as stamp } from "@/lib/time";
import { toCues, type Cue } from "./cues";

const label = (s: { speaker?: string }) => (s.speaker ? `${s.speaker}: ` : "");

export function toSrt(segments: readonly TranscriptSegment[], durationSec?: number): string {
  const cues = toCues(segments, { durationSec });
  return cues.map((c, i) => `${i + 1}\n${stamp(c.start, ",")} --> ${stamp(c.end, ",")}\n${srtLines(c)}\n`).join("\n");
}

function srtLines(c: Cue): string {
  return c.lines.map((l, i) => (i === 0 ? `${label(c)}${l}` : l)).join("\n");
}

export function toVtt(segments: readonly TranscriptSegment[], durationSec?: number): string {
  const cues = toCues(segments, { durationSec });
  const body = cues.map((c) => `${stamp(c.start, ".")} --> ${stamp(c.end, ".")}\n${c.speaker ? `<v ${c.speaker}>` : ""}${c.lines.join("\n")}\n`);
  return `WEBVTT\n\n${body.join("\n")}`;
}

/** Readable paragraphs: one per segment (a stretch of speech), not one per caption. */
export function toText(segments: readonly TranscriptSegment[]): string {
  return segments.map((s) => `${label(s)}${s.text}`).join("\n\n") + (segments.length ? "\n" : "");
}

/** Notes to paste into a doc or a ticket: the analysis first, then the timestamped transcript. */
export function toMarkdown(title: string, segments: readonly TranscriptSegment[], analysis: Analysis | null): string {
  const out = [`# ${title}`, ""];
  const list = (heading: string, items: string[]) => {
    if (items.length) out.push(`## ${heading}`, "", ...items.map((i) => `- ${i}`), "");
  };
  if (analysis && !analysis.noSpeech) {
    const i = analysis.insights;
    out.push("## Summary", "", i.summary, "");
    list("Key points", i.keyPoints);
    list("Decisions", i.decisions);
    list("Action items", i.actionItems.map((a) => [a.who && `**${a.who}**:`, a.what, a.when && `(${a.when})`].filter(Boolean).join(" ")));
    list("Questions", i.questions);
    list("Topics", i.topics);
  }
  out.push("## Transcript", "");
  for (const s of segments) out.push(`**[${clock(s.start)}]** ${label(s)}${s.text}`, "");
  return out.join("\n");
}
