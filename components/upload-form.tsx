"use client";

import { useCallback, useRef, useState } from "react";
import { ACCEPT_ATTRIBUTE } from "@/lib/sessions/media";
import { formatBytes } from "./format";
import { Recorder } from "./recorder";
import { useUpload } from "./use-upload";


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

/** englishOnly: the local model understands English only, so offering other languages would mislead. */
export function UploadForm({ maxBytes, englishOnly }: { maxBytes: number; englishOnly: boolean }) {
  const inputRef = useRef<HTMLInputElement>(null);
  const { phase, busy, start, abort, fail, reset } = useUpload();
  const [file, setFile] = useState<File | null>(null);
  const [title, setTitle] = useState("");
  const [language, setLanguage] = useState("");
  const [deleteAfter, setDeleteAfter] = useState(false);
  const [dragging, setDragging] = useState(false);

  const choose = useCallback(
    (f: File | undefined) => {
      if (!f) return;
      if (f.size > maxBytes) {
        fail(`${f.name} is ${formatBytes(f.size)}; the limit is ${formatBytes(maxBytes)}.`);
        return;
      }
      setFile(f);
      reset();
    },
    [maxBytes, fail, reset],
  );

  function submit(e: React.FormEvent) {
    e.preventDefault();
    if (file) void start(file, { title: title.trim() || undefined, language: language || undefined, deleteAfterAnalysis: deleteAfter });
  }

  const pct = phase.kind === "uploading" && phase.total > 0 ? Math.round((phase.sent / phase.total) * 100) : 0;

  return (
    <form onSubmit={submit} className="space-y-5 rounded-2xl border border-stone-200 bg-white p-6 shadow-sm">
      <div
        role="button"
        tabIndex={0}
        aria-label="Choose or drop an audio file"
        data-testid="dropzone"
        onClick={() => !busy && inputRef.current?.click()}
        onKeyDown={(e) => (e.key === "Enter" || e.key === " ") && inputRef.current?.click()}
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={(e) => {
          e.preventDefault();
          setDragging(false);
          choose(e.dataTransfer.files[0]);
        }}
        className={`flex cursor-pointer flex-col items-center justify-center rounded-xl border-2 border-dashed px-6 py-12 text-center transition ${
          dragging ? "border-indigo-500 bg-indigo-50" : "border-stone-300 hover:border-indigo-400 hover:bg-stone-50"
        }`}
      >
        <svg aria-hidden viewBox="0 0 24 24" className="mb-3 h-10 w-10 text-indigo-500" fill="none" stroke="currentColor" strokeWidth="1.5">
          <path d="M12 3v12m0 0-4-4m4 4 4-4M4 17v2a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2v-2" strokeLinecap="round" strokeLinejoin="round" />
        </svg>
        {file ? (
          <p className="font-medium" data-testid="chosen-file">
            {file.name} <span className="font-normal text-stone-500">· {formatBytes(file.size)}</span>
          </p>
        ) : (
          <>
            <p className="font-medium">Drop a recording here, or click to choose one</p>
            <p className="mt-1 text-sm text-stone-500">MP3, M4A, WAV, OGG, WebM, FLAC or a video with sound · up to {formatBytes(maxBytes)}</p>
          </>
        )}
        <input
          ref={inputRef}
          type="file"
          accept={ACCEPT_ATTRIBUTE}
          className="sr-only"
          data-testid="file-input"
          onChange={(e) => choose(e.target.files?.[0])}
        />
      </div>

      <Recorder onRecorded={choose} disabled={busy} />

      <div className="grid gap-4 sm:grid-cols-[1fr_auto]">
        <label className="block text-sm">
          <span className="text-stone-600">Title (optional)</span>
          <input
            value={title}
            onChange={(e) => setTitle(e.target.value)}
            placeholder={file ? file.name.replace(/\.[^.]+$/, "") : "Weekly sync"}
            className="mt-1 w-full rounded-lg border border-stone-300 px-3 py-2 focus:border-indigo-500 focus:outline-none"
          />
        </label>
        <label className="block text-sm">
          <span className="text-stone-600">Language</span>
          <select
            value={language}
            disabled={englishOnly}
            title={englishOnly ? "The local model transcribes English only" : undefined}
            onChange={(e) => setLanguage(e.target.value)}
            className="mt-1 w-full rounded-lg border border-stone-300 bg-white px-3 py-2 focus:border-indigo-500 focus:outline-none disabled:bg-stone-50 disabled:text-stone-500"
          >
            {englishOnly ? (
              <option value="">English</option>
            ) : (
              <>
                <option value="">Detect automatically</option>
                {LANGUAGES.map(([code, name]) => (
                  <option key={code} value={code}>
                    {name}
                  </option>
                ))}
              </>
            )}
          </select>
        </label>
      </div>

      <label className="flex items-center gap-2 text-sm text-stone-700">
        <input type="checkbox" checked={deleteAfter} onChange={(e) => setDeleteAfter(e.target.checked)} className="h-4 w-4 accent-indigo-600" />
        Delete the audio once the analysis is done
      </label>

      {phase.kind === "uploading" && (
        <div aria-live="polite">
          <div className="mb-1 flex justify-between text-sm text-stone-600">
            <span>Uploading…</span>
            <span data-testid="upload-percent">{pct}%</span>
          </div>
          <div className="h-2 overflow-hidden rounded-full bg-stone-200" role="progressbar" aria-valuenow={pct} aria-valuemin={0} aria-valuemax={100}>
            <div className="h-full rounded-full bg-indigo-600 transition-[width]" style={{ width: `${pct}%` }} />
          </div>
        </div>
      )}
      {phase.kind === "error" && (
        <p role="alert" data-testid="upload-error" className="rounded-lg bg-red-50 px-4 py-3 text-sm text-red-700">
          {phase.message}
        </p>
      )}

      <div className="flex items-center gap-3">
        <button
          type="submit"
          disabled={!file || busy}
          className="rounded-lg bg-indigo-600 px-5 py-2.5 font-medium text-white shadow-sm hover:bg-indigo-700 disabled:cursor-not-allowed disabled:bg-stone-300"
        >
          {phase.kind === "starting" ? "Starting…" : busy ? "Uploading…" : "Upload and transcribe"}
        </button>
        {phase.kind === "uploading" && (
          <button type="button" onClick={abort} className="text-sm text-stone-600 underline">
            Cancel upload
          </button>
        )}
      </div>
    </form>
  );
}
