"use client";

import Link from "next/link";
import { useWindowVirtualizer } from "@tanstack/react-virtual";
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import useSWRInfinite from "swr/infinite";
import { fetchJson, type SessionView } from "./api";
import { isOpen } from "@/lib/sessions/status";
import { formatClock, formatDateTime, formatRelative } from "@/lib/time";
import { formatBytes } from "./format";
import { StatusBadge } from "./status-badge";
import { SESSIONS_CHANGED } from "./upload-queue";

interface TextPart {
  text: string;
  hit: boolean;
}
type Entry = SessionView & { match?: { title: TextPart[] | null; transcript: TextPart[] | null } };
interface Page {
  sessions: Entry[];
  nextCursor: string | null;
}

const STATUS_OPTIONS: [string, string][] = [
  ["", "All"],
  ["active", "In progress"],
  ["completed", "Done"],
  ["failed", "Failed"],
  ["cancelled", "Cancelled"],
];
const SORT_OPTIONS: [string, string][] = [
  ["newest", "Newest first"],
  ["oldest", "Oldest first"],
  ["title", "Title A–Z"],
];

function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setV(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return v;
}

function Highlighted({ parts }: { parts: TextPart[] }) {
  return (
    <>
      {parts.map((p, i) =>
        p.hit ? (
          <mark key={i} className="rounded-sm bg-amber-200 px-0.5 text-stone-900">
            {p.text}
          </mark>
        ) : (
          <span key={i}>{p.text}</span>
        ),
      )}
    </>
  );
}

