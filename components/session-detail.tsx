"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useRef, useState } from "react";
import useSWR from "swr";
import { AnalysisPanel } from "./analysis-panel";
import { ApiError, fetchJson, type SessionView } from "./api";
import { isFinal, isOpen, STAGE_LABEL, STATUS_LABEL, STATUS_PROGRESS_LABEL } from "@/lib/sessions/status";
import { formatClock, formatDuration } from "@/lib/time";
import { formatBytes, providerLabel } from "./format";
import { TitleEditor } from "./title-editor";
import { usePlayerShortcuts } from "./use-player-shortcuts";
import { StageTimeline } from "./stage-timeline";
import { StatusBadge } from "./status-badge";
import { TranscriptPanel } from "./transcript-panel";

/** Pushes server-sent updates into SWR's cache; SWR's polling covers a dropped stream. */
function useLiveUpdates(id: string, active: boolean, onUpdate: (v: SessionView) => void) {
  // The latest callback without re-opening the stream on every render (the clock re-renders each second).
  const latest = useRef(onUpdate);
  latest.current = onUpdate;
  useEffect(() => {
    if (!active || typeof EventSource === "undefined") return;
    const es = new EventSource(`/api/sessions/${id}/stream`);
    es.onmessage = (e) => latest.current(JSON.parse(e.data as string) as SessionView);
    // No onerror: EventSource reconnects by itself after the server's time limit; an HTTP error ends it for good.
    return () => es.close();
  }, [id, active]);
}

function useNow(active: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [active]);
  return now;
}

/** "47 % · Weekly sync — Murmur" while it runs, the outcome once it ends: visible from another tab. */
function useTabTitle(s: SessionView | undefined) {
  useEffect(() => {
    if (!s) return;
    const before = document.title;
    const head =
      s.status === "processing" || s.status === "queued"
        ? `${s.progress} %`
        : s.status === "completed"
          ? "Done"
          : s.status === "failed"
            ? "Failed"
            : s.status === "cancelled"
              ? "Cancelled"
              : "Uploading";
    document.title = `${head} · ${s.title} — Murmur`;
    return () => void (document.title = before);
  }, [s?.status, s?.progress, s?.title]); // eslint-disable-line react-hooks/exhaustive-deps
}

/** A browser notification when a run this page watched ends, if the person allowed them. */
function useDoneNotification(s: SessionView | undefined) {
  const seen = useRef<SessionView["status"] | undefined>(undefined);
  useEffect(() => {
    if (!s) return;
    const was = seen.current;
    seen.current = s.status;
    if (!was || !isOpen(was) || isOpen(s.status)) return;
    if (typeof Notification === "undefined" || Notification.permission !== "granted") return;
    if (s.status !== "completed" && s.status !== "failed") return;
    new Notification(s.status === "completed" ? `Done: ${s.title}` : `Failed: ${s.title}`, {
      body: s.status === "completed" ? "The transcript and analysis are ready." : (s.error ?? "Processing failed."),
      tag: `murmur-${s.id}`,
    });
  }, [s?.status]); // eslint-disable-line react-hooks/exhaustive-deps
}

function NotifyButton() {
  const [permission, setPermission] = useState<NotificationPermission | "unsupported">("unsupported");
  useEffect(() => setPermission(typeof Notification === "undefined" ? "unsupported" : Notification.permission), []);
  if (permission !== "default") return null;
  return (
    <button
      type="button"
      onClick={() => void Notification.requestPermission().then(setPermission)}
      className="rounded-lg border border-stone-300 px-4 py-2 text-sm hover:bg-stone-50"
      data-testid="notify"
    >
      Notify me when done
    </button>
  );
}

function stageText(s: SessionView): string {
  return s.status === "processing" && s.stage ? STAGE_LABEL[s.stage] : STATUS_PROGRESS_LABEL[s.status];
}

