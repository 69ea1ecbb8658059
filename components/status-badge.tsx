import { isSessionStatus, STATUS_LABEL, type SessionStatus } from "@/lib/sessions/status";

const STYLE: Record<SessionStatus, string> = {
  awaiting_upload: "bg-stone-100 text-stone-700",
  queued: "bg-amber-50 text-amber-800 ring-amber-200",
  processing: "bg-indigo-50 text-indigo-700 ring-indigo-200",
  completed: "bg-emerald-50 text-emerald-700 ring-emerald-200",
  failed: "bg-red-50 text-red-700 ring-red-200",
  cancelled: "bg-stone-100 text-stone-600",
};

export function StatusBadge({ status }: { status: string }) {
  return (
    <span
      data-testid="status"
      data-status={status}
      className={`inline-flex items-center gap-1.5 rounded-full px-2.5 py-0.5 text-xs font-medium ring-1 ring-inset ring-transparent ${isSessionStatus(status) ? STYLE[status] : ""}`}
    >
      {status === "processing" && <span className="h-1.5 w-1.5 animate-pulse rounded-full bg-current" />}
      {isSessionStatus(status) ? STATUS_LABEL[status] : status}
    </span>
  );
}
