import type { ActionItem } from "@/lib/analysis/types";
import type { TranscriptSegment } from "@/lib/transcription/types";
import { STOP_WORDS } from "@/lib/analysis/stopwords";
import {
  contentTerms,
  countWords,
  isContentWord,
  lemma,
  splitSentences,
  tokenize,
  topTerms,
  vocabularyOf,
  type Token,
} from "@/lib/analysis/text";

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
const MAX_TOPICS = 6;
const MAX_QUESTIONS = 20;
const DAMPING = 0.85;

/** 1 sentence for a short note, up to 5 for an hour-long meeting. */
export function summaryLength(wordCount: number): number {
  if (wordCount < 120) return 1;
  if (wordCount < 400) return 2;
  if (wordCount < 1000) return 3;
  if (wordCount < 2500) return 4;
  return 5;
}

type SparseVector = Map<string, number>;

interface Sentence {
  index: number;
  text: string;
  tokens: Token[];
  words: number;
  vector: SparseVector;
}

function cosine(a: SparseVector, b: SparseVector): number {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let dot = 0;
  for (const [k, v] of small) dot += v * (large.get(k) ?? 0);
  return dot; // vectors are unit length
}

/** TF-IDF vectors, unit length, with each sentence a document. */
function vectorise(termLists: readonly string[][]): SparseVector[] {
  const df = new Map<string, number>();
  for (const terms of termLists) for (const t of new Set(terms)) df.set(t, (df.get(t) ?? 0) + 1);
  const n = termLists.length;
  return termLists.map((terms) => {
    const v: SparseVector = new Map();
    for (const t of terms) v.set(t, (v.get(t) ?? 0) + 1);
    let norm = 0;
    for (const [t, tf] of v) {
      // +1 keeps a term said in every sentence from vanishing in a two-sentence note.
      const w = tf * (Math.log(n / (df.get(t) ?? 1)) + 1);
      v.set(t, w);
      norm += w * w;
    }
    norm = Math.sqrt(norm);
    if (norm > 0) for (const [t, w] of v) v.set(t, w / norm);
    return v;
  });
}

/**
 * TextRank: PageRank over the sentence graph weighted by TF-IDF cosine. A sentence
 * ranks high when it shares vocabulary with many other sentences, i.e. it is
 * central to what was discussed. `prior` (non-negative, any scale) biases the
 * random jump; uniform without it. Edges are found through an inverted index so
 * only sentences that share a term are compared.
 */
export function textRank(vectors: readonly SparseVector[], prior?: readonly number[]): Float64Array {
  const n = vectors.length;
  const priorSum = prior?.reduce((a, b) => a + b, 0) ?? 0;
  const teleport = (i: number): number => (prior && priorSum > 0 ? (prior[i] ?? 0) / priorSum : 1 / n);
  const scores = new Float64Array(n).fill(n > 0 ? 1 / n : 0);
  if (n <= 1) return scores;

  const postings = new Map<string, Array<[number, number]>>();
  vectors.forEach((v, i) => {
    for (const [t, w] of v) {
      const list = postings.get(t);
      if (list) list.push([i, w]);
      else postings.set(t, [[i, w]]);
    }
  });

  const neighbours: Array<{ ids: Int32Array; weights: Float64Array }> = [];
  const outWeight = new Float64Array(n);
  const scratch = new Float64Array(n);
  const touched: number[] = [];
  for (let i = 0; i < n; i++) {
    for (const [t, wi] of vectors[i] ?? []) {
      for (const [j, wj] of postings.get(t) ?? []) {
        if (j === i) continue;
        if (scratch[j] === 0) touched.push(j);
        scratch[j] = (scratch[j] ?? 0) + wi * wj;
      }
    }
    const ids = new Int32Array(touched.length);
    const weights = new Float64Array(touched.length);
    touched.forEach((j, k) => {
      ids[k] = j;
      weights[k] = scratch[j] ?? 0;
      outWeight[i] = (outWeight[i] ?? 0) + (scratch[j] ?? 0);
      scratch[j] = 0;
    });
    touched.length = 0;
    neighbours.push({ ids, weights });
  }

  const next = new Float64Array(n);
  for (let iter = 0; iter < 100; iter++) {
    for (let i = 0; i < n; i++) next[i] = (1 - DAMPING) * teleport(i);
    // A sentence with no edges hands its score to the teleport distribution, so the total stays 1.
    let dangling = 0;
    for (let i = 0; i < n; i++) {
      const out = outWeight[i] ?? 0;
      const s = scores[i] ?? 0;
      if (out === 0) {
        dangling += s;
        continue;
      }
      const { ids, weights } = neighbours[i] ?? { ids: new Int32Array(), weights: new Float64Array() };
      for (let k = 0; k < ids.length; k++) {
        const j = ids[k] ?? 0;
        next[j] = (next[j] ?? 0) + (DAMPING * s * (weights[k] ?? 0)) / out;
      }
    }
    let delta = 0;
    for (let i = 0; i < n; i++) {
      const v = (next[i] ?? 0) + DAMPING * dangling * teleport(i);
      delta += Math.abs(v - (scores[i] ?? 0));
      scores[i] = v;
    }
    if (delta < 1e-9) break;
  }
  return scores;
}