/** The library: search, filter, sort, select and delete; rows are virtualised so thousands stay smooth. */
export function SessionList() {
  const [query, setQuery] = useState("");
  const [status, setStatus] = useState("");
  const [sort, setSort] = useState("newest");
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [deleting, setDeleting] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const q = useDebounced(query.trim(), 250);

  const params = useMemo(() => {
    const p = new URLSearchParams({ sort, limit: "50" });
    if (q) p.set("q", q);
    if (status) p.set("status", status);
    return p.toString();
  }, [q, status, sort]);

  const { data, error, size, setSize, isValidating, mutate } = useSWRInfinite<Page>(
    (index, previous: Page | null) => {
      if (previous && !previous.nextCursor) return null;
      return `/api/sessions?${params}${previous?.nextCursor ? `&cursor=${encodeURIComponent(previous.nextCursor)}` : ""}`;
    },
    fetchJson,
    {
      // Poll only while something is still moving.
      refreshInterval: (latest) => (latest?.some((p) => p.sessions.some((s) => isOpen(s.status))) ? 2000 : 0),
    },
  );
  useEffect(() => {
    const refresh = () => void mutate();
    window.addEventListener(SESSIONS_CHANGED, refresh);
    return () => window.removeEventListener(SESSIONS_CHANGED, refresh);
  }, [mutate]);
  const rows = useMemo(() => data?.flatMap((p) => p.sessions) ?? [], [data]);
  const hasMore = !!data?.[data.length - 1]?.nextCursor;
  const filtering = !!(q || status);

  // Titles that occur more than once get their file and time shown prominently.
  const duplicateTitles = useMemo(() => {
    const seen = new Map<string, number>();
    for (const r of rows) seen.set(r.title, (seen.get(r.title) ?? 0) + 1);
    return new Set([...seen].filter(([, n]) => n > 1).map(([t]) => t));
  }, [rows]);

  const listRef = useRef<HTMLDivElement>(null);
  const [scrollMargin, setScrollMargin] = useState(0);
  useLayoutEffect(() => {
    setScrollMargin(listRef.current?.offsetTop ?? 0);
  });
  const virtualizer = useWindowVirtualizer({
    count: rows.length,
    estimateSize: () => 76,
    overscan: 8,
    scrollMargin,
    getItemKey: (i) => rows[i]?.id ?? i,
  });
  const items = virtualizer.getVirtualItems();

  // Load the next page when the last rows come into view.
  const lastIndex = items[items.length - 1]?.index ?? -1;
  useEffect(() => {
    if (hasMore && !isValidating && lastIndex >= rows.length - 5) void setSize(size + 1);
  }, [hasMore, isValidating, lastIndex, rows.length, setSize, size]);

  // Selection follows what is shown.
  useEffect(() => {
    setSelected((sel) => {
      const shown = new Set(rows.map((r) => r.id));
      const next = new Set([...sel].filter((id) => shown.has(id)));
      return next.size === sel.size ? sel : next;
    });
  }, [rows]);

  function toggle(id: string) {
    setSelected((sel) => {
      const next = new Set(sel);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  }

  async function deleteSelected() {
    const ids = [...selected];
    if (!ids.length || !confirm(`Delete ${ids.length === 1 ? "this recording" : `these ${ids.length} recordings`}, with their transcripts and analyses?`)) return;
    setDeleting(true);
    setNotice(null);
    try {
      const res = await fetchJson<{ deleted: string[]; notFound: string[] }>("/api/sessions", { method: "DELETE", body: JSON.stringify({ ids }) });
      setSelected(new Set());
      setNotice(`Deleted ${res.deleted.length} ${res.deleted.length === 1 ? "recording" : "recordings"}.`);
      await mutate();
    } catch (err) {
      setNotice(`Could not delete: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      setDeleting(false);
    }
  }

  const allShownSelected = rows.length > 0 && rows.every((r) => selected.has(r.id));

  return (
    <div className="space-y-3">
      <div className="flex flex-col gap-2 sm:flex-row sm:items-end" role="search">
        <label className="block flex-1 text-sm">
          <span className="text-stone-700">Search titles and transcripts</span>
          <input
            type="search"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            placeholder="A word someone said…"
            className="mt-1 w-full rounded-lg border border-stone-300 bg-white px-3 py-2"
            data-testid="search"
          />
        </label>
        <div className="grid grid-cols-2 gap-2 sm:flex">
          <label className="block text-sm">
            <span className="text-stone-700">Status</span>
            <select value={status} onChange={(e) => setStatus(e.target.value)} className="mt-1 w-full rounded-lg border border-stone-300 bg-white px-3 py-2" data-testid="status-filter">
              {STATUS_OPTIONS.map(([v, l]) => (
                <option key={v} value={v}>
                  {l}
                </option>
              ))}
            </select>
          </label>
          <label className="block text-sm">
            <span className="text-stone-700">Sort</span>
            <select value={sort} onChange={(e) => setSort(e.target.value)} className="mt-1 w-full rounded-lg border border-stone-300 bg-white px-3 py-2" data-testid="sort">
              {SORT_OPTIONS.map(([v, l]) => (
                <option key={v} value={v}>
                  {l}
                </option>
              ))}
            </select>
          </label>
        </div>
      </div>

      {rows.length > 0 && (
        <div className="flex min-h-9 flex-wrap items-center gap-3 text-sm">
          <label className="flex items-center gap-2 text-stone-700">
            <input
              type="checkbox"
              className="h-4 w-4 accent-indigo-600"
              checked={allShownSelected}
              onChange={() => setSelected(allShownSelected ? new Set() : new Set(rows.map((r) => r.id)))}
            />
            Select all shown
          </label>
          {selected.size > 0 && (
            <button
              type="button"
              disabled={deleting}
              onClick={() => void deleteSelected()}
              className="rounded-lg bg-red-600 px-3 py-1.5 font-medium text-white hover:bg-red-700 disabled:opacity-50"
              data-testid="delete-selected"
            >
              {deleting ? "Deleting…" : `Delete ${selected.size} selected`}
            </button>
          )}
        </div>
      )}
      <p aria-live="polite" className="text-sm text-stone-600" data-testid="list-notice">
        {notice}
      </p>

      {error ? (
        <p className="text-sm text-red-700">Could not load your recordings: {String(error.message ?? error)}</p>
      ) : !data ? (
        <p className="text-sm text-stone-600">Loading your recordings…</p>
      ) : rows.length === 0 ? (
        <p className="text-sm text-stone-600" data-testid="list-empty">
          {filtering ? "Nothing matches. Try other words or another status." : "No recordings yet. Your uploads appear here, only in this browser."}
        </p>
      ) : (
        <div ref={listRef} className="overflow-hidden rounded-2xl border border-stone-200 bg-white">
          <ul data-testid="session-list" className="relative" style={{ height: virtualizer.getTotalSize() }} aria-label="Your recordings">
            {items.map((item) => {
              const s = rows[item.index]!;
              const dup = duplicateTitles.has(s.title);
              return (
                <li
                  key={item.key}
                  data-index={item.index}
                  ref={virtualizer.measureElement}
                  data-testid="session-row"
                  data-id={s.id}
                  className="absolute left-0 top-0 flex w-full items-start gap-3 border-b border-stone-100 px-4 py-3 last:border-b-0 sm:px-5"
                  style={{ transform: `translateY(${item.start - virtualizer.options.scrollMargin}px)` }}
                >
                  <input
                    type="checkbox"
                    className="mt-1 h-4 w-4 shrink-0 accent-indigo-600"
                    checked={selected.has(s.id)}
                    onChange={() => toggle(s.id)}
                    aria-label={`Select ${s.title}`}
                  />
                  <Link href={`/sessions/${s.id}`} className="flex min-w-0 flex-1 items-start justify-between gap-3 rounded hover:text-indigo-800">
                    <div className="min-w-0">
                      <p className="truncate font-medium" data-testid="row-title">
                        {s.match?.title ? <Highlighted parts={s.match.title} /> : s.title}
                      </p>
                      <p className="text-xs text-stone-600">
                        <time dateTime={s.createdAt} title={formatDateTime(s.createdAt)}>
                          {formatRelative(s.createdAt)}
                        </time>
                        {s.durationSec ? ` · ${formatClock(s.durationSec)}` : ""}
                        {` · ${s.fileName}`}
                        {dup ? ` · ${formatBytes(s.fileSize)} · ${formatDateTime(s.createdAt)}` : ""}
                      </p>
                      {s.match?.transcript && (
                        <p className="mt-1 line-clamp-2 text-sm text-stone-700" data-testid="row-snippet">
                          … <Highlighted parts={s.match.transcript} /> …
                        </p>
                      )}
                      {s.status === "failed" && s.error && (
                        <p className="mt-1 line-clamp-2 text-sm text-red-700" data-testid="row-error">
                          {s.error}
                        </p>
                      )}
                    </div>
                    <div className="flex shrink-0 items-center gap-2">
                      {s.status === "processing" && <span className="text-xs tabular-nums text-stone-600">{s.progress}%</span>}
                      <StatusBadge status={s.status} />
                    </div>
                  </Link>
                </li>
              );
            })}
          </ul>
        </div>
      )}
      {hasMore && <p className="text-center text-sm text-stone-600">{isValidating ? "Loading more…" : ""}</p>}
    </div>
  );
}
