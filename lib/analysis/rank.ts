/**
 * Sentence ranking for the extractive summary: TF-IDF vectors and TextRank.
 * Pure functions over term lists; no language rules here.
 */

export type SparseVector = Map<string, number>;

const DAMPING = 0.85;

export function cosine(a: SparseVector, b: SparseVector): number {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let dot = 0;
  for (const [k, v] of small) dot += v * (large.get(k) ?? 0);
  return dot; // vectors are unit length
}

/** TF-IDF vectors, unit length, with each sentence a document. */
export function vectorize(termLists: readonly string[][]): SparseVector[] {
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
