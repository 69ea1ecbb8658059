import { extractActionItems, extractDecisions } from "@/lib/analysis/commitments";
import { cosine, vectorize, textRank, type SparseVector } from "@/lib/analysis/rank";
import { contentTerms, isQuestion, splitSentences, tokenize, vocabularyOf } from "@/lib/analysis/text";
import { extractTopics } from "@/lib/analysis/topics";
import type { ActionItem } from "@/lib/analysis/types";
import type { TranscriptSegment } from "@/lib/transcription/types";

export interface SummarizeInput {
  segments: readonly TranscriptSegment[];
  text: string;
  /** ISO-639-1. Topics, decisions and action items are English rules and are left empty for other languages. */
  language?: string;
}

export interface ExtractiveSummary {
  /** The summary sentences joined, verbatim from the transcript. */
  summary: string;
  /** The same sentences as a list, in transcript order. */
  summarySentences: string[];
  keyPoints: string[];
  topics: string[];
  questions: string[];
  decisions: string[];
  actionItems: ActionItem[];
}

/** Shorter sentences ("Yeah, sure.", "Sounds good.") say too little to summarise anything. */
const MIN_SUMMARY_WORDS = 5;
/** Two picks more similar than this say the same thing; the second is skipped. */
const REDUNDANCY_COSINE = 0.6;
const MAX_KEY_POINTS = 5;
const MAX_QUESTIONS = 20;

/** 1 sentence for a short note, up to 5 for an hour-long meeting. */
export function summaryLength(wordCount: number): number {
  if (wordCount < 120) return 1;
  if (wordCount < 400) return 2;
  if (wordCount < 1000) return 3;
  if (wordCount < 2500) return 4;
  return 5;
}

interface Sentence {
  index: number;
  text: string;
  words: number;
  vector: SparseVector;
}

/**
 * Extractive summary: sentences are ranked by TextRank centrality and the best
 * `summaryLength` of them, minus near-duplicates, become the summary, the next ones
 * the key points; both keep transcript order. Nothing is paraphrased, so every line
 * is something that was said. Questions are left to `questions`.
 */
export function summarize(input: SummarizeInput): ExtractiveSummary {
  const text = input.text.trim() ? input.text : input.segments.map((s) => s.text).join(" ");
  const english = input.language === undefined || /^en\b/i.test(input.language);
  const texts = splitSentences(text, input.segments);
  const allTokens = tokenize(text);
  const vocabulary = vocabularyOf(allTokens);
  const tokenLists = texts.map(tokenize);
  // Without an English stop list, IDF alone has to push down the function words.
  const termLists = tokenLists.map((toks) =>
    english ? contentTerms(toks, vocabulary) : toks.filter((t) => /\p{L}/u.test(t.word)).map((t) => t.word),
  );
  const vectors = vectorize(termLists);
  const sentences: Sentence[] = texts.map((t, i) => ({
    index: i,
    text: t,
    words: tokenLists[i]?.length ?? 0,
    vector: vectors[i] ?? new Map(),
  }));

  // The random reader jumps more often to sentences that say more, so among equally
  // central sentences the informative one wins over "Sure, I'll do that today".
  const scores = textRank(
    vectors,
    termLists.map((t) => new Set(t).size),
  );
  const ranked = sentences
    .filter((s) => s.words >= MIN_SUMMARY_WORDS && s.vector.size > 0 && !isQuestion(s.text))
    .sort((a, b) => (scores[b.index] ?? 0) - (scores[a.index] ?? 0) || a.index - b.index);

  const picked: Sentence[] = [];
  const pick = (limit: number): Sentence[] => {
    const got: Sentence[] = [];
    for (const s of ranked) {
      if (got.length >= limit) break;
      if (picked.includes(s)) continue;
      if (picked.some((p) => cosine(p.vector, s.vector) > REDUNDANCY_COSINE)) continue;
      picked.push(s);
      got.push(s);
    }
    return got.sort((a, b) => a.index - b.index);
  };
  const n = summaryLength(allTokens.length);
  const summarySentences = pick(n).map((s) => s.text);
  const keyPoints = pick(Math.min(MAX_KEY_POINTS, n + 2)).map((s) => s.text);

  const seen = new Set<string>();
  const questions: string[] = [];
  for (const s of sentences) {
    if (questions.length >= MAX_QUESTIONS) break;
    const key = s.text.toLowerCase();
    if (isQuestion(s.text) && s.words >= 3 && !seen.has(key)) {
      seen.add(key);
      questions.push(s.text);
    }
  }

  return {
    summary: summarySentences.join(" "),
    summarySentences,
    keyPoints,
    topics: english ? extractTopics(tokenLists, vocabulary) : [],
    questions,
    decisions: english ? extractDecisions(texts) : [],
    actionItems: english ? extractActionItems(texts) : [],
  };
}