const isQuestion = (s: string): boolean => /\?["'”’)\]]*$/.test(s.trim());

// ---------------------------------------------------------------------------
// Decisions and action items: deliberately narrow phrase rules. They miss decisions
// phrased any other way and say nothing about who "I" is; an LLM analyser does this
// properly. What they return is a sentence somebody actually said.

const DECISION_RE =
  /\b(?:decided|agreed|settled on|signed off|the decision is|final decision|we're going with|we are going with|we'll go with|we will go with|let's go with|going forward)\b/i;
// "we haven't decided", "not agreed yet", "if we decide": talk about a decision, not one.
const UNDECIDED_RE = /(?:n't|\bnot|\bnever|\byet to)\s+(?:\w+\s+){0,2}(?:decided|agreed|settled|signed off)\b/i;
const CONDITIONAL_BEFORE_RE = /\b(?:if|whether|once|until|unless)\b/i;

export function extractDecisions(sentences: readonly string[]): string[] {
  const out: string[] = [];
  for (const s of sentences) {
    if (isQuestion(s) || countWords(s) < 4) continue;
    const m = DECISION_RE.exec(s);
    if (!m) continue;
    if (UNDECIDED_RE.test(s) || CONDITIONAL_BEFORE_RE.test(s.slice(0, m.index))) continue;
    out.push(s.trim());
  }
  return uniqueBy(out, (d) => d);
}

/** People repeat themselves (and recaps repeat decisions): list each item once, first mention kept. */
function uniqueBy<T>(items: readonly T[], key: (item: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const k = key(item).toLowerCase().replace(/[^\p{L}\p{N}]+/gu, " ").trim();
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

const DAY = "monday|tuesday|wednesday|thursday|friday|saturday|sunday";
const MONTH =
  "jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?";
const WHEN_RE = new RegExp(
  String.raw`\b(?:(?:by|before|until|till|on)\s+)?(?:` +
    String.raw`(?:this|next|the\s+coming)\s+(?:week|month|quarter|sprint|year|${DAY})` +
    String.raw`|(?:the\s+)?end\s+of\s+(?:the\s+)?(?:day|week|month|quarter|sprint|year)` +
    String.raw`|(?:${MONTH})\s+\d{1,2}(?:st|nd|rd|th)?` +
    String.raw`|\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:${MONTH})` +
    String.raw`|\d{1,2}/\d{1,2}(?:/\d{2,4})?` +
    String.raw`|${DAY}|today|tomorrow|tonight|eod|eow` +
    String.raw`)\b`,
  "i",
);

/** A deadline or date in the sentence, as said ("by Friday", "next week", "end of the month"). */
export function extractWhen(sentence: string): string | undefined {
  const m = WHEN_RE.exec(sentence);
  return m ? m[0].replace(/^on\s+/i, "") : undefined;
}

const PRONOUN = "I|[Ww]e|[Yy]ou|[Hh]e|[Ss]he|[Tt]hey";
const NAME = String.raw`\p{Lu}\p{Ll}+(?:\s\p{Lu}\p{Ll}+)?`;
const MODAL = String.raw`(?:['’]ll|\s+will|\s+(?:is|are|am)\s+going\s+to|\s+should|\s+needs?\s+to|\s+(?:has|have)\s+to|\s+must)`;
// "I'll be honest", "we should see if", "you need to know": talk, not a task.
const NOT_A_TASK = String.raw`(?!(?:be|say|admit|bet|guess|think|know|feel|see|not|never)\b)`;
const SUBJECT_MODAL_RE = new RegExp(
  String.raw`(?:^|[\s,;:"“])(${PRONOUN}|${NAME})${MODAL}\s+(?:(?:probably|also|just|definitely|really|actually|then)\s+)?`,
  "gu",
);
const NOT_A_TASK_RE = new RegExp(`^${NOT_A_TASK}`, "i");
// "Let's get started", "let's move on": running the meeting, not work coming out of it.
const LETS_RE =
  /\blet['’]s\s+(?!(?:see|say|be|hope|just|not|get started|start|begin|move on|wrap up|kick off|dive in|jump in|recap|talk|go around)\b)(.+)$/i;
const TAGGED_OWNER_RE = new RegExp(String.raw`^(${NAME})\s+(?:to|will|should|needs? to)\s+(.+)$`, "u");
// "Sam, you'll update the plan": the person addressed is the owner.
const VOCATIVE_RE = new RegExp(String.raw`(?:^|[\s,;:])(\p{Lu}\p{Ll}+),\s*$`, "u");
const ACTION_ITEM_RE = /\baction items?\b\s*(?:is|for\s+\S+)?\s*[:,-]?\s*(.+)$/i;

function cleanWhat(s: string): string {
  return s.trim().replace(/[.!…,;:]+$/, "").trim();
}

function commitment(sentence: string): ActionItem | undefined {
  for (const m of sentence.matchAll(SUBJECT_MODAL_RE)) {
    // "Then Priya will…": sentence-initial capitals are not part of the name.
    const words = (m[1] ?? "").split(" ");
    while (words.length > 1 && STOP_WORDS.has((words[0] ?? "").toLowerCase())) words.shift();
    const subject = words.join(" ");
    const isPronoun = new RegExp(`^(?:${PRONOUN})$`).test(subject);
    // A capitalised "That"/"This"/"Everything" is not a name.
    if (!isPronoun && STOP_WORDS.has(subject.toLowerCase())) continue;
    const rest = sentence.slice(m.index + m[0].length);
    if (!NOT_A_TASK_RE.test(rest)) continue;
    const what = cleanWhat(rest);
    if (!what) continue;
    if (/^you$/i.test(subject)) {
      const addressed = VOCATIVE_RE.exec(sentence.slice(0, m.index + 1))?.[1];
      if (addressed && !STOP_WORDS.has(addressed.toLowerCase())) return { who: addressed, what };
    }
    return { who: subject === "I" ? "I" : isPronoun ? subject.toLowerCase() : subject, what };
  }
  return undefined;
}

/**
 * Commitments: "<name or pronoun> will / 'll / is going to / should / needs to /
 * has to <do something>", "let's <do something>" (who: "we"), and anything after
 * "action item". `who` is the name or pronoun as said; "I" and "you" are not
 * resolved to a person. `when` is a date or deadline phrase in the same sentence.
 * Questions and negated or hedged forms ("I'll be honest", "we should see if") are skipped.
 */
export function extractActionItems(sentences: readonly string[]): ActionItem[] {
  const out: ActionItem[] = [];
  for (const raw of sentences) {
    const s = raw.trim();
    if (isQuestion(s)) continue;
    let item: ActionItem | undefined;
    const tagged = ACTION_ITEM_RE.exec(s);
    if (tagged) {
      const rest = tagged[1] ?? "";
      const owned = TAGGED_OWNER_RE.exec(rest.trim());
      if (owned && !STOP_WORDS.has((owned[1] ?? "").toLowerCase()) && cleanWhat(owned[2] ?? "")) {
        item = { who: owned[1], what: cleanWhat(owned[2] ?? "") };
      } else {
        item = commitment(rest) ?? (cleanWhat(rest) ? { what: cleanWhat(rest) } : undefined);
      }
    }
    item ??= commitment(s);
    if (!item) {
      const lets = LETS_RE.exec(s);
      if (lets && cleanWhat(lets[1] ?? "")) item = { who: "we", what: cleanWhat(lets[1] ?? "") };
    }
    if (!item) continue;
    const when = extractWhen(s);
    out.push(when ? { ...item, when } : item);
  }
  return uniqueBy(out, (a) => `${a.who ?? ""} ${a.what}`);
}

// ---------------------------------------------------------------------------

/**
 * Topics: the most frequent content words, with a two-word phrase said at least
 * twice ("release date") counted double and standing in for its own words.
 */
function extractTopics(sentences: readonly Sentence[], vocabulary: ReadonlySet<string>): string[] {
  const unigrams: string[] = [];
  const bigrams: string[] = [];
  for (const s of sentences) {
    const toks = s.tokens;
    for (let i = 0; i < toks.length; i++) {
      const t = toks[i];
      if (!t || !isContentWord(t.word)) continue;
      const l = lemma(t.word, vocabulary);
      if (!isContentWord(l)) continue;
      unigrams.push(l);
      const next = toks[i + 1];
      if (next && /^\s*$/.test(t.gapAfter) && isContentWord(next.word)) {
        const l2 = lemma(next.word, vocabulary);
        if (isContentWord(l2)) bigrams.push(`${l} ${l2}`);
      }
    }
  }
  const candidates = [
    ...topTerms(bigrams, MAX_TOPICS)
      .filter((b) => b.count >= 2)
      .map((b) => ({ term: b.term, score: b.count * 2 })),
    ...topTerms(unigrams, MAX_TOPICS * 2).map((u) => ({ term: u.term, score: u.count })),
  ];
  // Stable sort keeps bigrams ahead of an equal-scoring word and each list's first-said order.
  candidates.sort((a, b) => b.score - a.score);
  const chosen: string[] = [];
  const coveredWords = new Set<string>();
  for (const c of candidates) {
    if (chosen.length >= MAX_TOPICS) break;
    const words = c.term.split(" ");
    if (words.length === 1 && coveredWords.has(c.term)) continue;
    chosen.push(c.term);
    if (words.length > 1) for (const w of words) coveredWords.add(w);
  }
  return chosen;
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
  const vectors = vectorise(termLists);
  const sentences: Sentence[] = texts.map((t, i) => ({
    index: i,
    text: t,
    tokens: tokenLists[i] ?? [],
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
    topics: english ? extractTopics(sentences, vocabulary) : [],
    questions,
    decisions: english ? extractDecisions(texts) : [],
    actionItems: english ? extractActionItems(texts) : [],
  };
}
