/** Stretches of audio in seconds, and the arithmetic the VAD's results need. */
export interface Span {
  start: number;
  end: number;
}

const round3 = (n: number) => Math.round(n * 1000) / 1000;

/** Sorted, merged where they touch, clipped to [0, durationSec], rounded to the millisecond. */
export function normalizeSpans(spans: readonly Span[], durationSec: number): Span[] {
  const out: Span[] = [];
  for (const s of [...spans].sort((a, b) => a.start - b.start)) {
    const start = Math.max(0, s.start);
    const end = Math.min(durationSec, s.end);
    if (!(end > start)) continue;
    const last = out.at(-1);
    if (last && start <= last.end) last.end = Math.max(last.end, end);
    else out.push({ start, end });
  }
  return out.map((s) => ({ start: round3(s.start), end: round3(s.end) }));
}

/** The stretches between speech inside [0, durationSec]: lead-in, pauses and tail. */
export function silencesBetween(speech: readonly Span[], durationSec: number): Span[] {
  const out: Span[] = [];
  let t = 0;
  for (const s of normalizeSpans(speech, durationSec)) {
    if (s.start > t) out.push({ start: round3(t), end: s.start });
    t = s.end;
  }
  if (durationSec > t) out.push({ start: round3(t), end: round3(durationSec) });
  return out;
}
