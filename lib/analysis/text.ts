import type { TranscriptSegment } from "@/lib/transcription/types";
import { STOP_WORDS } from "@/lib/analysis/stopwords";

/** One word of a transcript, with the punctuation around it kept for the rules that need it. */
export interface Token {
  /** Lower-case, curly apostrophes made straight. */
  word: string;
  /** As written; capitalisation tells names from common words. */
  raw: string;
  /** Whatever separates this word from the previous one (or the start), e.g. ", " or ". ". */
  gapBefore: string;
  /** Whatever follows up to the next word (or the end). */
  gapAfter: string;
}

// Apostrophes and hyphens inside a word keep it whole ("don't", "follow-up"); a
// decimal point keeps a number whole ("3.5") without gluing "node.js" into one word.
const WORD_RE = /[\p{L}\p{N}]+(?:['’\-][\p{L}\p{N}]+|\.\p{N}+)*/gu;

export function normalizeWord(raw: string): string {
  return raw.toLowerCase().replace(/’/g, "'");
}

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let last = 0;
  for (const m of text.matchAll(WORD_RE)) {
    const start = m.index;
    const prev = tokens[tokens.length - 1];
    const gap = text.slice(last, start);
    if (prev) prev.gapAfter = gap;
    tokens.push({ word: normalizeWord(m[0]), raw: m[0], gapBefore: gap, gapAfter: "" });
    last = start + m[0].length;
  }
  const tail = tokens[tokens.length - 1];
  if (tail) tail.gapAfter = text.slice(last);
  return tokens;
}

export function countWords(text: string): number {
  let n = 0;
  for (const _ of text.matchAll(WORD_RE)) n++;
  return n;
}

export const SENTENCE_END_RE = /[.!?…]/;

export const isQuestion = (s: string): boolean => /\?["'”’)\]]*$/.test(s.trim());

// Filler sounds are matched by shape so "ummm" and "uhh" count like "um" and "uh".
const FILLER_SOUNDS: ReadonlyArray<readonly [RegExp, string]> = [
  [/^u+m+$/, "um"],
  [/^u+h+$/, "uh"],
  [/^e+r+m+$/, "erm"],
  [/^e+r+$/, "er"],
  [/^a+h+$/, "ah"],
  [/^h+m+$/, "hmm"],
];

/** The canonical filler a single word is ("ummm" → "um"), if it is a hesitation sound. */
export function fillerSound(word: string): string | undefined {
  for (const [re, name] of FILLER_SOUNDS) if (re.test(word)) return name;
  return undefined;
}

// Words that are plural-looking but not plurals, or whose singular reads wrong.
const KEEP_S = new Set([
  "news", "series", "species", "always", "perhaps", "sometimes", "status", "bus", "gas", "lens", "physics",
  "mathematics", "politics", "economics", "ethics", "analytics", "logistics", "kubernetes", "sales", "aws", "ios",
  "https", "alias", "canvas", "chaos", "bias", "atlas", "plus", "thus", "yes", "whereas",
]);

// Plurals the spelling rules get wrong ("caches" would become "cach" like "batches" → "batch").
const IRREGULAR: ReadonlyMap<string, string> = new Map([
  ["caches", "cache"], ["niches", "niche"], ["aches", "ache"], ["headaches", "headache"], ["analyses", "analysis"],
  ["crises", "crisis"], ["theses", "thesis"], ["hypotheses", "hypothesis"], ["diagnoses", "diagnosis"],
]);

/**
 * Light lemmatisation: possessives and plural "s" only. `vocabulary` (every word in
 * the document) decides between "cases"→"case" and "boxes"→"box" by preferring a
 * singular that was actually said; without one, common English spelling rules apply.
 */
export function lemma(word: string, vocabulary?: ReadonlySet<string>): string {
  let w = word;
  if (w.endsWith("'s")) w = w.slice(0, -2);
  else if (w.endsWith("s'")) w = w.slice(0, -1);
  const irregular = IRREGULAR.get(w);
  if (irregular) return irregular;
  if (w.length <= 3 || !w.endsWith("s") || KEEP_S.has(w) || /(ss|us|is|'s)$/.test(w)) return w;
  const dropS = w.slice(0, -1);
  const dropEs = w.endsWith("es") ? w.slice(0, -2) : undefined;
  const ies = w.endsWith("ies") && w.length > 4 ? `${w.slice(0, -3)}y` : undefined;
  if (vocabulary) {
    for (const c of [dropS, dropEs, ies]) if (c !== undefined && c.length > 1 && vocabulary.has(c)) return c;
  }
  if (ies !== undefined) return ies;
  if (dropEs !== undefined && /(s|x|z|ch|sh)$/.test(dropEs)) return dropEs;
  return dropS;
}

/** A word that carries meaning: not a stop word, filler, number, or single letter. */
export function isContentWord(word: string): boolean {
  if (word.length < 2 || STOP_WORDS.has(word)) return false;
  if (!/\p{L}/u.test(word)) return false; // numbers, "3.5", "2024"
  return fillerSound(word) === undefined;
}

/** Content lemmas of a token run, in order; the unit every scorer in this module counts. */
export function contentTerms(tokens: readonly Token[], vocabulary: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (const t of tokens) {
    if (!isContentWord(t.word)) continue;
    const l = lemma(t.word, vocabulary);
    if (isContentWord(l)) out.push(l);
  }
  return out;
}

export function vocabularyOf(tokens: readonly Token[]): Set<string> {
  return new Set(tokens.map((t) => t.word));
}

/**
 * The `limit` most frequent terms. Ties go to the term said first, so the order is
 * stable for the same transcript and follows how the conversation unfolded.
 */
export function topTerms(terms: readonly string[], limit: number): Array<{ term: string; count: number }> {
  const counts = new Map<string, { count: number; first: number }>();
  terms.forEach((term, i) => {
    const c = counts.get(term);
    if (c) c.count++;
    else counts.set(term, { count: 1, first: i });
  });
  return [...counts.entries()]
    .sort((a, b) => b[1].count - a[1].count || a[1].first - b[1].first)
    .slice(0, limit)
    .map(([term, { count }]) => ({ term, count }));
}

export function topKeywords(text: string, limit = 10): string[] {
  const tokens = tokenize(text);
  return topTerms(contentTerms(tokens, vocabularyOf(tokens)), limit).map((t) => t.term);
}

// ---------------------------------------------------------------------------
// Sentences

/** A sentence longer than this is a run-on from missing punctuation, not a sentence. */
const MAX_SENTENCE_WORDS = 60;
/** Window size when a run-on has to be cut without any boundary to go by. */
const CHUNK_WORDS = 30;

const ABBREVIATION_RE = /(?:^|[\s(])(?:mr|mrs|ms|dr|prof|st|vs|etc|e\.g|i\.e|inc|ltd|jr|sr|approx|[a-z])$/i;

/** Splits on . ! ? … followed by space, keeping abbreviations and initials ("Dr. Lee", "J. Smith") whole. */
export function splitByPunctuation(text: string): string[] {
  const out: string[] = [];
  const re = /([.!?…]+)["'”’)\]]*(\s+|$)/g;
  let start = 0;
  for (const m of text.matchAll(re)) {
    const end = m.index + m[0].length;
    const before = text.slice(start, m.index);
    const marks = m[1] ?? "";
    const isEnd = end >= text.length;
    if (!isEnd && marks === "." && ABBREVIATION_RE.test(before)) continue;
    // A trailing-off ellipsis mid-thought ("so... we") is not a boundary unless a new sentence starts.
    if (!isEnd && /^(\.\.\.|…)$/.test(marks) && !/^\p{Lu}/u.test(text.slice(end))) continue;
    const s = text.slice(start, end).trim();
    if (s) out.push(s);
    start = end;
  }
  const rest = text.slice(start).trim();
  if (rest) out.push(rest);
  return out;
}

function chunkWords(sentence: string): string[] {
  const tokens = tokenize(sentence);
  if (tokens.length <= MAX_SENTENCE_WORDS) return [sentence];
  const out: string[] = [];
  for (let i = 0; i < tokens.length; i += CHUNK_WORDS) {
    const slice = tokens.slice(i, i + CHUNK_WORDS);
    out.push(slice.map((t, j) => (j === 0 ? t.raw : t.gapBefore + t.raw)).join("").trim() + (slice.at(-1)?.gapAfter.trim() ?? ""));
  }
  return out;
}

function averageWords(sentences: readonly string[]): number {
  if (sentences.length === 0) return 0;
  return sentences.reduce((n, s) => n + countWords(s), 0) / sentences.length;
}

/** Average sentence length above which the text is treated as unpunctuated. */
const PUNCTUATED_MAX_AVG_WORDS = 40;

/**
 * Sentences of a transcript. Punctuated text is split on sentence marks. Text with
 * little punctuation (some providers emit none) falls back to the segment
 * boundaries, which follow pauses; anything still run-on is cut into ~30-word windows
 * so no single "sentence" swallows the transcript.
 */
export function splitSentences(text: string, segments: readonly TranscriptSegment[] = []): string[] {
  let sentences = splitByPunctuation(text);
  if (!SENTENCE_END_RE.test(text) || averageWords(sentences) > PUNCTUATED_MAX_AVG_WORDS) {
    const fromSegments = segments.flatMap((s) => splitByPunctuation(s.text));
    if (fromSegments.length > sentences.length) sentences = fromSegments;
  }
  return sentences.flatMap(chunkWords).filter((s) => countWords(s) > 0);
}
