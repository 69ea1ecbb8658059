/**
 * Test and benchmark audio, generated (never committed) into tests/fixtures/generated/.
 *
 *   ensureFixtures()        → every fixture below, built once, then reused (idempotent)
 *   buildLongRecording(o)   → an N-minute mp3 of speech and pauses for benchmarks and long tests
 *
 * Sources are on the machine already: Debian's pocketsphinx-testdata (five LibriVox
 * utterances with reference transcripts) and espeak-ng. Output is deterministic and
 * takes a few seconds. Every file is written under a temporary name and renamed, so
 * parallel test workers may call ensureFixtures() at the same time.
 */
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { access, mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { runTool } from "@/lib/audio/ffmpeg";

export const FIXTURES_DIR = path.resolve(import.meta.dirname, "..", "tests", "fixtures", "generated");

const inDir = (name: string) => path.join(FIXTURES_DIR, name);
/** Per process and per module instance: vitest's thread pool shares one pid between test files. */
const uniq = `${process.pid}-${randomUUID().slice(0, 8)}`;

export const LIBRIVOX_DIR = "/usr/share/pocketsphinx/test/data/librivox";

/** Sentences spoken by espeak-ng with PAUSE_SEC of silence between them. */
export const ESPEAK_SENTENCES = [
  "Good morning everyone, and thank you for joining the weekly planning meeting.",
  "The quarterly budget review is scheduled for Thursday morning.",
  "Please send your travel requests to the office manager before Friday.",
  "We agreed to move the product launch to the second week of March.",
  "The design team will share the new prototype with customers next month.",
  "If you have any questions, write them down and we will answer them at the end.",
] as const;
export const ESPEAK_PAUSE_SEC = 1.2;

export interface SpeechFixture {
  path: string;
  /** Reference transcript, also saved next to the audio as .txt. */
  text: string;
}

export interface Fixtures {
  dir: string;
  librivox: { wav: string; mp3: string; m4a: string; webm: string; text: string };
  espeak: SpeechFixture & {
    /** Where the inserted pauses are, in seconds (from espeak.json). */
    pauses: Array<{ start: number; end: number }>;
  };
  silence: string;
  videoWithAudio: string;
  bad: { textAsMp3: string; emptyMp3: string; truncatedMp3: string; image: string; videoNoAudio: string };
  /** The LibriVox mp3 cut off after ~1 s of audio; its header still announces all of it. */
  cutShortMp3: { path: string; announcedSec: number };
}

async function exists(p: string): Promise<boolean> {
  try {
    await access(p);
    return (await stat(p)).size > 0 || p.endsWith("empty.mp3");
  } catch {
    return false;
  }
}

/** Builds in flight in this process, by final path: concurrent callers of one fixture share a build. */
const building = new Map<string, Promise<string>>();

/** Builds `name` once: the builder writes to a temporary path that keeps the extension (ffmpeg needs it). */
async function make(name: string, build: (tmp: string) => Promise<void>): Promise<string> {
  const final = path.join(FIXTURES_DIR, name);
  if (await exists(final)) return final;
  const inFlight = building.get(final);
  if (inFlight) return inFlight;
  const ext = path.extname(name);
  const tmp = path.join(FIXTURES_DIR, `.tmp-${uniq}-${path.basename(name, ext)}${ext}`);
  const done = (async () => {
    try {
      await build(tmp);
      await rename(tmp, final);
    } finally {
      await rm(tmp, { force: true });
    }
    return final;
  })().finally(() => building.delete(final));
  building.set(final, done);
  return done;
}

const ffmpeg = async (args: string[]): Promise<void> => {
  await runTool("ffmpeg", ["-nostdin", "-y", "-v", "error", ...args]);
};
/** Output options then the file; bitexact keeps version strings out, so reruns give the same bytes. */
const out = (file: string, ...opts: string[]) => [...opts, "-fflags", "+bitexact", "-flags:a", "+bitexact", file];

function espeak(text: string, wav: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("espeak-ng", ["-v", "en-us", "-s", "160", "-w", wav, text], { stdio: "ignore" });
    child.on("error", (e) => reject(new Error(`espeak-ng could not start (apt-get install espeak-ng): ${e.message}`)));
    child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`espeak-ng exited with ${code}`))));
  });
}

