/** One stretch of speech. Times are seconds from the start of the audio the provider was given. */
export interface TranscriptSegment {
  start: number;
  end: number;
  text: string;
  /** Speaker label when the provider diarises (e.g. "A", "B"). */
  speaker?: string;
}

/** A stretch of audio, in seconds from the start of the audio the provider was given. */
export interface AudioSpan {
  start: number;
  end: number;
}

export interface TranscriptionResult {
  text: string;
  segments: TranscriptSegment[];
  /** ISO-639-1 code when the provider reports or was told one. */
  language?: string;
  /**
   * Stretches that held sound like speech but gave no words even after re-cutting:
   * reported to the person instead of silently leaving a hole in the transcript.
   */
  untranscribed?: AudioSpan[];
  /** Where a voice activity detector heard speech, when the provider ran one. */
  speech?: AudioSpan[];
}

/** What one request to a provider may carry; `prepare` cuts chunks to fit. */
export interface ChunkLimits {
  maxSeconds: number;
  maxBytes: number;
}

export interface TranscribeInput {
  /** A local file in any format ffmpeg reads (parts are 16 kHz mono Ogg/Opus or, for `partFormat: "wav"`, WAV). */
  filePath: string;
  durationSec: number;
  language?: string;
  /** Vocabulary / context hint (names, jargon). */
  prompt?: string;
  signal?: AbortSignal;
  /** Higher goes first where the provider queues work itself (the local model's decode slots). */
  priority?: number;
  /**
   * Called as the provider gets through the audio, with the seconds from the start of
   * the file it has finished (the local model: after each window). Never invented: a
   * provider that sends the whole file in one request does not call it.
   */
  onProgress?: (secondsDone: number) => void;
}

/**
 * A speech-to-text provider. Throws PermanentError when retrying cannot help and
 * TransientError (optionally with retryAfterMs) when it can; see lib/errors.ts.
 */
export interface Transcriber {
  /** Shown in the UI and stored with the transcript, e.g. "local:moonshine-tiny", "openai:whisper-1". */
  readonly name: string;
  readonly limits: ChunkLimits;
  /**
   * Files this process works on at once, where the provider queues the rest itself (the
   * local model's decode slots); undefined when calls do not wait on each other (a remote API).
   */
  readonly parallelism?: number;
  /**
   * How prepare stores the parts this provider is given (lib/audio/chunks.ts): "opus" (the
   * default) keeps requests small for remote providers; "wav" is 16 kHz mono samples, for a
   * provider that decodes to those anyway and has no request size limit to keep under.
   */
  readonly partFormat?: "opus" | "wav";
  /**
   * True when its results say where people speak (TranscriptionResult.speech, the local model's
   * VAD); for the others the pipeline runs the voice detector itself, beside the request.
   */
  readonly hearsSpeech?: boolean;
  transcribe(input: TranscribeInput): Promise<TranscriptionResult>;
}
