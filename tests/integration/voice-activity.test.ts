import { beforeAll, describe, expect, it } from "vitest";
import { runTool } from "@/lib/audio/ffmpeg";
import { describeShortfall, findPauses, honestDuration } from "@/lib/audio/pauses";
import { silencesBetween } from "@/lib/audio/spans";
import { detectSpeech, detectSpeechInPcm } from "@/lib/audio/vad";
import { decodePcm } from "@/lib/audio/chunks";
import { computeMetrics } from "@/lib/analysis/metrics";
import { buildLibrivoxWithPauses, buildPauseRecording, ensureFixtures, type Fixtures, type PauseRecording } from "@/scripts/fixtures-lib";
import { ensureVadModel } from "@/scripts/setup-model";

/** Silero VAD on real files: where speech is, the speaking metrics it gives, and silence. */
let fx: Fixtures;
let rec: PauseRecording;

beforeAll(async () => {
  [fx] = await Promise.all([ensureFixtures(), ensureVadModel()]);
  rec = await buildPauseRecording();
}, 60_000);

const total = (spans: Array<{ start: number; end: number }>) => spans.reduce((s, x) => s + (x.end - x.start), 0);

function metricsOf(speech: Array<{ start: number; end: number }>, durationSec: number) {
  // Words do not matter for the timing metrics, only that someone spoke.
  return computeMetrics({ segments: [{ start: 0, end: durationSec, text: "words" }], text: "words", durationSec, silences: silencesBetween(speech, durationSec) });
}

