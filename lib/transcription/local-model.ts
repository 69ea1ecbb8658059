import { stat } from "node:fs/promises";
import path from "node:path";
import { config } from "@/lib/config";

/**
 * Moonshine tiny (English) as sherpa-onnx's "moonshine v2" layout: the encoder and the
 * merged decoder from @moonshine-ai/moonshine-js, plus a base64 tokens.txt.
 * Sizes and digests pin the exact files `npm run setup:model` fetches.
 */
export const MOONSHINE_FILES = {
  encoder: {
    name: "encoder_model.onnx",
    bytes: 7_937_661,
    sha256: "c6fc4b7bc5af75c0591fd157a1f3829b533d18e9769a888fd95a62e470dd4f4a",
  },
  decoder: {
    name: "decoder_model_merged.onnx",
    bytes: 20_243_286,
    sha256: "eed87831c3a6103534aae7d47a5d485025c659a1323901513961c39fe8a1a367",
  },
} as const;

export const TOKENS_FILE = "tokens.txt";

export function defaultModelDir(): string {
  const c = config();
  // turbopackIgnore: the model lives outside the build; Next.js must not trace it (or the project) in.
  return path.resolve(/*turbopackIgnore: true*/ c.MOONSHINE_MODEL_DIR ?? path.join(c.dataDir, "models", "moonshine-tiny"));
}

export interface ModelPaths {
  dir: string;
  encoder: string;
  decoder: string;
  tokens: string;
}

export function modelPaths(dir: string = defaultModelDir()): ModelPaths {
  return {
    dir,
    encoder: path.join(/*turbopackIgnore: true*/ dir, MOONSHINE_FILES.encoder.name),
    decoder: path.join(/*turbopackIgnore: true*/ dir, MOONSHINE_FILES.decoder.name),
    tokens: path.join(/*turbopackIgnore: true*/ dir, TOKENS_FILE),
  };
}

/** True when every file is present with the expected size (a cheap check; no hashing). */
export async function hasModel(dir: string = defaultModelDir()): Promise<boolean> {
  const p = modelPaths(dir);
  try {
    const [enc, dec, tok] = await Promise.all([stat(p.encoder), stat(p.decoder), stat(p.tokens)]);
    return enc.size === MOONSHINE_FILES.encoder.bytes && dec.size === MOONSHINE_FILES.decoder.bytes && tok.size > 0;
  } catch {
    return false;
  }
}