export function SessionDetail({ id }: { id: string }) {
  const router = useRouter();
  const { data: s, error, mutate } = useSWR<SessionView, ApiError>(`/api/sessions/${id}`, fetchJson, {
    refreshInterval: (latest) => (!latest || isOpen(latest.status) ? 2000 : 0),
  });
  const active = s ? isOpen(s.status) : false;
  useLiveUpdates(id, active, (v) => void mutate(v, { revalidate: false }));
  const now = useNow(active);
  useTabTitle(s);
  useDoneNotification(s);
  const audioRef = useRef<HTMLAudioElement>(null);
  const [playhead, setPlayhead] = useState<number | undefined>(undefined);
  const [playing, setPlaying] = useState(false);
  usePlayerShortcuts(audioRef);
  const [actionError, setActionError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function act(path: string, method = "POST") {
    setBusy(true);
    setActionError(null);
    try {
      await fetchJson(`/api/sessions/${id}${path}`, { method });
      if (method === "DELETE") router.push("/");
      else await mutate();
    } catch (err) {
      setActionError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }

  if (error) {
    return (
      <div className="rounded-2xl border border-stone-200 bg-white p-8 text-center" data-testid="not-found">
        <p className="text-lg font-medium">{error.status === 404 ? "This recording does not exist, or it is not yours." : error.message}</p>
        <Link href="/" className="mt-3 inline-block text-indigo-700 hover:underline">Back to your recordings</Link>
      </div>
    );
  }
  if (!s) return <p className="text-stone-500">Loading…</p>;

  // The clock runs from the upload, and says how much of it was spent waiting in line.
  const since = s.queuedAt ?? s.createdAt;
  const end = s.finishedAt ? Date.parse(s.finishedAt) : now;
  const elapsed = end - Date.parse(since);
  const waited = s.startedAt ? Date.parse(s.startedAt) - Date.parse(since) : s.status === "queued" ? elapsed : 0;
  const announce =
    s.status === "completed" ? "Done: transcript and analysis are ready" : s.status === "failed" ? `Stopped: ${s.error ?? "processing failed"}` : stageText(s);

  return (
    <div className="space-y-8">
      <header className="space-y-2">
        <Link href="/" className="text-sm text-stone-600 hover:text-stone-900">← All recordings</Link>
        <div className="flex flex-wrap items-center gap-3">
          <TitleEditor id={id} title={s.title} onSaved={(v) => void mutate(v, { revalidate: false })} />
          {/* While it runs, the progress bar says what is happening; a badge would say it twice. */}
          {isFinal(s.status) ? <StatusBadge status={s.status} /> : <span hidden data-testid="status" data-status={s.status} />}
        </div>
        <p className="text-sm text-stone-600">
          {s.fileName} · {formatBytes(s.fileSize)}
          {s.durationSec ? ` · ${formatClock(s.durationSec)} of audio` : ""}
          {s.transcriber ? ` · ${providerLabel(s.transcriber)}` : ""}
          {!s.audioAvailable && s.status === "completed" ? " · audio deleted" : ""}
        </p>
      </header>

      <section className="space-y-5 rounded-2xl border border-stone-200 bg-white p-4 shadow-sm sm:p-6">
        <StageTimeline session={s} />
        <div>
          <div className="mb-1 flex justify-between text-sm">
            <span className="text-stone-700" data-testid="stage-label">
              {stageText(s)}
              {s.status === "queued" && s.queuePosition !== null ? (
                <span data-testid="queue-position">{s.queuePosition === 0 ? " · next in line" : ` · ${s.queuePosition} ahead`}</span>
              ) : null}
              {s.attempt > 1 && active ? ` · attempt ${s.attempt}` : ""}
            </span>
            <span className="tabular-nums text-stone-600">
              <span data-testid="progress">{s.progress}%</span>
              {s.etaSec !== null && active ? <span data-testid="eta"> · about {formatDuration(s.etaSec)} left</span> : null}
              {" · "}
              <span data-testid="elapsed">
                {formatDuration(elapsed / 1000)}
                {s.finishedAt ? " total" : " elapsed"}
                {waited >= 1000 ? `, ${formatDuration(waited / 1000)} of it waiting` : ""}
              </span>
            </span>
          </div>
          {/* Stage changes and the outcome, for screen readers; not every percent. */}
          <p className="sr-only" aria-live="polite" data-testid="live-status">{announce}</p>
          <div className="h-2.5 overflow-hidden rounded-full bg-stone-200" role="progressbar" aria-label="Processing progress" aria-valuenow={s.progress} aria-valuemin={0} aria-valuemax={100}>
            <div
              className={`h-full rounded-full transition-[width] duration-500 ${s.status === "failed" ? "bg-red-500" : s.status === "completed" ? "bg-emerald-500" : s.status === "cancelled" ? "bg-stone-400" : "bg-indigo-600"}`}
              style={{ width: `${s.progress}%` }}
            />
          </div>
        </div>

        {s.activity && active && (
          <p className="text-sm text-stone-600" data-testid="activity">{s.activity}</p>
        )}
        {s.announcedDurationSec !== null && s.durationSec !== null && (
          <p className="rounded-lg bg-amber-50 px-4 py-3 text-sm text-amber-800" data-testid="short-audio">
            Only {s.durationSec.toFixed(1)} s of the announced {s.announcedDurationSec.toFixed(1)} s could be decoded: the file
            looks cut off. What decodes is transcribed.
          </p>
        )}
        {s.error && (
          <div role="alert" data-testid="error" className={`rounded-lg px-4 py-3 text-sm ${s.status === "failed" ? "bg-red-50 text-red-800" : "bg-amber-50 text-amber-800"}`}>
            {s.error}
            {s.advice && (
              <p className="mt-1 font-medium" data-testid="advice">
                {s.advice}
              </p>
            )}
          </div>
        )}
        {!s.error && s.advice && (
          <p data-testid="advice" className="rounded-lg bg-stone-100 px-4 py-3 text-sm text-stone-800">
            {s.advice}
          </p>
        )}
        {s.stale && (
          <p role="alert" data-testid="stale" className="rounded-lg bg-amber-50 px-4 py-3 text-sm text-amber-800">
            No progress for a long while: the background job may have been lost. Retry starts it again from what is already done.
          </p>
        )}
        {actionError && <p role="alert" className="text-sm text-red-700">{actionError}</p>}

        <div className="flex flex-wrap gap-3">
          {(s.retryable || s.stale) && (
            <button disabled={busy} onClick={() => void act("/retry")} className="rounded-lg bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-700 disabled:opacity-50">
              Retry
            </button>
          )}
          {s.advice && (
            <Link href="/" className="rounded-lg bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-700" data-testid="upload-another">
              Upload another file
            </Link>
          )}
          {active && <NotifyButton />}
          {active && (
            <button disabled={busy} onClick={() => void act("/cancel")} className="rounded-lg border border-stone-300 px-4 py-2 text-sm hover:bg-stone-50 disabled:opacity-50">
              Cancel
            </button>
          )}
          <button
            disabled={busy}
            onClick={() => confirm("Delete this recording, its transcript and analysis?") && void act("", "DELETE")}
            className="rounded-lg px-4 py-2 text-sm text-red-700 hover:bg-red-50 disabled:opacity-50"
          >
            Delete
          </button>
        </div>

        {s.timeline && s.timeline.length > 0 && (
          <details className="text-sm">
            <summary className="cursor-pointer text-stone-700">Activity log ({s.timeline.length})</summary>
            <ol className="mt-2 space-y-1 text-xs text-stone-700" data-testid="activity-log">
              {s.timeline.map((t, i) => (
                <li key={i} className={t.error ? "text-red-700" : ""} data-entry={t.stage && t.status === "processing" ? t.stage : t.status}>
                  <span className="tabular-nums">{new Date(t.at).toLocaleTimeString()}</span> · {t.stage && t.status === "processing" ? STAGE_LABEL[t.stage] : STATUS_LABEL[t.status]}
                  {" · "}
                  {t.progress}%{t.attempt > 1 ? ` · attempt ${t.attempt}` : ""}
                  {t.message ? ` · ${t.message}` : ""}
                  {t.error ? ` · ${t.error}` : ""}
                </li>
              ))}
            </ol>
          </details>
        )}
      </section>

      {s.audioAvailable && s.durationSec !== null && (
        // Sticky: the player stays in reach while reading a long transcript.
        <div className="sticky top-0 z-20 -mx-4 bg-stone-50/95 px-4 py-2 backdrop-blur sm:-mx-6 sm:px-6" data-testid="player-bar">
          <audio
            ref={audioRef}
            controls
            preload="metadata"
            src={`/api/sessions/${id}/audio`}
            onTimeUpdate={(e) => setPlayhead(e.currentTarget.currentTime)}
            onPlay={() => setPlaying(true)}
            onPause={() => setPlaying(false)}
            className="w-full"
            aria-label="Recording"
            data-testid="player"
          />
          <p className="mt-1 hidden text-xs text-stone-600 sm:block">
            Keyboard: <kbd className="rounded border border-stone-300 bg-white px-1">Space</kbd> or <kbd className="rounded border border-stone-300 bg-white px-1">K</kbd> play/pause ·{" "}
            <kbd className="rounded border border-stone-300 bg-white px-1">←</kbd> <kbd className="rounded border border-stone-300 bg-white px-1">→</kbd> 5 seconds back/forward
          </p>
        </div>
      )}
      <TranscriptPanel
        session={s}
        currentTime={playhead}
        playing={playing}
        onRenamed={(v) => void mutate(v, { revalidate: false })}
        onSeek={
          s.audioAvailable
            ? (t) => {
                const a = audioRef.current;
                if (!a) return;
                a.currentTime = t;
                void a.play().catch(() => {});
              }
            : undefined
        }
      />
      {s.analysis && <AnalysisPanel analysis={s.analysis} />}
    </div>
  );
}
