"use client";

import Link from "next/link";
import useSWR from "swr";
import { fetchJson, type SessionView } from "./api";
import { isOpen } from "@/lib/sessions/status";
import { formatClock } from "./format";
import { StatusBadge } from "./status-badge";

export function SessionList() {
  const { data, error } = useSWR<{ sessions: SessionView[] }>("/api/sessions", fetchJson, {
    // Poll only while something is still moving.
    refreshInterval: (latest) => (latest?.sessions.some((s) => isOpen(s.status)) ? 2000 : 0),
  });
  if (error) return <p className="text-sm text-red-600">Could not load your recordings: {String(error.message ?? error)}</p>;
  if (!data) return <p className="text-sm text-stone-500">Loading your recordings…</p>;
  if (!data.sessions.length) {
    return <p className="text-sm text-stone-500">No recordings yet. Your uploads appear here, only in this browser.</p>;
  }
  return (
    <ul className="divide-y divide-stone-200 overflow-hidden rounded-2xl border border-stone-200 bg-white" data-testid="session-list">
      {data.sessions.map((s) => (
        <li key={s.id}>
          <Link href={`/sessions/${s.id}`} className="flex items-center justify-between gap-4 px-5 py-4 hover:bg-stone-50">
            <div className="min-w-0">
              <p className="truncate font-medium">{s.title}</p>
              <p className="text-xs text-stone-500">
                {new Date(s.createdAt).toLocaleString()}
                {s.durationSec ? ` · ${formatClock(s.durationSec)}` : ""}
              </p>
            </div>
            <div className="flex shrink-0 items-center gap-3">
              {s.status === "processing" && <span className="text-xs tabular-nums text-stone-500">{s.progress}%</span>}
              <StatusBadge status={s.status} />
            </div>
          </Link>
        </li>
      ))}
    </ul>
  );
}
