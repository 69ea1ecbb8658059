import type { Metadata } from "next";
import { headers } from "next/headers";
import { notFound } from "next/navigation";
import { authorizeOperator } from "@/lib/auth/operator";
import { OperationsDashboard } from "@/components/operations-dashboard";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Operations" };

export default async function OperationsPage() {
  // proxy.ts answers the HTTP way first; this keeps the page closed even if the proxy is bypassed.
  const access = await authorizeOperator(await headers());
  if (!access.ok) notFound();
  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">Operations</h1>
        <p className="text-sm text-stone-600">
          Every session from every browser, newest first, refreshed every few seconds. Each row links to its run in the
          Inngest server (the local engine, or Inngest Cloud); metrics for Prometheus are at /api/metrics.
        </p>
      </div>
      <OperationsDashboard />
    </div>
  );
}
