"use client";

import { useRouter } from "next/navigation";
import { useCallback, useRef, useState } from "react";
import { useSWRConfig } from "swr";
import { ApiError, fetchJson, putWithProgress, type UploadInstructions } from "./api";

export type UploadPhase =
  | { kind: "idle" }
  | { kind: "uploading"; sent: number; total: number }
  | { kind: "starting" }
  | { kind: "error"; message: string };

export interface UploadDetails {
  title?: string;
  language?: string;
  deleteAfterAnalysis: boolean;
}

async function sendBytes(
  upload: UploadInstructions,
  file: File,
  onProgress: (sent: number, total: number) => void,
  setAbort: (fn: () => void) => void,
): Promise<void> {
  if (upload.method === "PUT") {
    const req = putWithProgress(upload.url, file, upload.headers, onProgress);
    setAbort(req.abort);
    await req.done;
    return;
  }
  // Vercel Blob: straight from the browser to storage, then tell the API.
  const { upload: blobUpload } = await import("@vercel/blob/client");
  const controller = new AbortController();
  setAbort(() => controller.abort());
  await blobUpload(upload.pathname, file, {
    access: "private",
    handleUploadUrl: upload.handleUploadUrl,
    clientPayload: JSON.stringify({ sessionId: upload.sessionId }),
    multipart: upload.multipart,
    contentType: file.type || "application/octet-stream",
    abortSignal: controller.signal,
    onUploadProgress: (e) => onProgress(e.loaded, e.total),
  });
  await fetchJson(upload.completeUrl, { method: "POST" });
}

/**
 * The upload flow: create the session, send the bytes (with progress, abortable),
 * then open the session's page; if the bytes never arrive, delete the session
 * again so no empty "waiting for upload" entry is left behind.
 */
export function useUpload() {
  const router = useRouter();
  const { mutate } = useSWRConfig();
  const abortRef = useRef<() => void>(() => {});
  const [phase, setPhase] = useState<UploadPhase>({ kind: "idle" });

  async function start(file: File, details: UploadDetails): Promise<void> {
    setPhase({ kind: "uploading", sent: 0, total: file.size });
    let createdId: string | undefined;
    try {
      const created = await fetchJson<{ id: string; upload: UploadInstructions }>("/api/sessions", {
        method: "POST",
        body: JSON.stringify({
          fileName: file.name,
          fileSize: file.size,
          contentType: file.type,
          ...(details.title ? { title: details.title } : {}),
          ...(details.language ? { language: details.language } : {}),
          deleteAfterAnalysis: details.deleteAfterAnalysis,
        }),
      });
      createdId = created.id;
      await sendBytes(
        created.upload,
        file,
        (sent, total) => setPhase({ kind: "uploading", sent, total }),
        (fn) => (abortRef.current = fn),
      );
      setPhase({ kind: "starting" });
      void mutate("/api/sessions");
      router.push(`/sessions/${created.id}`);
    } catch (err) {
      if (createdId && err instanceof ApiError && err.code === "engine_unavailable") {
        // The upload is saved; its page explains and offers Retry.
        router.push(`/sessions/${createdId}`);
        return;
      }
      if (createdId) void fetch(`/api/sessions/${createdId}`, { method: "DELETE" }).then(() => mutate("/api/sessions"));
      setPhase({ kind: "error", message: err instanceof Error ? err.message : String(err) });
    }
  }

  const fail = useCallback((message: string) => setPhase({ kind: "error", message }), []);
  const reset = useCallback(() => setPhase({ kind: "idle" }), []);

  return {
    phase,
    busy: phase.kind === "uploading" || phase.kind === "starting",
    start,
    abort: () => abortRef.current(),
    /** For problems found before anything is sent (a file over the limit). */
    fail,
    reset,
  };
}
