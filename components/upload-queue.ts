"use client";

import { useCallback, useEffect, useRef, useState } from "react";
import { useSWRConfig } from "swr";
import * as tus from "tus-js-client";
import { ACCEPT_ATTRIBUTE } from "@/lib/sessions/media";
import { isAcceptableMedia } from "@/lib/sessions/upload-rules";
import { ApiError, fetchJson, putWithProgress, type SessionView, type UploadInstructions } from "./api";
import { formatBytes } from "./format";

/** The file picker offers what the server accepts. */
export const ACCEPT = ACCEPT_ATTRIBUTE;

/** Two at a time: enough to keep a connection busy, few enough that each shows real progress. */
const PARALLEL = 2;

export type ItemState = "ready" | "waiting" | "uploading" | "done" | "cancelled" | "failed" | "refused";

export interface UploadItem {
  key: string;
  file: File;
  state: ItemState;
  sent: number;
  /** Bytes per second, smoothed. */
  speed: number;
  sessionId?: string;
  /** Why it was refused or failed, in words. */
  message?: string;
  /** A tus upload continued from an earlier, interrupted attempt. */
  resumed?: boolean;
}

export interface UploadSettings {
  title?: string;
  language?: string;
  deleteAfterAnalysis: boolean;
}

/** An interrupted resumable upload this browser remembers, whose session still waits for its audio. */
export interface Interrupted {
  urlStorageKey: string;
  sessionId: string;
  fileName: string;
  size: number;
  sent: number;
}

let counter = 0;

/** The list page-loads with useSWRInfinite, whose keys a filtered mutate skips: it listens for this event instead. */
export const SESSIONS_CHANGED = "murmur:sessions-changed";

function sessionsChanged(mutate: ReturnType<typeof useSWRConfig>["mutate"]) {
  void mutate((k) => typeof k === "string" && k.startsWith("/api/sessions"), undefined, { revalidate: true });
  window.dispatchEvent(new Event(SESSIONS_CHANGED));
}

/** Why a file cannot be uploaded, before a byte is sent; null when it can. */
export function refusalOf(file: File, maxBytes: number): string | null {
  if (!isAcceptableMedia(file.name, file.type)) return "Not an audio or video file, so it cannot be transcribed.";
  if (file.size === 0) return "The file is empty.";
  if (file.size > maxBytes) return `The file is ${formatBytes(file.size)}; the limit is ${formatBytes(maxBytes)}.`;
  return null;
}

/**
 * Sessions are created one after another, bytes go two at a time: a visitor's first create
 * also creates their identity (the cookie), and two first creates side by side would make
 * two identities, leaving one upload owned by a cookie the browser no longer holds.
 */
let creating: Promise<unknown> = Promise.resolve();
function oneCreateAtATime<T>(create: () => Promise<T>): Promise<T> {
  const next = creating.then(create, create);
  creating = next.catch(() => {});
  return next;
}

async function offsetOf(url: string): Promise<number> {
  const res = await fetch(url, { method: "HEAD", headers: { "tus-resumable": "1.0.0" } });
  return res.ok ? Number(res.headers.get("upload-offset") ?? 0) : -1;
}

/**
 * Many files, each its own row: created as a session, sent (resumably over tus when the server
 * offers it), two at a time. Cancelling is not an error; a failed one can be sent again.
 */