async function durationOf(file: string): Promise<number> {
  const { stdout } = await runTool("ffprobe", ["-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", file]);
  return Number(stdout.toString().trim());
}

/** Concatenates wav inputs with `pauseSec` of silence between them into 16 kHz mono wav. */
async function joinWithPauses(inputs: string[], pauseSec: number, dest: string): Promise<void> {
  const args: string[] = [];
  for (const f of inputs) args.push("-i", f);
  const parts: string[] = [];
  const labels: string[] = [];
  inputs.forEach((_, i) => {
    parts.push(`[${i}:a]aresample=16000,aformat=sample_fmts=s16:channel_layouts=mono[s${i}]`);
    labels.push(`[s${i}]`);
    if (i < inputs.length - 1) {
      parts.push(`anullsrc=r=16000:cl=mono,atrim=duration=${pauseSec}[p${i}]`);
      labels.push(`[p${i}]`);
    }
  });
  const n = labels.length;
  parts.push(`${labels.join("")}concat=n=${n}:v=0:a=1[out]`);
  await ffmpeg([...args, "-filter_complex", parts.join(";"), ...out(dest, "-map", "[out]", "-c:a", "pcm_s16le")]);
}

async function librivoxSources(): Promise<{ wavs: string[]; text: string }> {
  let transcription: string;
  try {
    transcription = await readFile(path.join(LIBRIVOX_DIR, "transcription"), "utf8");
  } catch {
    throw new Error(`${LIBRIVOX_DIR} is missing: apt-get install pocketsphinx-testdata`);
  }
  const wavs: string[] = [];
  const sentences: string[] = [];
  for (const line of transcription.split("\n")) {
    const m = /^<s>\s*(.*?)\s*<\/s>\s*\(([^)]+)\)/.exec(line.trim());
    if (!m?.[1] || !m[2]) continue;
    sentences.push(m[1]);
    wavs.push(path.join(LIBRIVOX_DIR, `${m[2]}.wav`));
  }
  return { wavs, text: sentences.join(" ") };
}


let pending: Promise<Fixtures> | undefined;

/** Generates whatever is missing; cached per process. */
export function ensureFixtures(): Promise<Fixtures> {
  pending ??= generate().catch((err: unknown) => {
    pending = undefined;
    throw err;
  });
  return pending;
}

