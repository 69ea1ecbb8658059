"use client";

import type { SessionView } from "./api";
import { formatClock } from "@/lib/time";

/** With a player: click a timestamp to hear that moment; the segment being played is highlighted. */
export function TranscriptPanel({
  session,
  currentTime,
  onSeek,
}: {
  session: SessionView;
  currentTime?: number;
  onSeek?: (seconds: number) => void;
}) {
  const t = session.transcript;
  if (!t) return null;
  // The API builds the files (scripts get the same ones); the browser only follows the link.
  const href = (format: string) => `/api/sessions/${session.id}/export?format=${format}`;
  return (
    <section className="space-y-3" data-testid="transcript">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h2 className="text-xl font-semibold">Transcript</h2>
        <div className="flex items-center gap-3 text-sm">
          <span className="text-xs text-stone-500">{t.provider}</span>
          <a className="text-indigo-700 hover:underline" href={href("md")} download data-testid="export-md">Markdown</a>
          <a className="text-indigo-700 hover:underline" href={href("txt")} download data-testid="export-txt">TXT</a>
          <a className="text-indigo-700 hover:underline" href={href("srt")} download data-testid="export-srt">SRT</a>
          <a className="text-indigo-700 hover:underline" href={href("vtt")} download data-testid="export-vtt">VTT</a>
          <a className="text-indigo-700 hover:underline" href={href("json")} download data-testid="export-json">JSON</a>
          <button className="text-indigo-700 hover:underline" onClick={() => void navigator.clipboard?.writeText(t.text)}>Copy</button>
        </div>
      </div>
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
        <p className="rounded-xl bg-stone-100 px-4 py-3 text-stone-600">No speech was found in this recording.</p>
      ) : (
        <ol className="max-h-[32rem] divide-y divide-stone-100 overflow-y-auto rounded-2xl border border-stone-200 bg-white">
          {t.segments.map((s, i) => {
            const playing = currentTime !== undefined && currentTime >= s.start && currentTime < s.end;
            return (
            <li key={i} className={`flex gap-4 px-5 py-3 ${playing ? "bg-indigo-50" : ""}`} data-testid="segment" data-playing={playing || undefined}>
              {onSeek ? (
                <button
                  onClick={() => onSeek(s.start)}
                  title="Play from here"
                  className="w-16 shrink-0 pt-0.5 text-left font-mono text-xs tabular-nums text-indigo-700 hover:underline"
                >
                  {formatClock(s.start)}
                </button>
              ) : (
                <span className="w-16 shrink-0 pt-0.5 font-mono text-xs tabular-nums text-stone-500">{formatClock(s.start)}</span>
              )}
              <p className="leading-relaxed">
                {s.speaker && <span className="mr-2 rounded bg-stone-100 px-1.5 py-0.5 text-xs font-semibold text-stone-700">{s.speaker}</span>}
                {s.text}
              </p>
            </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}
