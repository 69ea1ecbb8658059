"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useRef, useState } from "react";
import { formatBytes } from "./format";
import { Recorder } from "./recorder";
import { ACCEPT, useUploadQueue, type UploadItem } from "./upload-queue";

const LANGUAGES: [string, string][] = [
  ["en", "English"],
  ["es", "Spanish"],
  ["fr", "French"],
  ["de", "German"],
  ["pt", "Portuguese"],
  ["it", "Italian"],
  ["nl", "Dutch"],
  ["ja", "Japanese"],
];

function formatEta(sec: number): string {
  if (!Number.isFinite(sec) || sec <= 0) return "";
  if (sec < 60) return `${Math.ceil(sec)} s left`;
  const m = Math.floor(sec / 60);
  return m < 60 ? `${m} min ${Math.round(sec % 60)} s left` : `${Math.floor(m / 60)} h ${m % 60} min left`;
}

function UploadRow({ item, onCancel, onRetry, onRemove }: { item: UploadItem; onCancel: () => void; onRetry: () => void; onRemove: () => void }) {
  const pct = item.file.size ? Math.floor((item.sent / item.file.size) * 100) : 0;
  const left = item.speed > 0 ? (item.file.size - item.sent) / item.speed : NaN;
  const status: Record<UploadItem["state"], string> = {
    ready: "Ready",
    waiting: "Waiting for a free slot",
    uploading: item.resumed ? "Continuing where it stopped" : "Uploading",
    done: "Uploaded",
    cancelled: "Cancelled",
    failed: "Did not finish",
    refused: "Not accepted",
  };
  return (
    <li className="space-y-1.5 px-4 py-3" data-testid="upload-row" data-state={item.state}>
      <div className="flex flex-wrap items-baseline justify-between gap-x-3 gap-y-1">
        <p className="min-w-0 break-all font-medium" data-testid="chosen-file">
          {item.file.name} <span className="font-normal text-stone-600">· {formatBytes(item.file.size)}</span>
        </p>
        <span className={`text-sm ${item.state === "failed" || item.state === "refused" ? "text-red-700" : "text-stone-700"}`} data-testid="upload-state">
          {status[item.state]}
        </span>
      </div>
      {item.state === "uploading" && (
        <>
          <div
            className="h-2 overflow-hidden rounded-full bg-stone-200"
            role="progressbar"
            aria-label={`Upload of ${item.file.name}`}
            aria-valuenow={pct}
            aria-valuemin={0}
            aria-valuemax={100}
          >
            <div className="h-full rounded-full bg-indigo-600 transition-[width]" style={{ width: `${pct}%` }} />
          </div>
          <p className="text-xs tabular-nums text-stone-700" data-testid="upload-progress">
            {formatBytes(item.sent)} of {formatBytes(item.file.size)} · {pct}%{item.speed > 0 ? ` · ${formatBytes(Math.round(item.speed))}/s · ${formatEta(left)}` : ""}
          </p>
        </>
      )}
      {item.message && (
        <p className={`text-sm ${item.state === "failed" || item.state === "refused" ? "text-red-700" : "text-stone-700"}`} data-testid="upload-error">
          {item.message}
        </p>
      )}
      <div className="flex flex-wrap gap-3 text-sm">
        {(item.state === "uploading" || item.state === "waiting" || item.state === "ready") && (
          <button type="button" onClick={onCancel} className="text-stone-700 underline">
            {item.state === "ready" ? "Remove" : "Cancel upload"}
          </button>
        )}
        {item.state === "failed" && (
          <button type="button" onClick={onRetry} className="font-medium text-indigo-700 underline">
            Retry
          </button>
        )}
        {item.state === "done" && item.sessionId && (
          <Link href={`/sessions/${item.sessionId}`} className="font-medium text-indigo-700 underline">
            Open
          </Link>
        )}
        {(item.state === "cancelled" || item.state === "refused" || item.state === "failed") && (
          <button type="button" onClick={onRemove} className="text-stone-700 underline">
            Dismiss
          </button>
        )}
      </div>
    </li>
  );
}