async function generate(): Promise<Fixtures> {
  await mkdir(FIXTURES_DIR, { recursive: true });

  // (a) human speech
  const libri = await librivoxSources();
  const librivoxWav = await make("librivox.wav", (tmp) => joinWithPauses(libri.wavs, 0.8, tmp));
  await make("librivox.txt", (tmp) => writeFile(tmp, `${libri.text}\n`));
  const [mp3, m4a, webm] = await Promise.all([
    make("librivox.mp3", (tmp) => ffmpeg(["-i", librivoxWav, ...out(tmp, "-c:a", "libmp3lame", "-b:a", "64k")])),
    make("librivox.m4a", (tmp) => ffmpeg(["-i", librivoxWav, ...out(tmp, "-c:a", "aac", "-b:a", "64k")])),
    make("librivox.webm", (tmp) => ffmpeg(["-i", librivoxWav, ...out(tmp, "-c:a", "libopus", "-b:a", "32k")])),
  ]);

  // (b) synthetic speech with known pauses
  const espeakText = ESPEAK_SENTENCES.join(" ");
  const espeakWav = await make("espeak.wav", async (tmp) => {
    const parts = ESPEAK_SENTENCES.map((_, i) => inDir(`.tmp-${uniq}-sentence-${i}.wav`));
    try {
      for (const [i, s] of ESPEAK_SENTENCES.entries()) await espeak(s, parts[i] ?? "");
      await joinWithPauses(parts, ESPEAK_PAUSE_SEC, tmp);
    } finally {
      await Promise.all(parts.map((p) => rm(p, { force: true })));
    }
  });
  await make("espeak.txt", (tmp) => writeFile(tmp, `${espeakText}\n`));
  const pausesFile = await make("espeak.json", async (tmp) => {
    // Pause positions come from each sentence's synthesized length.
    const pauses: Array<{ start: number; end: number }> = [];
    let t = 0;
    for (const [i, s] of ESPEAK_SENTENCES.entries()) {
      const one = inDir(`.tmp-${uniq}-len-${i}.wav`);
      await espeak(s, one);
      t += await durationOf(one);
      await rm(one, { force: true });
      if (i < ESPEAK_SENTENCES.length - 1) {
        pauses.push({ start: round(t), end: round(t + ESPEAK_PAUSE_SEC) });
        t += ESPEAK_PAUSE_SEC;
      }
    }
    await writeFile(tmp, JSON.stringify({ pauses }, null, 2));
  });
  const pauses = (JSON.parse(await readFile(pausesFile, "utf8")) as { pauses: Array<{ start: number; end: number }> })
    .pauses;

  // (c) silence, and a video that does carry sound
  const silence = await make("silence.wav", (tmp) =>
    ffmpeg(["-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono", "-t", "5", ...out(tmp, "-c:a", "pcm_s16le")]),
  );
  const videoWithAudio = await make("video-with-audio.mp4", (tmp) =>
    ffmpeg([
      "-f", "lavfi", "-i", "testsrc=size=160x120:rate=10", "-i", librivoxWav, "-t", "3",
      ...out(tmp, "-map", "0:v", "-map", "1:a", "-c:v", "mpeg4", "-c:a", "aac", "-shortest"),
    ]),
  );

  // (d) things that are not audio
  const textAsMp3 = await make("not-audio.mp3", (tmp) =>
    writeFile(tmp, "This is a text file that someone renamed to .mp3.\n".repeat(40)),
  );
  const emptyMp3 = await make("empty.mp3", (tmp) => writeFile(tmp, ""));
  const truncatedMp3 = await make("truncated.mp3", async (tmp) => {
    // The tags and the first frame header survive; no decodable audio does.
    await writeFile(tmp, (await readFile(mp3)).subarray(0, 300));
  });
  // The first 9000 bytes: the Info header (which announces the full length) and ~1 s of frames.
  const cutShort = await make("truncated-1s.mp3", async (tmp) => {
    await writeFile(tmp, (await readFile(mp3)).subarray(0, 9000));
  });
  const image = await make("image.png", (tmp) =>
    ffmpeg(["-f", "lavfi", "-i", "color=c=blue:size=64x64", ...out(tmp, "-frames:v", "1")]),
  );
  const videoNoAudio = await make("video-no-audio.mp4", (tmp) =>
    ffmpeg(["-f", "lavfi", "-i", "testsrc=size=160x120:rate=10", "-t", "2", ...out(tmp, "-c:v", "mpeg4")]),
  );

  return {
    dir: FIXTURES_DIR,
    librivox: { wav: librivoxWav, mp3, m4a, webm, text: libri.text },
    espeak: { path: espeakWav, text: espeakText, pauses },
    silence,
    videoWithAudio,
    bad: { textAsMp3, emptyMp3, truncatedMp3, image, videoNoAudio },
    cutShortMp3: { path: cutShort, announcedSec: await durationOf(cutShort) },
  };
}

const round = (s: number) => Math.round(s * 1000) / 1000;

export interface LongRecording {
  path: string;
  durationSec: number;
  /** What is said, in order (the speech unit repeated). */
  referenceText: string;
  repeats: number;
}

/**
 * An mp3 of at least `minutes` minutes: the LibriVox and espeak speech with 2 s pauses,
 * repeated. Built by stream copy through ffmpeg's concat demuxer, so 40 minutes take
 * about a second. Cached by length in FIXTURES_DIR unless `dest` is given.
 */
