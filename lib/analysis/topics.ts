import { isContentWord, lemma, topTerms, type Token } from "@/lib/analysis/text";

const MAX_TOPICS = 6;

/**
 * Topics: the most frequent content words, with a two-word phrase said at least
 * twice ("release date") counted double and standing in for its own words.
 */
export function extractTopics(sentences: readonly (readonly Token[])[], vocabulary: ReadonlySet<string>): string[] {
  const unigrams: string[] = [];
  const bigrams: string[] = [];
  for (const toks of sentences) {
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
