import type { Analysis } from "@/lib/analysis/types";
import type { TranscriptSegment } from "@/lib/transcription/types";
import { formatClock, formatSubtitleTime as stamp } from "@/lib/time";

const label = (s: TranscriptSegment) => (s.speaker ? `${s.speaker}: ` : "");

export function toSrt(segments: TranscriptSegment[]): string {
  return segments.map((s, i) => `${i + 1}\n${stamp(s.start, ",")} --> ${stamp(s.end, ",")}\n${label(s)}${s.text}\n`).join("\n");
}

export function toVtt(segments: TranscriptSegment[]): string {
  return `WEBVTT\n\n${segments.map((s) => `${stamp(s.start, ".")} --> ${stamp(s.end, ".")}\n${s.speaker ? `<v ${s.speaker}>` : ""}${s.text}\n`).join("\n")}`;
}

export function toText(segments: TranscriptSegment[]): string {
  return segments.map((s) => `${label(s)}${s.text}`).join("\n");
}

/** Notes to paste into a doc or a ticket: the analysis first, then the timestamped transcript. */
export function toMarkdown(title: string, segments: TranscriptSegment[], analysis: Analysis | null): string {
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
  for (const s of segments) out.push(`**[${formatClock(s.start)}]** ${label(s)}${s.text}`, "");
  return out.join("\n");
}

export function download(name: string, body: string, type: string): void {
  const url = URL.createObjectURL(new Blob([body], { type }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
