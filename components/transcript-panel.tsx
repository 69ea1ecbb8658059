"use client";

import { useEffect, useMemo, useRef, useState } from "react";
import type { SessionView } from "./api";
import { formatClock } from "@/lib/time";
import { providerLabel } from "./format";
import { SpeakerNames } from "./speaker-names";

type Transcript = NonNullable<SessionView["transcript"]>;

/** With a player: click a timestamp to hear that moment; the segment being played is highlighted and kept in view. */
export function TranscriptPanel(props: {
  session: SessionView;
  currentTime?: number;
  playing?: boolean;
  onSeek?: (seconds: number) => void;
  onRenamed?: (v: SessionView) => void;
}) {
  if (!props.session.transcript) return null;
  return <TranscriptBody {...props} t={props.session.transcript} />;
}

interface Match {
  segment: number;
  start: number;
  end: number;
}

function findMatches(segments: Transcript["segments"], query: string): Match[] {
  const needle = query.trim().toLocaleLowerCase();
  if (needle.length < 2) return [];
  const out: Match[] = [];
  segments.forEach((s, segment) => {
    const hay = s.text.toLocaleLowerCase();
    for (let i = hay.indexOf(needle); i >= 0; i = hay.indexOf(needle, i + needle.length)) out.push({ segment, start: i, end: i + needle.length });
  });
  return out;
}

/** The segment's text with the search matches marked; the current one stands out. */
function SegmentText({ text, matches, current }: { text: string; matches: Match[]; current: Match | undefined }) {
  if (!matches.length) return <>{text}</>;
  const parts: React.ReactNode[] = [];
  let at = 0;
  for (const m of matches) {
    if (m.start > at) parts.push(text.slice(at, m.start));
    const isCurrent = m === current;
    parts.push(
      <mark key={m.start} data-current={isCurrent || undefined} className={`rounded-sm px-0.5 text-stone-900 ${isCurrent ? "bg-amber-400 ring-2 ring-amber-600" : "bg-amber-200"}`}>
        {text.slice(m.start, m.end)}
      </mark>,
    );
    at = m.end;
  }
  if (at < text.length) parts.push(text.slice(at));
  return <>{parts}</>;
}

/** Scrolls an element to the middle of the screen unless it is already comfortably in view (below the sticky player). */
function keepInView(el: HTMLElement | null) {
  if (!el) return;
  const r = el.getBoundingClientRect();
  const top = (document.querySelector('[data-testid="player-bar"]')?.getBoundingClientRect().bottom ?? 0) + 8;
  if (r.top < top || r.bottom > window.innerHeight - 8) el.scrollIntoView({ block: "center", behavior: "smooth" });
}

