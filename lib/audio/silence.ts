import { runTool } from "./ffmpeg";

export interface Silence {
  start: number;
  end: number;
}

export interface SilenceOptions {
  /** Level below which audio counts as silence, in dBFS. */
  noiseDb?: number;
  minSilenceSec?: number;
  /** Closes a silence still open at the end of the file; without it such a silence is dropped. */
  durationSec?: number;
  signal?: AbortSignal;
}

const START = /silence_start:\s*(-?[\d.]+)/;
const END = /silence_end:\s*(-?[\d.]+)/;

/** Parses silencedetect's stderr lines; exported so the parser is testable without ffmpeg. */
export function createSilenceParser(): { push(line: string): void; finish(durationSec?: number): Silence[] } {
  const found: Silence[] = [];
  let open: number | undefined;
  return {
    push(line) {
      const s = START.exec(line);
      if (s?.[1] !== undefined) {
        open = Math.max(0, Number(s[1]));
        return;
      }
      const e = END.exec(line);
      if (e?.[1] !== undefined && open !== undefined) {
        const end = Number(e[1]);
        if (end > open) found.push({ start: open, end });
        open = undefined;
      }
    },
    finish(durationSec) {
      if (open !== undefined && durationSec !== undefined && durationSec > open) {
        found.push({ start: open, end: durationSec });
      }
      open = undefined;
      return found;
    },
  };
}

/** Pauses in the first audio stream, in seconds from the start, in order. */
export async function detectSilences(filePath: string, options: SilenceOptions = {}): Promise<Silence[]> {
  const { noiseDb = -35, minSilenceSec = 0.4 } = options;
  const parser = createSilenceParser();
  await runTool(
    "ffmpeg",
    [
      "-nostdin", "-hide_banner", "-nostats", "-i", filePath, "-map", "0:a:0",
      "-af", `silencedetect=noise=${noiseDb}dB:d=${minSilenceSec}`, "-f", "null", "-",
    ],
    { signal: options.signal, onStderrLine: (line) => parser.push(line) },
  );
  return parser.finish(options.durationSec);
}
