"use client";

import { useEffect, useRef, useState } from "react";
import { formatClock } from "@/lib/time";

/** Picks a container the browser can record and ffmpeg can read. */
function recordingType(): string {
  for (const t of ["audio/webm;codecs=opus", "audio/ogg;codecs=opus", "audio/mp4", "audio/webm"]) {
    if (typeof MediaRecorder !== "undefined" && MediaRecorder.isTypeSupported(t)) return t;
  }
  return "";
}

/** Records from the microphone in the browser and hands over a File, as if it had been chosen. */
export function Recorder({ onRecorded, disabled }: { onRecorded: (file: File) => void; disabled?: boolean }) {
  const [state, setState] = useState<"idle" | "recording" | "error">("idle");
  const [error, setError] = useState("");
  const [elapsed, setElapsed] = useState(0);
  const recorder = useRef<MediaRecorder | null>(null);

  useEffect(() => {
    if (state !== "recording") return;
    const began = Date.now();
    const t = setInterval(() => setElapsed((Date.now() - began) / 1000), 250);
    return () => clearInterval(t);
  }, [state]);

  useEffect(() => () => recorder.current?.stream.getTracks().forEach((t) => t.stop()), []);

  async function start() {
    if (!navigator.mediaDevices?.getUserMedia || typeof MediaRecorder === "undefined") {
      setState("error");
      setError("This browser cannot record audio.");
      return;
    }
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
      const type = recordingType();
      const rec = new MediaRecorder(stream, type ? { mimeType: type } : undefined);
      const parts: Blob[] = [];
      rec.ondataavailable = (e) => e.data.size > 0 && parts.push(e.data);
      rec.onstop = () => {
        stream.getTracks().forEach((t) => t.stop());
        const mime = rec.mimeType || type || "audio/webm";
        const ext = mime.includes("ogg") ? "ogg" : mime.includes("mp4") ? "m4a" : "webm";
        const stamp = new Date().toISOString().slice(0, 16).replace("T", " ").replace(":", "h");
        onRecorded(new File(parts, `Recording ${stamp}.${ext}`, { type: mime.split(";")[0] }));
        setState("idle");
      };
      recorder.current = rec;
      rec.start(1000);
      setElapsed(0);
      setState("recording");
    } catch (err) {
      setState("error");
      setError(err instanceof DOMException && err.name === "NotAllowedError" ? "Microphone access was refused." : "The microphone could not be opened.");
    }
  }

  return (
    <div className="flex items-center gap-3 text-sm">
      {state === "recording" ? (
        <>
          <span className="flex items-center gap-2 text-red-700" aria-live="polite">
            <span className="h-2.5 w-2.5 animate-pulse rounded-full bg-red-600" />
            Recording <span className="tabular-nums" data-testid="record-elapsed">{formatClock(elapsed)}</span>
          </span>
          <button type="button" onClick={() => recorder.current?.stop()} className="rounded-lg border border-stone-300 px-3 py-1.5 hover:bg-stone-50">
            Stop
          </button>
        </>
      ) : (
        <button
          type="button"
          disabled={disabled}
          onClick={() => void start()}
          className="inline-flex items-center gap-2 rounded-lg border border-stone-300 px-3 py-1.5 hover:bg-stone-50 disabled:opacity-50"
        >
          <span className="h-2.5 w-2.5 rounded-full bg-red-600" /> Record from the microphone
        </button>
      )}
      {state === "error" && <span className="text-red-700">{error}</span>}
    </div>
  );
}
