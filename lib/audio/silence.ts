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
/** ffmpeg's progress line: how far decoding has got. */
const TIME = /\btime=(\d+):(\d{2}):(\d{2}(?:\.\d+)?)/;

/** Seconds in an ffmpeg progress line ("size=N/A time=00:01:02.50 …"), or undefined. */
export function parseProgressTime(line: string): number | undefined {
  const m = TIME.exec(line);
  if (!m) return undefined;
  return Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]);
}

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
  return (await scanSilences(filePath, options)).silences;
}

/**
 * One decoding pass that finds the pauses and measures how much of the file really
 * decodes (the header may promise more): ffmpeg's last progress time is the decoded length.
 */
export async function scanSilences(
  filePath: string,
  options: SilenceOptions & {
    onProgress?: (decodedSec: number) => void;
    /** ffmpeg output options and file for what the pass decodes; by default it is thrown away. */
    output?: readonly string[];
  } = {},
): Promise<{ silences: Silence[]; decodedSec: number | undefined }> {
  const { noiseDb = -35, minSilenceSec = 0.4 } = options;
  const parser = createSilenceParser();
  let decodedSec: number | undefined;
  await runTool(
    "ffmpeg",
    [
      "-nostdin", "-hide_banner", "-stats_period", "1", "-i", filePath, "-map", "0:a:0",
      "-af", `silencedetect=noise=${noiseDb}dB:d=${minSilenceSec}`, ...(options.output ?? ["-f", "null", "-"]),
    ],
    {
      signal: options.signal,
      onStderrLine: (line) => {
        const t = parseProgressTime(line);
        if (t !== undefined) {
          decodedSec = t;
          options.onProgress?.(t);
          return;
        }
        parser.push(line);
      },
    },
  );
  const end = decodedSec !== undefined && options.durationSec !== undefined ? Math.min(decodedSec, options.durationSec) : (decodedSec ?? options.durationSec);
  return { silences: parser.finish(end), decodedSec };
}
