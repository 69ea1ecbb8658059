import type { SpeechMetrics } from "@/lib/analysis/types";
import type { TranscriptSegment } from "@/lib/transcription/types";
import { fillerSound, tokenize, topKeywords, type Token } from "@/lib/analysis/text";

/** A silent stretch as reported by ffmpeg's silencedetect (silence_start / silence_end), in seconds. */
export interface SilenceInterval {
  start: number;
  end: number;
}

export interface MetricsInput {
  segments: readonly TranscriptSegment[];
  text: string;
  durationSec: number;
  /** From ffmpeg silencedetect; when given, it measures speaking time instead of the segment timestamps. */
  silences?: readonly SilenceInterval[];
  /** ISO-639-1. Filler words and keywords are English rules; other languages get none rather than wrong ones. */
  language?: string;
}

export const KEYWORD_LIMIT = 10;

/**
 * A silence closer than this to the start or end of the audio is lead-in or tail,
 * not a pause: silencedetect reports times with a few milliseconds of jitter.
 */
const EDGE_TOLERANCE_SEC = 0.1;

type Interval = readonly [number, number];

/** Sorted, non-overlapping union of intervals clipped to [0, limit]; invalid ones are dropped. */
function union(intervals: Iterable<Interval>, limit: number): Interval[] {
  const clipped: Array<[number, number]> = [];
  for (const [a, b] of intervals) {
    if (!Number.isFinite(a) || !Number.isFinite(b)) continue;
    const s = Math.max(0, a);
    const e = Math.min(limit, b);
    if (e > s) clipped.push([s, e]);
  }
  clipped.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  const merged: Array<[number, number]> = [];
  for (const iv of clipped) {
    const last = merged[merged.length - 1];
    if (last && iv[0] <= last[1]) last[1] = Math.max(last[1], iv[1]);
    else merged.push([iv[0], iv[1]]);
  }
  return merged;
}

function total(intervals: readonly Interval[]): number {
  return intervals.reduce((sum, [s, e]) => sum + (e - s), 0);
}

const round2 = (n: number): number => Math.round(n * 100) / 100;

const isWordy = (s: TranscriptSegment): boolean => /[\p{L}\p{N}]/u.test(s.text);

// "Do you know the answer" and "what I mean is" are not fillers; these neighbours
// (with no punctuation in between) mark the literal uses.
const YOU_KNOW_LITERAL_BEFORE = new Set([
  "do", "did", "does", "don't", "didn't", "doesn't", "if", "whether", "would", "could", "can", "will", "should",
  "might", "as", "that", "what", "how",
]);
const YOU_KNOW_LITERAL_AFTER = new Set([
  "that", "how", "why", "where", "when", "who", "whether", "if", "about", "the", "a", "an", "him", "her", "them",
  "it", "this", "me", "us", "my", "your", "his", "our", "their", "anything", "something", "everything", "nothing",
  "any", "some",
]);
const I_MEAN_LITERAL_BEFORE = new Set(["what", "do", "did", "don't", "didn't", "does", "doesn't", "that's"]);
const I_MEAN_LITERAL_AFTER = new Set(["it", "to"]);
// "what kind of database", "this sort of thing": a determiner before makes it a noun phrase, not a hedge.
const KIND_OF_LITERAL_BEFORE = new Set([
  "a", "an", "the", "this", "that", "these", "those", "what", "which", "any", "some", "every", "each", "one", "same",
  "different", "other", "another", "new", "right", "wrong", "whole", "my", "your", "his", "her", "our", "their",
  "its", "all", "no", "certain", "particular", "similar",
]);
const LIKE_FILLER_AFTER = new Set(["is", "was", "are", "were", "it's", "that's", "and", "but", "so", "just", "been"]);

const joined = (gap: string): boolean => !/[^\s]/.test(gap); // nothing but whitespace between two words
const hasComma = (gap: string): boolean => /[,;:—–-]/.test(gap);
const sentenceStart = (gap: string, index: number): boolean => index === 0 || /[.!?…]/.test(gap);

/**
 * English filler words, by canonical form. Hesitation sounds (um, uh, erm, er, ah,
 * hmm) always count. The phrases "you know", "i mean", "kind of" and "sort of"
 * count unless a neighbouring word shows the literal use ("do you know the…",
 * "what kind of…"). "like" counts only when punctuation sets it off as a filler
 * ("it was, like, huge"; "Like, we…"); with no commas in the transcript it is never
 * counted, because "I like it" / "looks like" cannot be told apart from the filler
 * by words alone: an undercount is preferred to inventing hesitations.
 * Many ASR models drop hesitation sounds, so these counts are a floor.
 */