export function useUploadQueue(maxBytes: number) {
  const { mutate } = useSWRConfig();
  const [items, setItems] = useState<UploadItem[]>([]);
  const [interrupted, setInterrupted] = useState<Interrupted[]>([]);
  const aborts = useRef(new Map<string, () => Promise<void>>());
  const settingsRef = useRef<UploadSettings>({ deleteAfterAnalysis: false });
  const interruptedRef = useRef(interrupted);
  interruptedRef.current = interrupted;
  const itemsRef = useRef(items);
  itemsRef.current = items;

  const patch = useCallback((key: string, p: Partial<UploadItem>) => {
    setItems((list) => list.map((i) => (i.key === key ? { ...i, ...p } : i)));
  }, []);

  // After a reload: which resumable uploads were cut off, and can still be continued?
  useEffect(() => {
    if (!tus.canStoreURLs) return;
    void (async () => {
      const found: Interrupted[] = [];
      for (const prev of await tus.defaultOptions.urlStorage.findAllUploads()) {
        const sessionId = prev.metadata.sessionId;
        const url = prev.uploadUrl;
        if (!sessionId || !url) continue;
        const s = await fetchJson<SessionView>(`/api/sessions/${sessionId}`).catch(() => null);
        const sent = s?.status === "awaiting_upload" ? await offsetOf(url) : -1;
        if (sent < 0) {
          await tus.defaultOptions.urlStorage.removeUpload(prev.urlStorageKey);
          continue;
        }
        found.push({ urlStorageKey: prev.urlStorageKey, sessionId, fileName: prev.metadata.filename ?? "recording", size: prev.size ?? 0, sent });
      }
      setInterrupted(found);
    })();
  }, []);

  const add = useCallback(
    (files: Iterable<File>) => {
      const next: UploadItem[] = [];
      for (const file of files) {
        const refusal = refusalOf(file, maxBytes);
        next.push({ key: `u${++counter}`, file, state: refusal ? "refused" : "ready", sent: 0, speed: 0, ...(refusal ? { message: refusal } : {}) });
      }
      setItems((list) => [...list.filter((i) => i.state !== "refused"), ...next]);
      return next;
    },
    [maxBytes],
  );

  const remove = useCallback((key: string) => setItems((list) => list.filter((i) => i.key !== key)), []);

  /** Sends one file; resolves when it has ended one way or another. */
  const run = useCallback(
    async (item: UploadItem) => {
      const { file, key } = item;
      const settings = settingsRef.current;
      patch(key, { state: "uploading", sent: 0, speed: 0, message: undefined });
      let sessionId: string | undefined;
      let cancelled = false;
      let last = { at: performance.now(), sent: 0 };
      const progress = (sent: number) => {
        const now = performance.now();
        const dt = (now - last.at) / 1000;
        if (dt >= 0.25) {
          const rate = (sent - last.sent) / dt;
          last = { at: now, sent };
          setItems((list) => list.map((i) => (i.key === key ? { ...i, sent, speed: i.speed ? i.speed * 0.6 + rate * 0.4 : rate } : i)));
        } else {
          patch(key, { sent });
        }
      };
      try {
        // A file this browser already began sending continues where the server left off.
        const probe = new tus.Upload(file, { endpoint: "/api/uploads/tus" });
        const previous = tus.canStoreURLs ? await probe.findPreviousUploads().catch(() => []) : [];
        const resumable = previous.find(
          (p) =>
            (item.sessionId && p.metadata.sessionId === item.sessionId) ||
            interruptedRef.current.some((x) => x.urlStorageKey === p.urlStorageKey),
        );

        let upload: UploadInstructions;
        if (resumable) {
          sessionId = resumable.metadata.sessionId!;
          upload = { method: "PUT", url: `/api/sessions/${sessionId}/audio`, headers: {}, maxBytes: file.size, resumable: { protocol: "tus", endpoint: "/api/uploads/tus" } };
          setInterrupted((list) => list.filter((x) => x.urlStorageKey !== resumable.urlStorageKey));
        } else {
          const created = await oneCreateAtATime(() => fetchJson<{ id: string; upload: UploadInstructions }>("/api/sessions", {
            method: "POST",
            body: JSON.stringify({
              fileName: file.name,
              fileSize: file.size,
              contentType: file.type,
              ...(settings.title ? { title: settings.title } : {}),
              ...(settings.language ? { language: settings.language } : {}),
              deleteAfterAnalysis: settings.deleteAfterAnalysis,
            }),
          }));
          sessionId = created.id;
          upload = created.upload;
        }
        patch(key, { sessionId, resumed: !!resumable });

        if (upload.method === "PUT" && upload.resumable) {
          await new Promise<void>((resolve, reject) => {
            const u = new tus.Upload(file, {
              endpoint: upload.method === "PUT" ? upload.resumable.endpoint : null,
              metadata: { sessionId: sessionId!, filename: file.name, filetype: file.type },
              // A dropped connection is retried from the server's offset, patiently.
              retryDelays: [0, 1000, 3000, 5000, 10000, 20000],
              removeFingerprintOnSuccess: true,
              onProgress: (sent) => progress(sent),
              onSuccess: () => resolve(),
              onError: (err) => reject(err),
              onShouldRetry: (err) => {
                const status = err.originalResponse?.getStatus() ?? 0;
                return status === 0 || status >= 500 || status === 409 || status === 423;
              },
            });
            if (resumable) u.resumeFromPreviousUpload(resumable);
            aborts.current.set(key, async () => {
              cancelled = true;
              await u.abort(true).catch(() => {});
              reject(new ApiError(0, "aborted", "Cancelled."));
            });
            u.start();
          });
        } else if (upload.method === "PUT") {
          const req = putWithProgress(upload.url, file, upload.headers, (sent) => progress(sent));
          aborts.current.set(key, async () => {
            cancelled = true;
            req.abort();
          });
          await req.done;
        } else {
          // Vercel Blob: straight to storage; each part of a multipart upload is retried by the client library.
          const { upload: blobUpload } = await import("@vercel/blob/client");
          const controller = new AbortController();
          aborts.current.set(key, async () => {
            cancelled = true;
            controller.abort();
          });
          await blobUpload(upload.pathname, file, {
            access: "private",
            handleUploadUrl: upload.handleUploadUrl,
            clientPayload: JSON.stringify({ sessionId: upload.sessionId }),
            multipart: upload.multipart,
            contentType: file.type || "application/octet-stream",
            abortSignal: controller.signal,
            onUploadProgress: (e) => progress(e.loaded),
          });
          await fetchJson(upload.completeUrl, { method: "POST" });
        }
        patch(key, { state: "done", sent: file.size });
      } catch (err) {
        const keepSession = err instanceof ApiError && err.code === "engine_unavailable";
        // The connection stayed away through every retry: the server keeps what arrived, Retry continues from there.
        const dropped = !cancelled && err instanceof tus.DetailedError && !err.originalResponse;
        // Otherwise the bytes never arrived: no empty "waiting for upload" session is left behind.
        if (sessionId && !keepSession && !dropped) await fetch(`/api/sessions/${sessionId}`, { method: "DELETE" }).catch(() => {});
        if (cancelled) patch(key, { state: "cancelled", sessionId: undefined, message: undefined });
        else if (keepSession) patch(key, { state: "done", message: "Saved; processing will start when you press Retry on its page." });
        else if (dropped) patch(key, { state: "failed", message: "The connection dropped. Retry continues from where it stopped." });
        else patch(key, { state: "failed", sessionId: undefined, message: messageOf(err) });
      } finally {
        aborts.current.delete(key);
        sessionsChanged(mutate);
      }
    },
    [patch, mutate],
  );

  // The scheduler: whenever a slot is free, the next waiting file goes.
  const running = useRef(new Set<string>());
  useEffect(() => {
    const waiting = items.filter((i) => i.state === "waiting" && !running.current.has(i.key));
    for (const item of waiting.slice(0, Math.max(0, PARALLEL - running.current.size))) {
      running.current.add(item.key);
      void run(item).finally(() => {
        running.current.delete(item.key);
        setItems((l) => [...l]); // wake the scheduler
      });
    }
  }, [items, run]);

  const start = useCallback((settings: UploadSettings) => {
    settingsRef.current = settings;
    setItems((list) => list.map((i) => (i.state === "ready" ? { ...i, state: "waiting" } : i)));
  }, []);

  const retry = useCallback((key: string) => patch(key, { state: "waiting", sent: 0, speed: 0, message: undefined }), [patch]);

  const cancel = useCallback(
    (key: string) => {
      const abort = aborts.current.get(key);
      if (abort) void abort();
      else if (itemsRef.current.find((i) => i.key === key)?.state === "ready") remove(key);
      else patch(key, { state: "cancelled" });
    },
    [patch, remove],
  );

  const discardInterrupted = useCallback(async (x: Interrupted) => {
    await tus.defaultOptions.urlStorage.removeUpload(x.urlStorageKey);
    await fetch(`/api/sessions/${x.sessionId}`, { method: "DELETE" }).catch(() => {});
    setInterrupted((list) => list.filter((i) => i.urlStorageKey !== x.urlStorageKey));
    sessionsChanged(mutate);
  }, [mutate]);

  return { items, interrupted, add, remove, start, retry, cancel, discardInterrupted };
}

function messageOf(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err instanceof tus.DetailedError) {
    const res = err.originalResponse;
    if (!res) return "The connection dropped and did not come back. Press Retry to continue.";
    const body = res.getBody()?.trim();
    return body || `The upload was refused (${res.getStatus()}).`;
  }
  return err instanceof Error ? err.message : String(err);
}