function TranscriptBody({
  session,
  t,
  currentTime,
  playing,
  onSeek,
  onRenamed,
}: {
  session: SessionView;
  t: Transcript;
  currentTime?: number;
  playing?: boolean;
  onSeek?: (seconds: number) => void;
  onRenamed?: (v: SessionView) => void;
}) {
  // The API builds the files (scripts get the same ones); the browser only follows the link.
  const href = (format: string) => `/api/sessions/${session.id}/export?format=${format}`;
  const [copied, setCopied] = useState(false);
  const [query, setQuery] = useState("");
  const [cursor, setCursor] = useState(0);
  const matches = useMemo(() => findMatches(t.segments, query), [t.segments, query]);
  const current = matches.length ? matches[Math.min(cursor, matches.length - 1)] : undefined;
  const bySegment = useMemo(() => {
    const m = new Map<number, Match[]>();
    for (const x of matches) m.set(x.segment, [...(m.get(x.segment) ?? []), x]);
    return m;
  }, [matches]);
  const listRef = useRef<HTMLOListElement>(null);

  const playingIndex =
    currentTime === undefined ? -1 : t.segments.findIndex((s) => currentTime >= s.start && currentTime < s.end);

  // Follow playback: the segment being heard stays on screen (while playing, so reading back is not disturbed).
  useEffect(() => {
    if (!playing || playingIndex < 0) return;
    keepInView(listRef.current?.querySelector<HTMLElement>(`[data-seq="${playingIndex}"]`) ?? null);
  }, [playing, playingIndex]);

  useEffect(() => setCursor(0), [query]);
  useEffect(() => {
    if (current) keepInView(listRef.current?.querySelector<HTMLElement>("mark[data-current]") ?? null);
  }, [current]);

  const step = (by: number) => matches.length && setCursor((c) => (c + by + matches.length) % matches.length);

  async function copy() {
    try {
      await navigator.clipboard.writeText(t.segments.map((g) => `${g.speaker ? `${g.speaker}: ` : ""}${g.text}`).join("\n"));
      setCopied(true);
      setTimeout(() => setCopied(false), 2000);
    } catch {
      setCopied(false);
    }
  }

  return (
    <section className="space-y-3" data-testid="transcript">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h2 className="text-xl font-semibold">Transcript</h2>
        <div className="flex flex-wrap items-center gap-3 text-sm">
          <span className="text-xs text-stone-600">{providerLabel(t.provider)}</span>
          <a className="text-indigo-700 hover:underline" href={href("md")} download data-testid="export-md">Markdown</a>
          <a className="text-indigo-700 hover:underline" href={href("txt")} download data-testid="export-txt">TXT</a>
          <a className="text-indigo-700 hover:underline" href={href("srt")} download data-testid="export-srt">SRT</a>
          <a className="text-indigo-700 hover:underline" href={href("vtt")} download data-testid="export-vtt">VTT</a>
          <a className="text-indigo-700 hover:underline" href={href("json")} download data-testid="export-json">JSON</a>
          <button className="min-w-14 text-indigo-700 hover:underline" onClick={() => void copy()} data-testid="copy">
            <span aria-live="polite">{copied ? "Copied" : "Copy"}</span>
          </button>
        </div>
      </div>
      {t.speakers.length > 0 && <SpeakerNames sessionId={session.id} speakers={t.speakers} onSaved={onRenamed} />}
      {t.untranscribed.length > 0 && (
        <p className="rounded-xl border border-amber-200 bg-amber-50 px-4 py-3 text-sm text-amber-900" data-testid="untranscribed">
          Sound was heard but no words could be made out in{" "}
          {t.untranscribed.map((u, i) => (
            <span key={i}>
              {i > 0 && (i === t.untranscribed.length - 1 ? " and " : ", ")}
              {onSeek ? (
                <button className="font-mono underline" onClick={() => onSeek(u.start)} title="Listen to this part">
                  {formatClock(u.start)}–{formatClock(u.end)}
                </button>
              ) : (
                <span className="font-mono">{formatClock(u.start)}–{formatClock(u.end)}</span>
              )}
            </span>
          ))}
          . Listen to those parts to check what was said.
        </p>
      )}
      {t.segments.length === 0 ? (
        <p className="rounded-xl bg-stone-100 px-4 py-3 text-stone-700">No speech was found in this recording.</p>
      ) : (
        <>
          <div className="flex flex-wrap items-center gap-2" role="search">
            <label className="sr-only" htmlFor="transcript-search">
              Search in the transcript
            </label>
            <input
              id="transcript-search"
              type="search"
              value={query}
              onChange={(e) => setQuery(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === "Enter") {
                  e.preventDefault();
                  step(e.shiftKey ? -1 : 1);
                }
              }}
              placeholder="Search in the transcript"
              className="w-full min-w-0 rounded-lg border border-stone-300 bg-white px-3 py-2 text-sm sm:w-auto sm:flex-1"
              data-testid="transcript-search"
            />
            <span className="mr-auto min-w-20 text-sm tabular-nums text-stone-700 sm:mr-0" aria-live="polite" data-testid="match-count">
              {query.trim().length >= 2 ? (matches.length ? `${matches.indexOf(current!) + 1} of ${matches.length}` : "No matches") : ""}
            </span>
            <button type="button" onClick={() => step(-1)} disabled={!matches.length} className="rounded-lg border border-stone-300 bg-white px-3 py-2 text-sm disabled:opacity-50" aria-label="Previous match">
              ↑ Previous
            </button>
            <button type="button" onClick={() => step(1)} disabled={!matches.length} className="rounded-lg border border-stone-300 bg-white px-3 py-2 text-sm disabled:opacity-50" aria-label="Next match">
              ↓ Next
            </button>
          </div>
          <ol ref={listRef} className="divide-y divide-stone-100 rounded-2xl border border-stone-200 bg-white">
            {t.segments.map((s, i) => {
              const isPlaying = i === playingIndex;
              return (
                <li
                  key={i}
                  data-seq={i}
                  className={`flex gap-3 px-4 py-3 transition-colors sm:gap-4 sm:px-5 ${isPlaying ? "bg-indigo-50 shadow-[inset_3px_0_0_var(--color-indigo-600)]" : ""}`}
                  data-testid="segment"
                  data-playing={isPlaying || undefined}
                  aria-current={isPlaying || undefined}
                >
                  {onSeek ? (
                    <button
                      onClick={() => onSeek(s.start)}
                      title="Play from here"
                      aria-label={`Play from ${formatClock(s.start)}`}
                      className="w-12 shrink-0 self-start pt-1 text-left font-mono text-xs tabular-nums text-indigo-700 hover:underline sm:w-14"
                    >
                      {formatClock(s.start)}
                    </button>
                  ) : (
                    <span className="w-12 shrink-0 self-start pt-1 font-mono text-xs tabular-nums text-stone-600 sm:w-14">{formatClock(s.start)}</span>
                  )}
                  <p className="min-w-0 leading-relaxed">
                    {s.speaker && <span className="mr-2 rounded bg-stone-100 px-1.5 py-0.5 text-xs font-semibold text-stone-800">{s.speaker}</span>}
                    <SegmentText text={s.text} matches={bySegment.get(i) ?? []} current={current} />
                  </p>
                </li>
              );
            })}
          </ol>
        </>
      )}
    </section>
  );
}
