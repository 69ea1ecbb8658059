import type { Analysis } from "@/lib/analysis/types";
import { formatClock } from "@/lib/time";

function Metric({ label, value, hint }: { label: string; value: string; hint?: string }) {
  return (
    <div className="rounded-xl border border-stone-200 bg-white px-4 py-3">
      <p className="text-xs uppercase tracking-wide text-stone-500">{label}</p>
      <p className="mt-1 text-xl font-semibold tabular-nums">{value}</p>
      {hint && <p className="text-xs text-stone-500">{hint}</p>}
    </div>
  );
}

function List({ title, items, testId }: { title: string; items: string[]; testId: string }) {
  if (!items.length) return null;
  return (
    <div data-testid={testId}>
      <h3 className="mb-2 text-sm font-semibold text-stone-700">{title}</h3>
      <ul className="list-disc space-y-1 pl-5 text-stone-800">
        {items.map((t, i) => (
          <li key={i}>{t}</li>
        ))}
      </ul>
    </div>
  );
}

export function AnalysisPanel({ analysis }: { analysis: Analysis }) {
  const { metrics: m, insights } = analysis;
  const fillers = Object.entries(m.fillers).sort((a, b) => b[1] - a[1]);
  return (
    <section className="space-y-6" data-testid="analysis">
      <div className="flex items-baseline justify-between">
        <h2 className="text-xl font-semibold">Analysis</h2>
        <span className="rounded-full bg-stone-100 px-2.5 py-0.5 text-xs text-stone-600" data-testid="analysis-provider">
          {insights.provider === "local" ? "local analysis (on this machine)" : insights.provider}
        </span>
      </div>

      {analysis.noSpeech ? (
        <p className="rounded-xl bg-stone-100 px-4 py-3 text-stone-700" data-testid="no-speech">
          No speech detected in this recording.
        </p>
      ) : (
        <div className="space-y-5 rounded-2xl border border-stone-200 bg-white p-6">
          <div data-testid="summary">
            <h3 className="mb-2 text-sm font-semibold text-stone-700">Summary</h3>
            <p className="leading-relaxed text-stone-800">{insights.summary}</p>
          </div>
          <List title="Key points" items={insights.keyPoints} testId="key-points" />
          <List title="Decisions" items={insights.decisions} testId="decisions" />
          <List
            title="Action items"
            testId="action-items"
            items={insights.actionItems.map((a) => [a.who && `${a.who}:`, a.what, a.when && `(${a.when})`].filter(Boolean).join(" "))}
          />
          <List title="Questions raised" items={insights.questions} testId="questions" />
          {insights.topics.length > 0 && (
            <div>
              <h3 className="mb-2 text-sm font-semibold text-stone-700">Topics</h3>
              <div className="flex flex-wrap gap-2">
                {insights.topics.map((t) => (
                  <span key={t} className="rounded-full bg-indigo-50 px-3 py-1 text-sm text-indigo-700">
                    {t}
                  </span>
                ))}
              </div>
            </div>
          )}
          {insights.sentiment && <p className="text-sm text-stone-600">Overall sentiment: {insights.sentiment}</p>}
        </div>
      )}

      <div className="grid grid-cols-2 gap-3 sm:grid-cols-4" data-testid="metrics">
        <Metric label="Duration" value={formatClock(m.durationSec)} />
        <Metric label="Words" value={String(m.wordCount)} />
        <Metric label="Pace" value={`${Math.round(m.wordsPerMinute)} wpm`} hint="per minute of speaking" />
        <Metric label="Speaking" value={formatClock(m.speakingSec)} hint={`${formatClock(m.silentSec)} silent`} />
        <Metric label="Longest pause" value={`${m.longestPauseSec.toFixed(1)} s`} />
        <Metric label="Filler words" value={String(m.fillerCount)} hint={`${m.fillerRatePerMin.toFixed(1)} per minute`} />
        <div className="col-span-2 rounded-xl border border-stone-200 bg-white px-4 py-3">
          <p className="text-xs uppercase tracking-wide text-stone-500">Keywords</p>
          <p className="mt-1 text-sm text-stone-800" data-testid="keywords">{m.keywords.join(", ") || "—"}</p>
          {fillers.length > 0 && (
            <p className="mt-1 text-xs text-stone-500">Fillers: {fillers.map(([w, n]) => `${w} ×${n}`).join(", ")}</p>
          )}
        </div>
      </div>
    </section>
  );
}
