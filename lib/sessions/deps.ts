import { getDb } from "@/db/client";
import { config } from "@/lib/config";
import { getBlobStore } from "@/lib/storage";
import type { SessionDeps } from "./service";

export async function sessionDeps(): Promise<SessionDeps> {
  return { db: await getDb(), store: await getBlobStore(), maxUploadBytes: config().MAX_UPLOAD_BYTES };
}
