import type { Config } from "@/lib/config";
import { blobKeys } from "@/lib/storage/types";

/** The tus route (app/api/uploads/tus): resumable uploads with local storage. */
export const TUS_ENDPOINT = "/api/uploads/tus";

/** How the browser sends the bytes: straight to our disk route, or straight to Vercel Blob. */
export type UploadInstructions =
  | {
      method: "PUT";
      url: string;
      headers: Record<string, string>;
      maxBytes: number;
      /** The same upload over tus: a dropped connection continues from the server's offset. */
      resumable: { protocol: "tus"; endpoint: string };
    }
  | { method: "vercel-blob"; sessionId: string; pathname: string; handleUploadUrl: string; completeUrl: string; maxBytes: number; multipart: boolean };

export function uploadInstructions(
  c: Pick<Config, "storageDriver" | "MAX_UPLOAD_BYTES">,
  s: { id: string; fileName: string; fileSize: number; contentType: string },
): UploadInstructions {
  if (c.storageDriver === "vercel-blob") {
    return {
      method: "vercel-blob",
      sessionId: s.id,
      pathname: blobKeys.audio(s.id, s.fileName),
      handleUploadUrl: `/api/sessions/${s.id}/upload-token`,
      completeUrl: `/api/sessions/${s.id}/uploaded`,
      maxBytes: c.MAX_UPLOAD_BYTES,
      // Vercel's own advice: multipart above ~100 MB keeps a flaky connection from restarting at zero.
      multipart: s.fileSize > 100 * 1024 * 1024,
    };
  }
  return {
    method: "PUT",
    url: `/api/sessions/${s.id}/audio`,
    headers: { "content-type": s.contentType || "application/octet-stream" },
    maxBytes: s.fileSize,
    resumable: { protocol: "tus", endpoint: TUS_ENDPOINT },
  };
}
