import type { Span } from "@/lib/audio/spans";
import { detectSpeech, vadAvailable } from "@/lib/audio/vad";
import { errorMessage } from "@/lib/errors";

/**
 * Where people speak in a part a remote provider is transcribing: Silero VAD over the part,
 * run beside the request, which waits on the network, so it adds little to the part's time.
 * A loudness threshold (prepare's silencedetect at −35 dB) finds no pause at all under ordinary
 * room noise. null when the voice detector is not installed (a serverless deployment ships
 * without it) or fails: the speaking metrics then keep prepare's pauses, and the part its words.
 */
export async function speechBesideRequest(filePath: string, signal: AbortSignal): Promise<Span[] | null> {
  if (!(await vadAvailable())) return null;
  try {
    return (await detectSpeech(filePath, { signal })).speech;
  } catch (err) {
    if (signal.aborted) return null;
    console.warn(`Voice activity detection failed; the speaking metrics keep the pauses found while preparing: ${errorMessage(err)}`);
    return null;
  }
}
