/**
 * The OpenAI models the app knows how to call, in one list: configuration
 * validates TRANSCRIPTION_MODEL against it and the transcriber keys its request
 * shape and limits by it, so a new model is added here and in those two tables,
 * which fail to compile until it is.
 */
export const OPENAI_TRANSCRIPTION_MODELS = ["gpt-4o-transcribe", "gpt-4o-mini-transcribe", "whisper-1", "gpt-4o-transcribe-diarize"] as const;
export type OpenAITranscriptionModel = (typeof OPENAI_TRANSCRIPTION_MODELS)[number];

export const DEFAULT_TRANSCRIPTION_MODEL: OpenAITranscriptionModel = "gpt-4o-transcribe";
/** Any chat model with structured outputs works; this one is cheap and good enough. */
export const DEFAULT_ANALYSIS_MODEL = "gpt-4o-mini";
