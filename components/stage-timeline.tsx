import type { SessionView } from "./api";
import { SESSION_STAGES as ORDER, STAGE_LABEL, type SessionStage } from "@/lib/sessions/status";

type State = "done" | "current" | "pending" | "failed" | "skipped";

function stateOf(s: SessionView, stage: SessionStage): State {
  if (s.status === "completed") return "done";
  const reached = new Set((s.timeline ?? []).map((t) => t.stage).filter(Boolean));
  const idx = ORDER.indexOf(stage);
  const cur = s.stage ? ORDER.indexOf(s.stage) : -1;
  if (s.status === "failed" || s.status === "cancelled") {
    if (idx < cur) return "done";
    if (idx === cur) return s.status === "failed" ? "failed" : "skipped";
    return reached.has(stage) ? "done" : "pending";
  }
  if (cur === -1) return "pending";
  return idx < cur ? "done" : idx === cur ? "current" : "pending";
}

const DOT: Record<State, string> = {
  done: "bg-emerald-500 ring-emerald-100",
  current: "bg-indigo-600 ring-indigo-100 animate-pulse",
  pending: "bg-stone-300 ring-stone-100",
  failed: "bg-red-500 ring-red-100",
  skipped: "bg-stone-400 ring-stone-100",
};

export function StageTimeline({ session }: { session: SessionView }) {
  return (
    <ol className="grid grid-cols-4 gap-1.5 sm:gap-2" data-testid="stage-timeline" aria-label="Stages">
      {ORDER.map((stage) => {
        const st = stateOf(session, stage);
        const detail =
          stage === "transcribing" && session.chunks.total > 0 ? `${session.chunks.done}/${session.chunks.total} parts` : null;
        return (
          <li key={stage} data-stage={stage} data-state={st} className="flex min-w-0 flex-col items-start gap-1.5">
            <div className="flex w-full items-center gap-2">
              <span className={`h-3 w-3 shrink-0 rounded-full ring-4 ${DOT[st]}`} />
              <span className="h-px flex-1 bg-stone-200" />
            </div>
            <span className={`break-words text-xs sm:text-sm ${st === "pending" ? "text-stone-600" : "font-medium text-stone-900"}`}>{STAGE_LABEL[stage]}</span>
            {detail && <span className="text-xs text-stone-600">{detail}</span>}
          </li>
        );
      })}
    </ol>
  );
}
