"use client";

import { useState } from "react";
import { fetchJson, type SessionView } from "./api";

/** The session's title, with a Rename button that edits it in place. */
export function TitleEditor({ id, title, onSaved }: { id: string; title: string; onSaved: (v: SessionView) => void }) {
  const [editing, setEditing] = useState(false);
  const [value, setValue] = useState(title);
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  async function save(e: React.FormEvent) {
    e.preventDefault();
    setSaving(true);
    setError(null);
    try {
      onSaved(await fetchJson<SessionView>(`/api/sessions/${id}`, { method: "PATCH", body: JSON.stringify({ title: value }) }));
      setEditing(false);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setSaving(false);
    }
  }

  if (!editing) {
    return (
      <>
        <h1 className="min-w-0 break-words text-2xl font-semibold tracking-tight" data-testid="title">
          {title}
        </h1>
        <button
          type="button"
          onClick={() => {
            setValue(title);
            setEditing(true);
          }}
          className="rounded-lg border border-stone-300 px-2.5 py-1 text-sm text-stone-700 hover:bg-stone-100"
        >
          Rename
        </button>
      </>
    );
  }
  return (
    <form onSubmit={save} className="flex w-full flex-wrap items-center gap-2">
      <label className="sr-only" htmlFor="title-input">
        Title
      </label>
      <input
        id="title-input"
        autoFocus
        value={value}
        maxLength={200}
        onChange={(e) => setValue(e.target.value)}
        onKeyDown={(e) => e.key === "Escape" && setEditing(false)}
        className="min-w-0 flex-1 rounded-lg border border-stone-300 px-3 py-1.5 text-lg font-semibold"
        data-testid="title-input"
      />
      <button type="submit" disabled={saving} className="rounded-lg bg-indigo-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-700 disabled:opacity-50">
        {saving ? "Saving…" : "Save"}
      </button>
      <button type="button" onClick={() => setEditing(false)} className="rounded-lg px-3 py-1.5 text-sm text-stone-700 hover:bg-stone-100">
        Cancel
      </button>
      {error && (
        <p role="alert" className="w-full text-sm text-red-700">
          {error}
        </p>
      )}
    </form>
  );
}
