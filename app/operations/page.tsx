import type { Metadata } from "next";
import Link from "next/link";
import { headers } from "next/headers";
import { notFound } from "next/navigation";
import { getDb } from "@/db/client";
import { countByStatus, listAllSessions } from "@/db/queries";
import { authorizeOperator } from "@/lib/auth/operator";
import { isSessionStatus, isStale, SESSION_STATUSES, STAGE_LABEL } from "@/lib/sessions/status";
import { StatusBadge } from "@/components/status-badge";
import { formatClock } from "@/lib/time";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Operations" };

export default async function OperationsPage({ searchParams }: { searchParams: Promise<{ status?: string }> }) {
  // proxy.ts answers the HTTP way first; this keeps the page closed even if the proxy is bypassed.
  const access = await authorizeOperator(await headers());
  if (!access.ok) notFound();
  const { status } = await searchParams;
  const filter = isSessionStatus(status) ? status : undefined;
  const db = await getDb();
  const [counts, rows] = await Promise.all([countByStatus(db), listAllSessions(db, { status: filter, limit: 200 })]);
  const now = Date.now();

  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">Operations</h1>
        <p className="text-sm text-stone-600">
          Every session from every browser, newest first. Step-level detail (attempts, outputs, errors) is in the Inngest
          dashboard: the local engine&apos;s at its own port (default http://127.0.0.1:8288), or Inngest Cloud.
        </p>
      </div>
      <div className="flex flex-wrap gap-2 text-sm" data-testid="status-counts">
        <Link href="/operations" className={`rounded-full px-3 py-1 ring-1 ring-stone-200 ${!filter ? "bg-stone-900 text-white" : "bg-white"}`}>
          All {Object.values(counts).reduce((a, b) => a + b, 0)}
        </Link>
        {SESSION_STATUSES.map((s) => (
          <Link
            key={s}
            href={`/operations?status=${s}`}
            className={`rounded-full px-3 py-1 ring-1 ring-stone-200 ${filter === s ? "bg-stone-900 text-white" : "bg-white"}`}
          >
            {s.replace("_", " ")} {counts[s] ?? 0}
          </Link>
        ))}
      </div>
      {/* Focusable, so a keyboard can scroll the table sideways on a narrow screen. */}
      <div className="overflow-x-auto rounded-2xl border border-stone-200 bg-white" tabIndex={0} role="region" aria-label="Recordings">
        <table className="w-full text-left text-sm" data-testid="operations-table">
          <thead className="bg-stone-50 text-xs uppercase tracking-wide text-stone-500">
            <tr>
              <th className="px-4 py-2">Session</th>
              <th className="px-4 py-2">Status</th>
              <th className="px-4 py-2">Stage</th>
              <th className="px-4 py-2 text-right">Progress</th>
              <th className="px-4 py-2 text-right">Attempt</th>
              <th className="px-4 py-2 text-right">Audio</th>
              <th className="px-4 py-2">Updated</th>
              <th className="px-4 py-2">Error</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-stone-100">
            {rows.map((r) => (
              <tr key={r.id} className={isStale(r, now) ? "bg-amber-50" : ""}>
                <td className="px-4 py-2">
                  <div className="max-w-[14rem] truncate font-medium">{r.title}</div>
                  <div className="font-mono text-xs text-stone-600">{r.id.slice(0, 8)} · run {r.generation}</div>
                </td>
                <td className="px-4 py-2">
                  <StatusBadge status={r.status} />
                  {isStale(r, now) && <div className="mt-1 text-xs text-amber-700">no update for 15+ min</div>}
                </td>
                <td className="px-4 py-2 text-stone-600">{r.stage && r.status !== "completed" ? STAGE_LABEL[r.stage] : "—"}</td>
                <td className="px-4 py-2 text-right tabular-nums">{r.progress}%</td>
                <td className="px-4 py-2 text-right tabular-nums">{r.attempt || "—"}</td>
                <td className="px-4 py-2 text-right tabular-nums">{r.durationSec ? formatClock(r.durationSec) : "—"}</td>
                <td className="px-4 py-2 text-stone-500">{r.updatedAt.toLocaleString()}</td>
                <td className="max-w-[22rem] px-4 py-2 text-red-700">{r.error ?? ""}</td>
              </tr>
            ))}
            {!rows.length && (
              <tr>
                <td colSpan={8} className="px-4 py-8 text-center text-stone-500">No sessions.</td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
    </div>
  );
}
