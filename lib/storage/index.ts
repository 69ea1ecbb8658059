import path from "node:path";
import { config } from "@/lib/config";
import { LocalDiskStore } from "./local";
import type { BlobStore } from "./types";

export * from "./types";

let store: BlobStore | undefined;

/** The configured store: Vercel Blob when BLOB_READ_WRITE_TOKEN is set, else local disk under DATA_DIR. */
export async function getBlobStore(): Promise<BlobStore> {
  if (store) return store;
  const c = config();
  if (c.storageDriver === "vercel-blob") {
    const { VercelBlobStore } = await import("./vercel-blob");
    store = new VercelBlobStore(c.BLOB_READ_WRITE_TOKEN!);
  } else {
    store = new LocalDiskStore(path.join(c.dataDir, "blobs"));
  }
  return store;
}
