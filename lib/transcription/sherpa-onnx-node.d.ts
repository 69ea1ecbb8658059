/**
 * The subset of sherpa-onnx-node (which ships no types) that the local transcriber uses.
 * Shapes follow the package's types.js for 1.13.8.
 */
declare module "sherpa-onnx-node" {
  export interface Waveform {
    samples: Float32Array;
    sampleRate: number;
  }

  export interface OfflineRecognizerConfig {
    featConfig?: { sampleRate?: number; featureDim?: number };
    modelConfig: {
      moonshine?: {
        preprocessor?: string;
        encoder?: string;
        uncachedDecoder?: string;
        cachedDecoder?: string;
        mergedDecoder?: string;
      };
      tokens: string;
      numThreads?: number;
      debug?: boolean | number;
      provider?: string;
    };
    decodingMethod?: string;
  }

  export interface OfflineRecognizerResult {
    text: string;
    tokens: string[];
    timestamps: number[];
    lang: string;
  }

  export class OfflineStream {
    acceptWaveform(wave: Waveform): void;
  }

  export class OfflineRecognizer {
    constructor(config: OfflineRecognizerConfig);
    static createAsync(config: OfflineRecognizerConfig): Promise<OfflineRecognizer>;
    createStream(): OfflineStream;
    decode(stream: OfflineStream): void;
    /** Runs on a libuv thread-pool thread; the event loop stays free. */
    decodeAsync(stream: OfflineStream): Promise<OfflineRecognizerResult>;
    getResult(stream: OfflineStream): OfflineRecognizerResult;
  }

  export interface VadConfig {
    sileroVad: {
      model: string;
      threshold?: number;
      minSilenceDuration?: number;
      minSpeechDuration?: number;
      windowSize?: number;
      maxSpeechDuration?: number;
    };
    sampleRate?: number;
    numThreads?: number;
    debug?: boolean | number;
  }

  export interface SpeechSegment {
    /** First sample of the segment. */
    start: number;
    samples: Float32Array;
  }

  /** Silero voice activity detection; every call runs synchronously on the calling thread. */
  export class Vad {
    constructor(config: VadConfig, bufferSizeInSeconds: number);
    acceptWaveform(samples: Float32Array): void;
    isEmpty(): boolean;
    front(enableExternalBuffer?: boolean): SpeechSegment;
    pop(): void;
    flush(): void;
    reset(): void;
  }

  /** Node's ESM loader cannot see this CommonJS package's named exports: use the default. */
  const sherpa: { OfflineRecognizer: typeof OfflineRecognizer; Vad: typeof Vad };
  export default sherpa;
}
