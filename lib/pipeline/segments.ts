import { formatClock } from "@/lib/time";
import type { AudioSpan, TranscriptSegment } from "@/lib/transcription/types";

/**
 * Segment geometry: a chunk's transcriber answers in the chunk's own time;
 * these put it in the recording's time and keep the merged transcript ordered.
 */

const round3 = (n: number) => Math.round(n * 1000) / 1000;

/** Shifts a chunk's segments to recording time and keeps them inside the chunk. */
export function toGlobalTime(segments: TranscriptSegment[], offset: number, chunkEnd: number): TranscriptSegment[] {
  return segments
    .filter((s) => s.text.trim())
    .map((s) => ({ ...s, text: s.text.trim(), ...shift(s, offset, chunkEnd) }));
}

/** Like toGlobalTime, for stretches without text. */
export function spansToGlobalTime(spans: AudioSpan[], offset: number, chunkEnd: number): AudioSpan[] {
  return spans.map((s) => shift(s, offset, chunkEnd)).filter((s) => s.end > s.start);
}

function shift(s: AudioSpan, offset: number, chunkEnd: number): AudioSpan {
  return {
    start: round3(Math.min(offset + Math.max(0, s.start), chunkEnd)),
    end: round3(Math.min(offset + Math.max(0, s.start, s.end), chunkEnd)),
  };
}

/** Overlaps at chunk seams are clipped so timestamps never go backwards. */
export function monotonic(segments: TranscriptSegment[]): TranscriptSegment[] {
  const out: TranscriptSegment[] = [];
  let lastEnd = 0;
  for (const s of [...segments].sort((a, b) => a.start - b.start)) {
    const start = Math.max(s.start, lastEnd);
    const end = Math.max(start, s.end);
    out.push({ ...s, start, end });
    lastEnd = end;
  }
  return out;
}

/** "0:26–0:52 and 3:10–3:14", for the activity log. */
export function describeSpans(spans: AudioSpan[]): string {
  const parts = spans.map((s) => `${formatClock(s.start)}–${formatClock(Math.ceil(s.end))}`);
  return parts.length > 1 ? `${parts.slice(0, -1).join(", ")} and ${parts.at(-1)}` : (parts[0] ?? "");
}
