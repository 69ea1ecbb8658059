"use client";

import { useState } from "react";
import useSWR from "swr";
import type { OperationsSnapshot, OperatorRow } from "@/lib/ops/dashboard";
import { SESSION_STATUSES, STAGE_LABEL, type SessionStage } from "@/lib/sessions/status";
import { StatusBadge } from "./status-badge";
import { OperationsCharts } from "./operations-charts";

const fetcher = async (url: string): Promise<OperationsSnapshot> => {
  const res = await fetch(url, { cache: "no-store" });
  if (!res.ok) throw new Error(`${res.status}`);
  return res.json();
};

const secs = (s: number | null) => (s === null ? "—" : s < 60 ? `${s.toFixed(1)} s` : `${Math.floor(s / 60)}m ${Math.round(s % 60)}s`);

async function act(action: string, ids: string[]) {
  const res = await fetch("/api/operations/actions", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ action, ids }),
  });
  const body = (await res.json()) as { results?: Array<{ id: string; ok: boolean; message?: string }>; error?: { message: string } };
  if (!res.ok) throw new Error(body.error?.message ?? `${res.status}`);
  return body.results ?? [];
}

/** The live operators' view: refreshed every 3 s, with actions per row and in bulk. */
export function OperationsDashboard() {
  const [status, setStatus] = useState("");
  const [search, setSearch] = useState("");
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [notice, setNotice] = useState<string | null>(null);
  const key = `/api/operations?${new URLSearchParams({ ...(status ? { status } : {}), ...(search ? { q: search } : {}) })}`;
  const { data, error, mutate } = useSWR(key, fetcher, { refreshInterval: 3000, keepPreviousData: true });

  const run = async (action: string, ids: string[]) => {
    try {
      const results = await act(action, ids);
      const failed = results.filter((r) => !r.ok);
      setNotice(failed.length ? `${action}: ${failed.length} of ${results.length} refused — ${failed[0]!.message}` : `${action}: done for ${results.length}`);
      setSelected(new Set());
    } catch (e) {
      setNotice(`${action} failed: ${(e as Error).message}`);
    }
    await mutate();
  };

  const toggle = (id: string) =>
    setSelected((s) => {
      const next = new Set(s);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  return (
    <div className="space-y-6">
      {error && <p className="text-sm text-red-700">Could not load: {String(error.message)}</p>}
      {data && <OperationsCharts charts={data.charts} />}

      <div className="flex flex-wrap items-center gap-2 text-sm">
        <select aria-label="Status filter" value={status} onChange={(e) => setStatus(e.target.value)} className="rounded-lg border border-stone-300 bg-white px-2 py-1">
          <option value="">All statuses</option>
          {SESSION_STATUSES.map((s) => (
            <option key={s} value={s}>
              {s.replace("_", " ")} ({data?.counts[s] ?? 0})
            </option>
          ))}
        </select>
        <input
          aria-label="Search sessions"
          placeholder="Search title, file or id"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
          className="w-64 rounded-lg border border-stone-300 px-2 py-1"
        />
        <button type="button" className="rounded-lg bg-stone-900 px-3 py-1 text-white" onClick={() => run("retry-failed", [])}>
          Retry all failed
        </button>
        <button
          type="button"
          disabled={!selected.size}
          className="rounded-lg bg-red-700 px-3 py-1 text-white disabled:opacity-40"
          onClick={() => run("delete", [...selected])}
        >
          Delete selected ({selected.size})
        </button>
        {notice && (
          <span role="status" className="text-stone-600">
            {notice}
          </span>
        )}
      </div>

      {/* Scrolls sideways on a phone: focusable so the keyboard can scroll it too. */}
      <div tabIndex={0} role="region" aria-label="Sessions" className="overflow-x-auto rounded-2xl border border-stone-200 bg-white focus-visible:outline focus-visible:outline-2 focus-visible:outline-indigo-600">
        <table className="w-full text-left text-sm" data-testid="operations-table">
          <thead className="bg-stone-50 text-xs uppercase tracking-wide text-stone-500">
            <tr>
              <th className="px-3 py-2" />
              <th className="px-3 py-2">Session</th>
              <th className="px-3 py-2">Status</th>
              <th className="px-3 py-2 text-right">Progress</th>
              <th className="px-3 py-2 text-right">Queued</th>
              <th className="px-3 py-2 text-right">Processing</th>
              <th className="px-3 py-2">Error</th>
              <th className="px-3 py-2">Actions</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-stone-100">
            {data?.sessions.map((r) => (
              <Row key={r.id} r={r} checked={selected.has(r.id)} onToggle={() => toggle(r.id)} onAction={(a) => run(a, [r.id])} />
            ))}
            {data && !data.sessions.length && (
              <tr>
                <td colSpan={8} className="px-4 py-8 text-center text-stone-500">
                  No sessions.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>

      <section>
        <h2 className="mb-2 text-lg font-semibold">Alert and webhook deliveries</h2>
        <div tabIndex={0} role="region" aria-label="Deliveries" className="overflow-x-auto rounded-2xl border border-stone-200 bg-white focus-visible:outline focus-visible:outline-2 focus-visible:outline-indigo-600">
          <table className="w-full text-left text-xs" data-testid="delivery-log">
            <thead className="bg-stone-50 uppercase tracking-wide text-stone-500">
              <tr>
                <th className="px-3 py-2">When</th>
                <th className="px-3 py-2">Kind</th>
                <th className="px-3 py-2">Event</th>
                <th className="px-3 py-2">Target</th>
                <th className="px-3 py-2 text-right">Attempt</th>
                <th className="px-3 py-2">Outcome</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-stone-100">
              {data?.deliveries.map((d) => (
                <tr key={d.id}>
                  <td className="px-3 py-1.5 text-stone-500">{new Date(d.at).toLocaleString()}</td>
                  <td className="px-3 py-1.5">
                    {d.kind} · {d.channel}
                  </td>
                  <td className="px-3 py-1.5">{d.eventType}</td>
                  <td className="max-w-[16rem] truncate px-3 py-1.5 font-mono">{d.target}</td>
                  <td className="px-3 py-1.5 text-right tabular-nums">{d.attempt}</td>
                  <td className={`px-3 py-1.5 ${d.ok ? "text-emerald-700" : "text-red-700"}`}>
                    {d.ok ? `delivered${d.statusCode ? ` (${d.statusCode})` : ""}` : `failed: ${d.error ?? d.statusCode}`}
                  </td>
                </tr>
              ))}
              {data && !data.deliveries.length && (
                <tr>
                  <td colSpan={6} className="px-4 py-6 text-center text-stone-500">
                    Nothing sent yet.
                  </td>
                </tr>
              )}
            </tbody>
          </table>
        </div>
      </section>
    </div>
  );
}

function Row({ r, checked, onToggle, onAction }: { r: OperatorRow; checked: boolean; onToggle: () => void; onAction: (a: string) => void }) {
  const active = r.status === "queued" || r.status === "processing" || r.status === "awaiting_upload";
  return (
    <tr data-testid="operations-row" data-id={r.id} className={r.stale ? "bg-amber-50" : ""}>
      <td className="px-3 py-2">
        <input type="checkbox" aria-label={`Select ${r.title}`} checked={checked} onChange={onToggle} />
      </td>
      <td className="px-3 py-2">
        <div className="max-w-[14rem] truncate font-medium">
          {r.urgent && <span className="mr-1 rounded bg-red-100 px-1 text-xs text-red-700">urgent</span>}
          {r.title}
        </div>
        <div className="font-mono text-xs text-stone-500">
          {r.id.slice(0, 8)} · run {r.generation}
          {r.runUrl && (
            <>
              {" · "}
              <a href={r.runUrl} target="_blank" rel="noreferrer" className="text-indigo-700 underline">
                run
              </a>
            </>
          )}
        </div>
      </td>
      <td className="px-3 py-2">
        <StatusBadge status={r.status} />
        {r.stage && r.status === "processing" && <div className="text-xs text-stone-500">{STAGE_LABEL[r.stage as SessionStage]}</div>}
        {r.stale && <div className="text-xs text-amber-700">no progress lately</div>}
      </td>
      <td className="px-3 py-2 text-right tabular-nums">{r.progress}%</td>
      <td className="px-3 py-2 text-right tabular-nums" data-testid="queue-time">
        {secs(r.queueSec)}
      </td>
      <td className="px-3 py-2 text-right tabular-nums" data-testid="processing-time">
        {secs(r.processingSec)}
      </td>
      <td className="max-w-[18rem] px-3 py-2 text-xs text-red-700">{r.error ?? ""}</td>
      <td className="space-x-1 whitespace-nowrap px-3 py-2">
        {(r.retryable || r.stale) && (
          <button type="button" className="rounded border px-2 py-0.5" onClick={() => onAction("retry")}>
            Retry
          </button>
        )}
        {active && (
          <button type="button" className="rounded border px-2 py-0.5" onClick={() => onAction("cancel")}>
            Cancel
          </button>
        )}
        {!r.urgent && (r.status === "queued" || r.status === "processing") && (
          <button type="button" className="rounded border px-2 py-0.5" onClick={() => onAction("urgent")}>
            Mark urgent
          </button>
        )}
        <button type="button" className="rounded border border-red-200 px-2 py-0.5 text-red-700" onClick={() => onAction("delete")}>
          Delete
        </button>
      </td>
    </tr>
  );
}
