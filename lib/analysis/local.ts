import type { Analysis, AnalyzeInput, Analyzer, Insights } from "@/lib/analysis/types";
import type { TranscriptSegment } from "@/lib/transcription/types";
import { computeMetrics, type SilenceInterval } from "@/lib/analysis/metrics";
import { summarize } from "@/lib/analysis/summarize";
import { countWords } from "@/lib/analysis/text";

export const NO_SPEECH_SUMMARY = "No speech detected.";

/** What an analysis of silence says: a result, not an error. */
export function noSpeechInsights(provider: string, language?: string): Insights {
  return {
    provider,
    summary: NO_SPEECH_SUMMARY,
    keyPoints: [],
    decisions: [],
    actionItems: [],
    topics: [],
    questions: [],
    ...(language ? { language } : {}),
  };
}

function transcriptText(input: { text: string; segments: readonly TranscriptSegment[] }): string {
  return input.text.trim() ? input.text : input.segments.map((s) => s.text).join(" ");
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  // Plain rethrow of the abort reason: cancellation is neither transient nor permanent.
  signal?.throwIfAborted();
}

/**
 * Offline analyser: extractive summary and phrase rules, no model and no keys.
 * Sentiment is left out: a word-list guess at the mood of a meeting would be
 * presented as a finding without being one. Language is passed through, not detected.
 */
export const localAnalyzer: Analyzer = {
  name: "local",
  async analyze(input: AnalyzeInput): Promise<Insights> {
    throwIfAborted(input.signal);
    const text = transcriptText(input);
    if (countWords(text) === 0) return noSpeechInsights("local", input.language);
    const s = summarize({ segments: input.segments, text, language: input.language });
    return {
      provider: "local",
      summary: s.summary,
      keyPoints: s.keyPoints,
      decisions: s.decisions,
      actionItems: s.actionItems,
      topics: s.topics,
      questions: s.questions,
      ...(input.language ? { language: input.language } : {}),
    };
  },
};

export interface BuildAnalysisInput {
  segments: readonly TranscriptSegment[];
  text: string;
  durationSec: number;
  silences?: readonly SilenceInterval[];
  language?: string;
  insights: Insights;
}

/**
 * Joins the locally measured metrics with insights from any analyser. With no words
 * in the transcript the insights are replaced by the no-speech result, whatever the
 * analyser said (a model asked about nothing tends to invent something).
 */
export function buildAnalysis(input: BuildAnalysisInput): Analysis {
  const metrics = computeMetrics({
    segments: input.segments,
    text: input.text,
    durationSec: input.durationSec,
    silences: input.silences,
    language: input.language,
  });
  const noSpeech = metrics.wordCount === 0;
  return {
    noSpeech,
    metrics,
    insights: noSpeech ? noSpeechInsights(input.insights.provider, input.insights.language) : input.insights,
  };
}

/**
 * Metrics plus the given analyser's insights. An empty transcript never reaches the
 * analyser: silence needs no model call, and the result is labelled "local" because
 * it was decided here.
 */
export async function analyzeTranscript(
  input: AnalyzeInput & { silences?: readonly SilenceInterval[] },
  analyzer: Analyzer = localAnalyzer,
): Promise<Analysis> {
  const base = {
    segments: input.segments,
    text: input.text,
    durationSec: input.durationSec,
    silences: input.silences,
    language: input.language,
  };
  if (countWords(transcriptText(input)) === 0) {
    return buildAnalysis({ ...base, insights: noSpeechInsights("local", input.language) });
  }
  const insights = await analyzer.analyze(input);
  return buildAnalysis({ ...base, insights });
}
