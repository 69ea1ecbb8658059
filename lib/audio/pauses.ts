import { RAW_PCM_OUTPUT, rawPcmSeconds } from "./chunks";
import { scanSilences, type Silence } from "./silence";

export interface PausesAndLength {
  /** Quiet stretches where parts may be cut. */
  silences: Silence[];
  /** Seconds that really decoded (the header may promise more); undefined if ffmpeg did not say. */
  decodedSec?: number;
}

/**
 * One ffmpeg pass over the whole file while preparing: pauses to cut parts at, and the
 * length that really decodes. Parts only need a pause near each cut, which this cheap
 * pass finds (3 s for 40 minutes here); where people speak and pause for the metrics is
 * measured by Silero VAD on each part as it is transcribed (lib/audio/vad.ts), spread
 * over the transcription steps instead of sitting in front of all of them.
 */
export async function findPauses(
  filePath: string,
  announcedSec: number,
  options: {
    signal?: AbortSignal;
    onProgress?: (decodedSec: number) => void;
    /**
     * Also write what the pass decodes, as raw 16 kHz mono 16-bit samples (RAW_PCM_OUTPUT),
     * to this file: the same pass then yields the parts for the local model (writeWavPart),
     * and the decoded length is exact (the samples written), not ffmpeg's last progress time.
     */
    pcmPath?: string;
  } = {},
): Promise<PausesAndLength> {
  const { pcmPath, ...rest } = options;
  const output = pcmPath ? [...RAW_PCM_OUTPUT, "-y", pcmPath] : undefined;
  const found = await scanSilences(filePath, { ...rest, durationSec: announcedSec, ...(output ? { output } : {}) });
  const decodedSec = pcmPath ? await rawPcmSeconds(pcmPath) : found.decodedSec;
  return { silences: found.silences, ...(decodedSec !== undefined ? { decodedSec } : {}) };
}

/**
 * The duration to show and use: what decodes. A file whose header promises noticeably
 * more (a cut-off upload) keeps the promise for the sentence that explains the gap.
 */
export function honestDuration(announcedSec: number, decodedSec: number | undefined): { durationSec: number; announcedSec: number | null } {
  if (decodedSec === undefined || !(decodedSec > 0)) return { durationSec: announcedSec, announcedSec: null };
  const short = announcedSec - decodedSec > Math.max(0.5, announcedSec * 0.02);
  return { durationSec: short ? decodedSec : announcedSec, announcedSec: short ? announcedSec : null };
}

/** "only 1.0 s of the announced 25.4 s could be decoded" */
export function describeShortfall(durationSec: number, announcedSec: number): string {
  return `only ${durationSec.toFixed(1)} s of the announced ${announcedSec.toFixed(1)} s could be decoded`;
}