export async function buildLongRecording(options: { minutes: number; dest?: string }): Promise<LongRecording> {
  const fx = await ensureFixtures();
  const unit = await make("long-unit.mp3", async (tmp) => {
    const wav = inDir(`.tmp-${uniq}-unit.wav`);
    try {
      await joinWithPauses([fx.librivox.wav, fx.espeak.path], 2, wav);
      // Trailing pause so repeats are separated too.
      await ffmpeg(["-i", wav, "-af", "apad=pad_dur=2", ...out(tmp, "-c:a", "libmp3lame", "-b:a", "48k", "-ar", "16000", "-ac", "1")]);
    } finally {
      await rm(wav, { force: true });
    }
  });
  const unitSec = await durationOf(unit);
  const repeats = Math.max(1, Math.ceil((options.minutes * 60) / unitSec));
  const name = options.dest ?? path.join(FIXTURES_DIR, `long-${options.minutes}min.mp3`);
  const build = async (tmp: string) => {
    const list = `${tmp}.txt`;
    try {
      // The concat demuxer quotes paths with single quotes.
      await writeFile(list, `${`file '${unit.replaceAll("'", "'\\''")}'\n`.repeat(repeats)}`);
      await ffmpeg(["-f", "concat", "-safe", "0", "-i", list, ...out(tmp, "-c", "copy")]);
    } finally {
      await rm(list, { force: true });
    }
  };
  let finalPath: string;
  if (options.dest) {
    await mkdir(path.dirname(options.dest), { recursive: true });
    const tmp = `${options.dest}.tmp-${uniq}.mp3`;
    await build(tmp);
    await rename(tmp, options.dest);
    finalPath = options.dest;
  } else {
    finalPath = await make(path.basename(name), build);
  }
  const unitText = `${fx.librivox.text} ${fx.espeak.text}`;
  return {
    path: finalPath,
    durationSec: await durationOf(finalPath),
    referenceText: Array.from({ length: repeats }, () => unitText).join(" "),
    repeats,
  };
}

/**
 * The LibriVox recording with `pauseSec` of digital silence between its readings instead of
 * 0.8 s: the truth for speaking metrics on real speech is then known as a difference (every
 * join's pause grows by pauseSec − 0.8, the speech stays the same).
 */
export async function buildLibrivoxWithPauses(pauseSec: number): Promise<{ path: string; joins: number; pauseSec: number }> {
  await mkdir(FIXTURES_DIR, { recursive: true });
  const libri = await librivoxSources();
  const file = await make(`librivox-pauses-${pauseSec}.wav`, (tmp) => joinWithPauses(libri.wavs, pauseSec, tmp));
  return { path: file, joins: libri.wavs.length - 1, pauseSec };
}

export interface GapRecording {
  path: string;
  /** What each half says (the same clip twice). */
  clipText: string;
  clipSec: number;
  /** Where the gap lies, in seconds. */
  gap: { start: number; end: number };
}

/**
 * The LibriVox clip (its five readings back to back, ~25 s), a gap of digital silence or of
 * quiet room tone, and the clip again, as 16 kHz mono Opus like a prepared part: the shape
 * of recording whose second half the local model once returned nothing for.
 */
export async function buildGapRecording(options: { gapSec: number; gap: "silence" | "room-tone" }): Promise<GapRecording> {
  await mkdir(FIXTURES_DIR, { recursive: true });
  const libri = await librivoxSources();
  const name = `gap-${options.gap}-${options.gapSec}s.ogg`;
  const clipName = "librivox-clip.wav";
  const clip = await make(clipName, async (tmp) => {
    const args = libri.wavs.flatMap((w) => ["-i", w]);
    const labels = libri.wavs.map((_, i) => `[${i}:a]`).join("");
    await ffmpeg([...args, "-filter_complex", `${labels}concat=n=${libri.wavs.length}:v=0:a=1[out]`, ...out(tmp, "-map", "[out]", "-ar", "16000", "-ac", "1", "-c:a", "pcm_s16le")]);
  });
  const clipSec = await durationOf(clip);
  const source =
    options.gap === "silence"
      ? `anullsrc=r=16000:cl=mono,atrim=duration=${options.gapSec}`
      : // Pink noise at about -50 dBFS: a quiet room, not digital zero.
        `anoisesrc=r=16000:a=0.003:c=pink:d=${options.gapSec}`;
  const file = await make(name, (tmp) =>
    ffmpeg([
      "-i", clip, "-i", clip,
      "-filter_complex",
      `${source}[g];[0:a]aformat=sample_rates=16000:channel_layouts=mono[a];[1:a]aformat=sample_rates=16000:channel_layouts=mono[b];[g]aformat=sample_rates=16000:channel_layouts=mono[gg];[a][gg][b]concat=n=3:v=0:a=1[out]`,
      ...out(tmp, "-map", "[out]", "-c:a", "libopus", "-b:a", "24k"),
    ]),
  );
  return { path: file, clipText: libri.text, clipSec, gap: { start: clipSec, end: clipSec + options.gapSec } };
}

