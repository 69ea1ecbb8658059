"use client";

import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { OperationsSnapshot } from "@/lib/ops/dashboard";

const hourLabel = (iso: string) => new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });

function Panel({ title, testId, children }: { title: string; testId: string; children: React.ReactNode }) {
  return (
    <figure className="rounded-2xl border border-stone-200 bg-white p-4" data-testid={testId}>
      <figcaption className="mb-2 text-sm font-medium text-stone-700">{title}</figcaption>
      <div className="h-48">{children}</div>
    </figure>
  );
}

/** The four charts people would rather look at than read: outcomes per hour, time per stage, failure rate, queue depth. */
export function OperationsCharts({ charts }: { charts: OperationsSnapshot["charts"] }) {
  return (
    <div className="grid gap-4 md:grid-cols-2">
      <Panel title="Sessions per hour by outcome" testId="chart-outcomes">
        <ResponsiveContainer>
          <BarChart data={charts.outcomes}>
            <CartesianGrid strokeDasharray="3 3" vertical={false} />
            <XAxis dataKey="hour" tickFormatter={hourLabel} fontSize={11} />
            <YAxis allowDecimals={false} fontSize={11} width={28} />
            <Tooltip labelFormatter={(v) => hourLabel(String(v))} />
            <Legend />
            <Bar dataKey="completed" stackId="o" fill="#059669" name="completed" isAnimationActive={false} />
            <Bar dataKey="failed" stackId="o" fill="#dc2626" name="failed" isAnimationActive={false} />
            <Bar dataKey="cancelled" stackId="o" fill="#a8a29e" name="cancelled" isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </Panel>
      <Panel title="Time per stage, p50 and p95 (seconds, last 7 days)" testId="chart-stages">
        <ResponsiveContainer>
          <BarChart data={charts.stages}>
            <CartesianGrid strokeDasharray="3 3" vertical={false} />
            <XAxis dataKey="stage" fontSize={11} />
            <YAxis fontSize={11} width={36} />
            <Tooltip formatter={(v) => `${Number(v).toFixed(1)} s`} />
            <Legend />
            <Bar dataKey="p50" fill="#6366f1" name="p50" isAnimationActive={false} />
            <Bar dataKey="p95" fill="#c7d2fe" name="p95" isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </Panel>
      <Panel title="Failure rate per hour (%)" testId="chart-failure-rate">
        <ResponsiveContainer>
          <LineChart data={charts.outcomes}>
            <CartesianGrid strokeDasharray="3 3" vertical={false} />
            <XAxis dataKey="hour" tickFormatter={hourLabel} fontSize={11} />
            <YAxis domain={[0, 100]} fontSize={11} width={32} />
            <Tooltip labelFormatter={(v) => hourLabel(String(v))} formatter={(v) => `${v}%`} />
            <Line type="monotone" dataKey="failureRate" stroke="#dc2626" dot name="failure rate" isAnimationActive={false} />
          </LineChart>
        </ResponsiveContainer>
      </Panel>
      <Panel title="Queue depth (sessions waiting, end of each hour)" testId="chart-queue-depth">
        <ResponsiveContainer>
          <LineChart data={charts.queueDepth}>
            <CartesianGrid strokeDasharray="3 3" vertical={false} />
            <XAxis dataKey="at" tickFormatter={hourLabel} fontSize={11} />
            <YAxis allowDecimals={false} fontSize={11} width={28} />
            <Tooltip labelFormatter={(v) => hourLabel(String(v))} />
            <Line type="stepAfter" dataKey="depth" stroke="#d97706" dot={false} name="waiting" isAnimationActive={false} />
          </LineChart>
        </ResponsiveContainer>
      </Panel>
    </div>
  );
}