describe("speaking metrics from Silero VAD", () => {
  it("are within 0.3 s of the truth on speech with known inserted pauses", async () => {
    const { speech, decodedSec } = await detectSpeech(rec.path);
    const durationSec = rec.speech.at(-1)!.end;
    expect(Math.abs(decodedSec - durationSec)).toBeLessThan(0.05);
    const m = metricsOf(speech, decodedSec);
    const truthSpeaking = total(rec.speech);
    expect(Math.abs(m.speakingSec - truthSpeaking), JSON.stringify(speech)).toBeLessThan(0.3);
    expect(Math.abs(m.silentSec - (durationSec - truthSpeaking))).toBeLessThan(0.3);
    expect(Math.abs(m.longestPauseSec - Math.max(...rec.pausesSec))).toBeLessThan(0.3);
    // Every inserted pause is found, where it is, as long as it is.
    const pauses = silencesBetween(speech, decodedSec).filter((p) => p.start > 0.1 && p.end < decodedSec - 0.1);
    expect(pauses).toHaveLength(rec.pausesSec.length);
    pauses.forEach((p, i) => {
      expect(Math.abs(p.start - rec.speech[i]!.end)).toBeLessThan(0.3);
      expect(Math.abs(p.end - rec.speech[i + 1]!.start)).toBeLessThan(0.3);
    });
  });

  it("find the pauses of the LibriVox recording that silencedetect at −35 dB missed", async () => {
    const { speech, decodedSec } = await detectSpeech(fx.librivox.wav);
    const m = metricsOf(speech, decodedSec);
    // Five readings joined by 0.8 s of digital silence: each gap lies inside a found pause.
    expect(speech.length).toBeGreaterThanOrEqual(5);
    const pauses = silencesBetween(speech, decodedSec);
    expect(pauses.filter((p) => p.end - p.start >= 0.8 && p.start > 0.1 && p.end < decodedSec - 0.1)).toHaveLength(4);
    expect(m.longestPauseSec).toBeGreaterThanOrEqual(0.8);
    expect(m.longestPauseSec).toBeLessThan(2);
    expect(m.silentSec).toBeGreaterThan(4 * 0.8);
    expect(m.speakingSec).toBeGreaterThan(20);
  });

  it("are within 0.3 s of the truth on the LibriVox readings: 2 s more between them adds 2 s to each join's pause and nothing to the speech", async () => {
    // The fixture joins five readings with 0.8 s of digital silence; where people pause inside a
    // reading is not known, but what inserting 2 s more at every join must change is.
    const wide = await buildLibrivoxWithPauses(2.8);
    const extra = wide.pauseSec - 0.8;
    const [a, b] = await Promise.all([detectSpeech(fx.librivox.wav), detectSpeech(wide.path)]);
    expect(Math.abs(b.decodedSec - a.decodedSec - wide.joins * extra)).toBeLessThan(0.05);
    const ma = metricsOf(a.speech, a.decodedSec);
    const mb = metricsOf(b.speech, b.decodedSec);
    const detail = JSON.stringify({ a: a.speech, b: b.speech });
    expect(Math.abs(mb.speakingSec - ma.speakingSec), detail).toBeLessThan(0.3);
    expect(Math.abs(mb.silentSec - ma.silentSec - wide.joins * extra), detail).toBeLessThan(0.3);
    expect(Math.abs(mb.longestPauseSec - ma.longestPauseSec - extra), detail).toBeLessThan(0.3);
    // Join by join: the pause around each one is 2 s longer, and starts where it started.
    const joinPauses = (speech: typeof a.speech, durationSec: number) =>
      silencesBetween(speech, durationSec)
        .filter((p) => p.start > 0.1 && p.end < durationSec - 0.1)
        .sort((x, y) => y.end - y.start - (x.end - x.start))
        .slice(0, wide.joins)
        .sort((x, y) => x.start - y.start);
    const pa = joinPauses(a.speech, a.decodedSec);
    const pb = joinPauses(b.speech, b.decodedSec);
    pa.forEach((p, i) => {
      const q = pb[i]!;
      expect(Math.abs(q.end - q.start - (p.end - p.start) - extra), detail).toBeLessThan(0.3);
      expect(Math.abs(q.start - (p.start + i * extra)), detail).toBeLessThan(0.3);
    });
  });

  it("hears no speech in digital silence or in quiet room tone", async () => {
    expect((await detectSpeech(fx.silence)).speech).toEqual([]);
    const { stdout } = await runTool("ffmpeg", [
      "-nostdin", "-v", "error", "-f", "lavfi", "-i", "anoisesrc=r=16000:a=0.003:c=pink:d=5", "-f", "f32le", "-",
    ]);
    const pcm = new Float32Array(stdout.buffer.slice(stdout.byteOffset, stdout.byteOffset + stdout.length - (stdout.length % 4)));
    expect(await detectSpeechInPcm(pcm)).toEqual([]);
  });

  it("gives the same speech from samples in memory as from the file", async () => {
    const fromFile = await detectSpeech(rec.path);
    const fromPcm = await detectSpeechInPcm(await decodePcm(rec.path));
    expect(fromPcm).toEqual(fromFile.speech);
  });
});

describe("honest durations", () => {
  it("a file cut off after 1 s reports what decodes, and what its header announced", async () => {
    const { path, announcedSec } = fx.cutShortMp3;
    // The truth: samples ffmpeg really decodes.
    const truth = (await decodePcm(path)).length / 16_000;
    expect(announcedSec).toBeGreaterThan(20);
    const found = await findPauses(path, announcedSec);
    const d = honestDuration(announcedSec, found.decodedSec);
    expect(Math.abs(d.durationSec - truth)).toBeLessThan(0.05);
    expect(d.announcedSec).toBe(announcedSec);
    expect(describeShortfall(d.durationSec, announcedSec)).toBe(
      `only ${d.durationSec.toFixed(1)} s of the announced ${announcedSec.toFixed(1)} s could be decoded`,
    );
  });

  it("a whole file keeps its own duration", async () => {
    const found = await findPauses(fx.librivox.mp3, 28.008);
    expect(honestDuration(28.008, found.decodedSec)).toEqual({ durationSec: 28.008, announcedSec: null });
  });
});
