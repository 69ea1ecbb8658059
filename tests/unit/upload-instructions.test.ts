import { describe, expect, it } from "vitest";
import { loadConfig } from "@/lib/config";
import { uploadInstructions } from "@/lib/sessions/upload-instructions";
import { assertSafeKey, blobKeys } from "@/lib/storage/types";

const MB = 1024 * 1024;
const ID = "3f2b8c1e-5d4a-4b6e-9c7d-1a2b3c4d5e6f";
const session = (fileName: string, fileSize: number, contentType = "audio/mp4") => ({ id: ID, fileName, fileSize, contentType });

describe("uploadInstructions with local storage", () => {
  const local = loadConfig({});

  it("is a PUT of the bytes to the session's audio route, limited to the announced size", () => {
    expect(local.storageDriver).toBe("local");
    expect(uploadInstructions(local, session("call.m4a", 4321, "audio/x-m4a"))).toEqual({
      method: "PUT",
      url: `/api/sessions/${ID}/audio`,
      headers: { "content-type": "audio/x-m4a" },
      maxBytes: 4321,
      resumable: { protocol: "tus", endpoint: "/api/uploads/tus" },
    });
  });

  it("sends octet-stream when the browser gave no type", () => {
    const ins = uploadInstructions(local, session("call.m4a", 10, ""));
    expect(ins.method === "PUT" && ins.headers["content-type"]).toBe("application/octet-stream");
  });
});

describe("uploadInstructions with Vercel Blob", () => {
  const blob = loadConfig({ BLOB_READ_WRITE_TOKEN: "vercel_blob_rw_store_secret", MAX_UPLOAD_BYTES: String(500 * MB) });

  it("names exactly the pathname the upload-token route will accept", () => {
    for (const name of ["call.m4a", "Réunion équipe (1).m4a", "../../etc/passwd", ""]) {
      const ins = uploadInstructions(blob, session(name, 10 * MB));
      if (ins.method !== "vercel-blob") throw new Error("expected vercel-blob instructions");
      expect(ins.pathname).toBe(blobKeys.audio(ID, name));
      expect(ins.pathname.startsWith(`sessions/${ID}/audio/`)).toBe(true);
      expect(() => assertSafeKey(ins.pathname)).not.toThrow();
      expect(ins).toMatchObject({
        sessionId: ID,
        handleUploadUrl: `/api/sessions/${ID}/upload-token`,
        completeUrl: `/api/sessions/${ID}/uploaded`,
        maxBytes: 500 * MB,
      });
    }
  });

  it("uses multipart only above 100 MB", () => {
    const multipart = (size: number) => {
      const ins = uploadInstructions(blob, session("long.wav", size));
      if (ins.method !== "vercel-blob") throw new Error("expected vercel-blob instructions");
      return ins.multipart;
    };
    expect(multipart(1)).toBe(false);
    expect(multipart(100 * MB)).toBe(false);
    expect(multipart(100 * MB + 1)).toBe(true);
    expect(multipart(450 * MB)).toBe(true);
  });
});
