import { getDb } from "@/db/client";
import { config } from "@/lib/config";
import { getAnalyzer, getTranscriber } from "@/lib/providers";
import { getBlobStore } from "@/lib/storage";
import type { PipelineDeps } from "./steps";

let deps: Promise<PipelineDeps> | undefined;

/** The process-wide dependencies of the steps, from configuration. */
export function pipelineDeps(): Promise<PipelineDeps> {
  deps ??= (async () => ({
    db: await getDb(),
    store: await getBlobStore(),
    transcriber: getTranscriber,
    analyzer: getAnalyzer,
    chunkSeconds: config().CHUNK_SECONDS,
    prepareMode: config().PREPARE_MODE,
  }))().catch((err: unknown) => {
    deps = undefined;
    throw err;
  });
  return deps;
}
