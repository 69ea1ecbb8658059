import type { TranscriptSegment } from "@/lib/transcription/types";

/** Measured from the transcript and the audio; always computed locally, whatever the analyser. */
export interface SpeechMetrics {
  durationSec: number;
  wordCount: number;
  wordsPerMinute: number;
  speakingSec: number;
  silentSec: number;
  longestPauseSec: number;
  fillerCount: number;
  /** Filler words per minute of speaking time. */
  fillerRatePerMin: number;
  fillers: Record<string, number>;
  keywords: string[];
}

export interface ActionItem {
  who?: string;
  what: string;
  when?: string;
}

export type Sentiment = "positive" | "neutral" | "negative" | "mixed";

/** The "insight" half of an analysis; the local analyser fills what it honestly can. */
export interface Insights {
  /** "local" or e.g. "openai:gpt-4o-mini". */
  provider: string;
  summary: string;
  keyPoints: string[];
  decisions: string[];
  actionItems: ActionItem[];
  topics: string[];
  questions: string[];
  sentiment?: Sentiment;
  language?: string;
}

export interface Analysis {
  noSpeech: boolean;
  metrics: SpeechMetrics;
  insights: Insights;
}

export interface AnalyzeInput {
  segments: TranscriptSegment[];
  text: string;
  durationSec: number;
  language?: string;
  signal?: AbortSignal;
}

/** Produces insights from a transcript. Errors follow lib/errors.ts like transcribers. */
export interface Analyzer {
  readonly name: string;
  analyze(input: AnalyzeInput): Promise<Insights>;
}
