import type { TranscriptSegment } from "@/lib/transcription/types";

/**
 * Caption-sized cues from transcript segments: at most `maxSec` on screen and two lines of
 * `maxLineChars`, split at sentence ends first, then clause marks, then between words, with
 * times that stay inside the segment they come from (each word gets the segment's time in
 * proportion to its characters: the providers give no word times). A 25 s segment became
 * one 25 s, 300-character cue before; captions are normally ≤ 7 s and two lines of ~42.
 */
export interface Cue {
  start: number;
  end: number;
  lines: string[];
  speaker?: string;
}

export interface CueOptions {
  maxSec?: number;
  maxLineChars?: number;
  maxLines?: number;
  /** The recording's length: no cue runs past it. */
  durationSec?: number;
}

interface TimedWord {
  text: string;
  start: number;
  end: number;
}

const SENTENCE_END = /[.!?…]["')\]]*$/;
const CLAUSE_END = /[,;:—–]["')\]]*$|^[—–-]$/;

/** Splits a word longer than a line into line-sized pieces (a URL, a run-on token). */
function pieces(word: string, max: number): string[] {
  if (word.length <= max) return [word];
  const out: string[] = [];
  for (let i = 0; i < word.length; i += max) out.push(word.slice(i, i + max));
  return out;
}

function timedWords(s: TranscriptSegment, maxLineChars: number): TimedWord[] {
  const words = s.text.split(/\s+/).filter(Boolean).flatMap((w) => pieces(w, maxLineChars));
  const weights = words.map((w) => w.length + 1);
  const total = weights.reduce((a, b) => a + b, 0);
  const span = Math.max(0, s.end - s.start);
  let t = s.start;
  return words.map((text, i) => {
    const start = t;
    t = i === words.length - 1 ? s.end : t + (span * (weights[i] ?? 0)) / total;
    return { text, start, end: t };
  });
}

/** Wraps words into at most `maxLines` lines of `maxChars`, as balanced as possible; null when they do not fit. */
export function wrapLines(words: readonly string[], maxChars: number, maxLines = 2): string[] | null {
  const one = words.join(" ");
  if (one.length <= maxChars) return [one];
  if (maxLines < 2) return null;
  let best: string[] | null = null;
  let bestScore = Infinity;
  for (let k = 1; k < words.length; k++) {
    const a = words.slice(0, k).join(" ");
    if (a.length > maxChars) break;
    const rest = wrapLines(words.slice(k), maxChars, maxLines - 1);
    if (!rest) continue;
    const lines = [a, ...rest];
    const score = Math.max(...lines.map((l) => l.length)) - Math.min(...lines.map((l) => l.length));
    if (score < bestScore) {
      best = lines;
      bestScore = score;
    }
  }
  return best;
}

export function toCues(segments: readonly TranscriptSegment[], options: CueOptions = {}): Cue[] {
  const maxSec = options.maxSec ?? 7;
  const maxChars = options.maxLineChars ?? 42;
  const maxLines = options.maxLines ?? 2;
  const cues: Cue[] = [];
  for (const s of segments) {
    const words = timedWords(s, maxChars);
    let i = 0;
    while (i < words.length) {
      // The longest run from word i that fits on screen, in lines and in time.
      let j = i;
      while (
        j + 1 < words.length &&
        words[j + 1]!.end - words[i]!.start <= maxSec &&
        wrapLines(words.slice(i, j + 2).map((w) => w.text), maxChars, maxLines)
      ) {
        j++;
      }
      // Then the best place to end the cue inside it: a sentence end, else a clause mark,
      // as late as possible but not leaving a crumb of a cue behind.
      let cut = j;
      if (j + 1 < words.length) {
        const minK = i + Math.floor((j - i) * 0.4);
        const at = (re: RegExp) => {
          for (let k = j; k >= minK; k--) if (re.test(words[k]!.text)) return k;
          return -1;
        };
        const sentence = at(SENTENCE_END);
        const clause = sentence >= 0 ? -1 : at(CLAUSE_END);
        cut = sentence >= 0 ? sentence : clause >= 0 ? clause : j;
      }
      const chosen = words.slice(i, cut + 1);
      cues.push({
        start: chosen[0]!.start,
        // One word alone may be given more time than a cue may stay on screen (a short
        // transcript over a long segment): it is shown for the first maxSec of its share.
        end: Math.min(chosen.at(-1)!.end, chosen[0]!.start + maxSec),
        lines: wrapLines(chosen.map((w) => w.text), maxChars, maxLines) ?? [chosen.map((w) => w.text).join(" ")],
        ...(s.speaker ? { speaker: s.speaker } : {}),
      });
      i = cut + 1;
    }
  }
  // Ordered, never overlapping, inside the recording.
  const limit = options.durationSec;
  const out: Cue[] = [];
  for (const c of cues.sort((a, b) => a.start - b.start)) {
    const prevEnd = out.at(-1)?.end ?? 0;
    const start = Math.max(c.start, prevEnd);
    const end = Math.min(limit ?? Infinity, Math.max(start, c.end));
    if (end - start < 0.001 && limit !== undefined && start >= limit) continue;
    out.push({ ...c, start: round3(start), end: round3(end) });
  }
  return out;
}

const round3 = (n: number) => Math.round(n * 1000) / 1000;