/** englishOnly: the local model understands English only, so offering other languages would mislead. */
export function UploadForm({ maxBytes, englishOnly }: { maxBytes: number; englishOnly: boolean }) {
  const router = useRouter();
  const inputRef = useRef<HTMLInputElement>(null);
  const queue = useUploadQueue(maxBytes);
  const [title, setTitle] = useState("");
  const [language, setLanguage] = useState("");
  const [deleteAfter, setDeleteAfter] = useState(false);
  const [dragging, setDragging] = useState(false);
  const [single, setSingle] = useState<string | null>(null);

  const ready = queue.items.filter((i) => i.state === "ready");
  const busy = queue.items.some((i) => i.state === "uploading" || i.state === "waiting");

  // One file sent on its own: its page is where the person wants to be next.
  useEffect(() => {
    if (!single) return;
    const item = queue.items.find((i) => i.key === single);
    if (item?.state === "done" && item.sessionId) router.push(`/sessions/${item.sessionId}`);
    if (!item || (item.state !== "waiting" && item.state !== "uploading" && item.state !== "done")) setSingle(null);
  }, [queue.items, single, router]);

  function submit(e: React.FormEvent) {
    e.preventDefault();
    if (!ready.length) return;
    setSingle(ready.length === 1 && !busy ? ready[0]!.key : null);
    queue.start({
      // A typed title names a single recording; with several, each keeps its file's name.
      ...(ready.length === 1 && title.trim() ? { title: title.trim() } : {}),
      ...(language ? { language } : {}),
      deleteAfterAnalysis: deleteAfter,
    });
    setTitle("");
  }

  return (
    <form onSubmit={submit} className="space-y-5 rounded-2xl border border-stone-200 bg-white p-4 shadow-sm sm:p-6">
      {queue.interrupted.length > 0 && (
        <div className="space-y-2 rounded-xl border border-amber-200 bg-amber-50 px-4 py-3 text-sm text-amber-900" data-testid="interrupted">
          {queue.interrupted.map((x) => (
            <p key={x.urlStorageKey}>
              The upload of <strong>{x.fileName}</strong> stopped at {formatBytes(x.sent)} of {formatBytes(x.size)}. Choose the same file again to continue
              from there, or{" "}
              <button type="button" className="underline" onClick={() => void queue.discardInterrupted(x)}>
                discard it
              </button>
              .
            </p>
          ))}
        </div>
      )}
      <div
        data-testid="dropzone"
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={(e) => {
          e.preventDefault();
          setDragging(false);
          queue.add(e.dataTransfer.files);
        }}
        className={`flex flex-col items-center justify-center rounded-xl border-2 border-dashed px-4 py-8 text-center transition sm:py-10 ${
          dragging ? "border-indigo-500 bg-indigo-50" : "border-stone-300"
        }`}
      >
        <svg aria-hidden viewBox="0 0 24 24" className="mb-3 h-10 w-10 text-indigo-600" fill="none" stroke="currentColor" strokeWidth="1.5">
          <path d="M12 3v12m0 0-4-4m4 4 4-4M4 17v2a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2v-2" strokeLinecap="round" strokeLinejoin="round" />
        </svg>
        <p className="font-medium">Drop recordings here, or</p>
        {/* The real file input, labelled and focusable once: the button look is on its label. */}
        <label className="mt-2 cursor-pointer rounded-lg border border-indigo-600 px-4 py-2 font-medium text-indigo-700 hover:bg-indigo-50 has-[:focus-visible]:outline has-[:focus-visible]:outline-3 has-[:focus-visible]:outline-offset-2 has-[:focus-visible]:outline-indigo-600">
          Choose files
          <input
            ref={inputRef}
            type="file"
            multiple
            accept={ACCEPT}
            className="sr-only"
            data-testid="file-input"
            onChange={(e) => {
              if (e.target.files) queue.add(e.target.files);
              e.target.value = "";
            }}
          />
        </label>
        <p className="mt-2 text-sm text-stone-600">MP3, M4A, WAV, OGG, WebM, FLAC or a video with sound · up to {formatBytes(maxBytes)} each</p>
      </div>

      {queue.items.length > 0 && (
        <ul className="divide-y divide-stone-100 rounded-xl border border-stone-200" data-testid="upload-rows" aria-label="Files to upload">
          {queue.items.map((item) => (
            <UploadRow
              key={item.key}
              item={item}
              onCancel={() => queue.cancel(item.key)}
              onRetry={() => queue.retry(item.key)}
              onRemove={() => queue.remove(item.key)}
            />
          ))}
        </ul>
      )}

      <details className="rounded-xl border border-stone-200 px-4 py-3 text-sm" data-testid="options">
        <summary className="cursor-pointer font-medium text-stone-800">Title, language and privacy</summary>
        <div className="mt-3 space-y-4">
      <div className="grid gap-4 sm:grid-cols-[1fr_auto]">
        <label className="block text-sm">
          <span className="text-stone-700">Title (optional{ready.length > 1 ? "; with several files each keeps its file name" : ""})</span>
          <input
            value={title}
            disabled={ready.length > 1}
            onChange={(e) => setTitle(e.target.value)}
            placeholder={ready.length === 1 ? ready[0]!.file.name.replace(/\.[^.]+$/, "") : "Weekly sync"}
            className="mt-1 w-full rounded-lg border border-stone-300 px-3 py-2 disabled:bg-stone-50"
          />
        </label>
        {englishOnly ? (
          <div className="text-sm">
            <span className="text-stone-700">Language</span>
            <p className="mt-1 rounded-lg border border-stone-200 bg-stone-50 px-3 py-2 text-stone-800">English (the local model understands English only)</p>
          </div>
        ) : (
          <label className="block text-sm">
            <span className="text-stone-700">Language</span>
            <select value={language} onChange={(e) => setLanguage(e.target.value)} className="mt-1 w-full rounded-lg border border-stone-300 bg-white px-3 py-2">
              <option value="">Detect automatically</option>
              {LANGUAGES.map(([code, name]) => (
                <option key={code} value={code}>
                  {name}
                </option>
              ))}
            </select>
          </label>
        )}
      </div>

      <label className="flex items-center gap-2 text-sm text-stone-800">
        <input type="checkbox" checked={deleteAfter} onChange={(e) => setDeleteAfter(e.target.checked)} className="h-4 w-4 accent-indigo-600" />
        Delete the audio once the analysis is done
      </label>
        </div>
      </details>

      <div className="flex items-center gap-3">
        <button
          type="submit"
          disabled={!ready.length}
          className="w-full rounded-lg bg-indigo-600 px-5 py-2.5 font-medium text-white shadow-sm hover:bg-indigo-700 disabled:cursor-not-allowed disabled:bg-stone-300 disabled:text-stone-700 sm:w-auto"
        >
          {ready.length > 1 ? `Upload and transcribe ${ready.length} files` : "Upload and transcribe"}
        </button>
      </div>
      <Recorder onRecorded={(f) => queue.add([f])} disabled={false} />

    </form>
  );
}