export interface PauseRecording {
  path: string;
  /** Where speech is, in seconds: exact, since espeak-ng writes digital zero around its speech. */
  speech: Array<{ start: number; end: number }>;
  /** The pauses inserted between the sentences, in order. */
  pausesSec: number[];
}

/** espeak-ng sentences without commas (a comma makes espeak pause inside the sentence). */
const PAUSE_SENTENCES = ESPEAK_SENTENCES.filter((s) => !s.includes(","));

/** Cuts the digital zero before and after the speech: what is left starts and ends with sound. */
const TRIM_ZERO =
  "silenceremove=start_periods=1:start_threshold=0.00002:start_silence=0,areverse,silenceremove=start_periods=1:start_threshold=0.00002:start_silence=0,areverse";

/**
 * espeak-ng sentences, each trimmed to its sound, joined by pauses of known length (digital
 * silence): the exact truth for speaking time, silent time and the longest pause. Synthetic
 * speech has no breath or room noise, so where speech starts and stops is not a judgement.
 */
export async function buildPauseRecording(pausesSec: number[] = [0.6, 1.5, 3]): Promise<PauseRecording> {
  await mkdir(FIXTURES_DIR, { recursive: true });
  const n = Math.min(PAUSE_SENTENCES.length, pausesSec.length + 1);
  const trimmed: string[] = [];
  for (let i = 0; i < n; i++) {
    trimmed.push(
      await make(`espeak-trimmed-${i}.wav`, async (tmp) => {
        const raw = inDir(`.tmp-${uniq}-raw-${i}.wav`);
        try {
          await espeak(PAUSE_SENTENCES[i] ?? "", raw);
          await ffmpeg(["-i", raw, "-af", `aresample=16000,${TRIM_ZERO}`, ...out(tmp, "-ac", "1", "-c:a", "pcm_s16le")]);
        } finally {
          await rm(raw, { force: true });
        }
      }),
    );
  }
  const lengths = await Promise.all(trimmed.map((t) => durationOf(t)));
  const speech: Array<{ start: number; end: number }> = [];
  let t = 0;
  for (let i = 0; i < n; i++) {
    speech.push({ start: round(t), end: round(t + (lengths[i] ?? 0)) });
    t += (lengths[i] ?? 0) + (i < n - 1 ? (pausesSec[i] ?? 0) : 0);
  }
  const file = await make(`pauses-${pausesSec.slice(0, n - 1).join("-")}.wav`, async (tmp) => {
    const args = trimmed.flatMap((f) => ["-i", f]);
    const parts: string[] = [];
    const labels: string[] = [];
    trimmed.forEach((_, i) => {
      labels.push(`[${i}:a]`);
      if (i < n - 1) {
        parts.push(`anullsrc=r=16000:cl=mono,atrim=duration=${pausesSec[i]}[p${i}]`);
        labels.push(`[p${i}]`);
      }
    });
    parts.push(`${labels.join("")}concat=n=${labels.length}:v=0:a=1[out]`);
    await ffmpeg([...args, "-filter_complex", parts.join(";"), ...out(tmp, "-map", "[out]", "-c:a", "pcm_s16le")]);
  });
  return { path: file, speech, pausesSec: pausesSec.slice(0, n - 1) };
}

/**
 * The pause recording under pink room noise at amplitude `noise` (0.04 is about −28 dBFS):
 * loud enough that ffmpeg's silencedetect at −35 dB finds no pause at all, while the speech
 * and its pauses are where they were. What real rooms do to a loudness threshold.
 */
export async function buildNoisyPauseRecording(noise = 0.04): Promise<PauseRecording> {
  const clean = await buildPauseRecording();
  const file = await make(`${path.basename(clean.path, ".wav")}-noise-${noise}.wav`, async (tmp) => {
    await ffmpeg([
      "-i", clean.path, "-f", "lavfi", "-i", `anoisesrc=r=16000:a=${noise}:c=pink:seed=7`,
      "-filter_complex", "[0:a][1:a]amix=inputs=2:duration=first:normalize=0",
      ...out(tmp, "-ac", "1", "-ar", "16000", "-c:a", "pcm_s16le"),
    ]);
  });
  return { ...clean, path: file };
}
