"use client";

import { useState } from "react";
import { fetchJson, type SessionView } from "./api";

/** Name the transcriber's speaker labels once ("A" → "Maria"); the transcript and every export use the names. */
export function SpeakerNames({
  sessionId,
  speakers,
  onSaved,
}: {
  sessionId: string;
  speakers: { id: string; name: string | null }[];
  onSaved?: (v: SessionView) => void;
}) {
  const [names, setNames] = useState<Record<string, string>>(() => Object.fromEntries(speakers.map((s) => [s.id, s.name ?? ""])));
  const [state, setState] = useState<{ kind: "idle" | "saving" | "saved" } | { kind: "error"; message: string }>({ kind: "idle" });

  async function save(e: React.FormEvent) {
    e.preventDefault();
    setState({ kind: "saving" });
    try {
      const v = await fetchJson<SessionView>(`/api/sessions/${sessionId}`, { method: "PATCH", body: JSON.stringify({ speakers: names }) });
      onSaved?.(v);
      setState({ kind: "saved" });
    } catch (err) {
      setState({ kind: "error", message: err instanceof Error ? err.message : String(err) });
    }
  }

  return (
    <details className="rounded-xl border border-stone-200 bg-white px-4 py-3 text-sm">
      <summary className="cursor-pointer font-medium text-stone-800">Name the speakers ({speakers.length})</summary>
      <form onSubmit={save} className="mt-3 flex flex-wrap items-end gap-3" data-testid="speaker-names">
        {speakers.map((s) => (
          <label key={s.id} className="block">
            <span className="text-stone-700">Speaker {s.id}</span>
            <input
              value={names[s.id] ?? ""}
              maxLength={60}
              placeholder={s.id}
              onChange={(e) => setNames((n) => ({ ...n, [s.id]: e.target.value }))}
              className="mt-1 block w-40 rounded-lg border border-stone-300 px-3 py-1.5"
            />
          </label>
        ))}
        <button type="submit" disabled={state.kind === "saving"} className="rounded-lg bg-indigo-600 px-3 py-1.5 font-medium text-white hover:bg-indigo-700 disabled:opacity-50">
          {state.kind === "saving" ? "Saving…" : "Save names"}
        </button>
        <span aria-live="polite" className={state.kind === "error" ? "text-red-700" : "text-stone-700"}>
          {state.kind === "saved" ? "Saved" : state.kind === "error" ? state.message : ""}
        </span>
      </form>
    </details>
  );
}