export function countFillers(tokens: readonly Token[]): Record<string, number> {
  const counts: Record<string, number> = {};
  const add = (k: string): void => {
    counts[k] = (counts[k] ?? 0) + 1;
  };
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (!t) continue;
    const sound = fillerSound(t.word);
    if (sound) {
      add(sound);
      continue;
    }
    const next = tokens[i + 1];
    const prev = tokens[i - 1];
    const prevWord = prev && joined(t.gapBefore) ? prev.word : undefined;
    const after = tokens[i + 2];
    const afterWord = next && after && joined(next.gapAfter) ? after.word : undefined;
    const pair = next && joined(t.gapAfter) ? `${t.word} ${next.word}` : undefined;
    if (pair === "you know") {
      if (!(prevWord && YOU_KNOW_LITERAL_BEFORE.has(prevWord)) && !(afterWord && YOU_KNOW_LITERAL_AFTER.has(afterWord))) {
        add(pair);
        i++;
      }
    } else if (pair === "i mean") {
      if (!(prevWord && I_MEAN_LITERAL_BEFORE.has(prevWord)) && !(afterWord && I_MEAN_LITERAL_AFTER.has(afterWord))) {
        add(pair);
        i++;
      }
    } else if (pair === "kind of" || pair === "sort of") {
      if (!(prevWord && KIND_OF_LITERAL_BEFORE.has(prevWord))) {
        add(pair);
        i++;
      }
    } else if (t.word === "like" && next && hasComma(t.gapAfter)) {
      const setOffBefore = sentenceStart(t.gapBefore, i) || hasComma(t.gapBefore);
      if (setOffBefore || (prevWord !== undefined && LIKE_FILLER_AFTER.has(prevWord))) add("like");
    }
  }
  return counts;
}

/**
 * Measures a transcript against its audio.
 *
 * - wordCount counts every spoken word, fillers included (they were said).
 * - speakingSec is the union of the segments that contain words, clipped to
 *   [0, durationSec], so overlapping segments (cross-talk, chunk seams) are not
 *   counted twice. When `silences` from ffmpeg silencedetect are given it is
 *   durationSec minus their union instead: it measures the audio itself rather than
 *   provider timestamps, which tend to pad segments over short pauses. It also
 *   counts non-speech sound (music, noise) as speaking; with no words at all it is 0.
 *   A transcript with words but no timed segments is assumed to fill the duration.
 * - wordsPerMinute and fillerRatePerMin are per minute of speaking time, not of the
 *   recording, so a long silent tail does not make someone sound slow; 0 when
 *   nobody speaks.
 * - longestPauseSec is the longest silence between two stretches of speech; lead-in
 *   and trailing silence are not pauses.
 * - fillers lists only the fillers that occurred (see `countFillers`).
 * - keywords: the ten most frequent content lemmas ("meetings" → "meeting"), stop
 *   words, fillers and numbers excluded; ties go to the term said first.
 */
export function computeMetrics(input: MetricsInput): SpeechMetrics {
  const { segments, silences } = input;
  const text = input.text.trim() ? input.text : segments.map((s) => s.text).join(" ");
  const spoken = segments.filter(isWordy);
  const lastEnd = spoken.reduce((m, s) => (Number.isFinite(s.end) ? Math.max(m, s.end) : m), 0);
  // A missing duration (0/NaN from a failed probe) must not erase every segment.
  const durationSec = Number.isFinite(input.durationSec) && input.durationSec > 0 ? input.durationSec : lastEnd;

  const tokens = tokenize(text);
  const wordCount = tokens.length;
  const english = input.language === undefined || /^en\b/i.test(input.language);

  let speakingSec = 0;
  let longestPauseSec = 0;
  if (wordCount > 0) {
    const speech = union(
      spoken.map((s): Interval => [s.start, s.end]),
      durationSec,
    );
    if (silences) {
      const quiet = union(
        silences.map((s): Interval => [s.start, s.end]),
        durationSec,
      );
      speakingSec = durationSec - total(quiet);
      for (const [s, e] of quiet) {
        const interior = s > EDGE_TOLERANCE_SEC && e < durationSec - EDGE_TOLERANCE_SEC;
        if (interior) longestPauseSec = Math.max(longestPauseSec, e - s);
      }
    } else if (speech.length > 0) {
      speakingSec = total(speech);
      for (let i = 1; i < speech.length; i++) {
        const gap = (speech[i]?.[0] ?? 0) - (speech[i - 1]?.[1] ?? 0);
        longestPauseSec = Math.max(longestPauseSec, gap);
      }
    } else {
      speakingSec = durationSec;
    }
  }
  speakingSec = Math.max(0, Math.min(durationSec, speakingSec));

  const fillers = english ? countFillers(tokens) : {};
  const fillerCount = Object.values(fillers).reduce((a, b) => a + b, 0);
  const speakingMin = speakingSec / 60;

  return {
    durationSec: round2(durationSec),
    wordCount,
    wordsPerMinute: speakingMin > 0 ? round2(wordCount / speakingMin) : 0,
    speakingSec: round2(speakingSec),
    silentSec: round2(durationSec - speakingSec),
    longestPauseSec: round2(longestPauseSec),
    fillerCount,
    fillerRatePerMin: speakingMin > 0 ? round2(fillerCount / speakingMin) : 0,
    fillers,
    keywords: english ? topKeywords(text, KEYWORD_LIMIT) : [],
  };
}
