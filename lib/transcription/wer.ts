/**
 * Word error rate: (substitutions + deletions + insertions) / reference words, after
 * normalising case and punctuation so "Mr." and "mr" or "ill-disposed" and
 * "ill disposed" count as the same words. Numbers are compared as written.
 */

export function normalizeWords(text: string): string[] {
  return text
    .toLowerCase()
    .normalize("NFKC")
    .replace(/['’](?=\p{L})/gu, "") // don't → dont, so both spellings of a contraction agree
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .split(" ")
    .filter(Boolean);
}

/** Levenshtein distance over word sequences, in O(min(n, m)) memory. */
export function editDistance(a: readonly string[], b: readonly string[]): number {
  const [long, short] = a.length >= b.length ? [a, b] : [b, a];
  let prev = Array.from({ length: short.length + 1 }, (_, j) => j);
  for (let i = 1; i <= long.length; i++) {
    const cur = [i];
    for (let j = 1; j <= short.length; j++) {
      const cost = long[i - 1] === short[j - 1] ? 0 : 1;
      cur[j] = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
    }
    prev = cur;
  }
  return prev[short.length] ?? 0;
}

/** 0 is perfect; can exceed 1 when the hypothesis inserts many words. Empty reference: 0 or 1. */
export function wordErrorRate(reference: string, hypothesis: string): number {
  const ref = normalizeWords(reference);
  const hyp = normalizeWords(hypothesis);
  if (ref.length === 0) return hyp.length === 0 ? 0 : 1;
  return editDistance(ref, hyp) / ref.length;
}
