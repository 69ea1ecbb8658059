import http from "node:http";
import { dashboardHtml } from "./dashboard.js";
import { checkRequest, type GuardOptions } from "./guard.js";
import type { Scheduler } from "./scheduler.js";
import type { Store } from "./store.js";
import type { RunRec, StepRec } from "./types.js";

const MAX_BODY = 16 * 1024 * 1024;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new HttpError(413, "body too large"));
        req.destroy();
      } else chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(text);
}

function runAttempts(run: RunRec, steps: Iterable<StepRec>): number {
  let n = run.attempts + 1;
  for (const s of steps) n = Math.max(n, s.errors.length + (s.status === "completed" ? 1 : 0));
  return n;
}

export function runSummary(store: Store, run: RunRec) {
  const steps = [...store.stepsOf(run.id).values()];
  const pending = steps.filter((s) => !["completed", "failed"].includes(s.status));
  let waitingOn: string | undefined;
  if (run.status === "running" && pending.length > 0) {
    if (pending.every((s) => s.status === "sleeping")) waitingOn = "sleep";
    else if (pending.every((s) => s.status === "waiting")) waitingOn = "event";
    else if (pending.every((s) => s.status === "invoking")) waitingOn = "invoke";
    else if (pending.every((s) => s.status === "retrying")) waitingOn = "retry";
  }
  return {
    id: run.id,
    functionId: run.fnId,
    functionName: run.fnName,
    status: run.status,
    waitingOn,
    eventId: run.event.id,
    eventName: run.event.name,
    createdAt: new Date(run.createdAt).toISOString(),
    startedAt: run.startedAt ? new Date(run.startedAt).toISOString() : null,
    endedAt: run.endedAt ? new Date(run.endedAt).toISOString() : null,
    durationMs: run.startedAt ? (run.endedAt ?? Date.now()) - run.startedAt : null,
    attempts: runAttempts(run, steps),
    stepCount: steps.length,
    output: run.output,
    error: run.error,
    errors: (run.errors ?? []).map((e) => ({ attempt: e.attempt, at: new Date(e.at).toISOString(), error: e.error })),
    parentRunId: run.parentRunId ?? null,
    rerunOf: run.rerunOf ?? null,
    /** What skipped or cancelled it. */
    reason: run.skipReason ?? run.cancelReason ?? null,
  };
}

function stepView(s: StepRec) {
  return {
    id: s.id,
    hash: s.hash,
    name: s.name,
    op: s.op,
    status: s.status,
    attempts: s.errors.length + (s.status === "completed" ? 1 : 0),
    startedAt: s.startedAt ? new Date(s.startedAt).toISOString() : null,
    endedAt: s.endedAt ? new Date(s.endedAt).toISOString() : null,
    durationMs: s.startedAt && s.endedAt ? s.endedAt - s.startedAt : null,
    output: s.result?.type === "data" ? s.result.data : undefined,
    error: s.result?.type === "error" ? s.result.error : undefined,
    errors: s.errors.map((e) => ({ attempt: e.attempt, at: new Date(e.at).toISOString(), error: e.error })),
    wakeAt: s.wakeAt ? new Date(s.wakeAt).toISOString() : undefined,
    waitFor: s.wait,
    invoke: s.invoke,
    nextAttemptAt: s.nextAt ? new Date(s.nextAt).toISOString() : undefined,
  };
}

/** A search term, lower-cased; empty means no search. */
function searchText(q: string | null): string {
  return (q ?? "").trim().toLowerCase();
}

/** An event's name, id or data contains the text (e.g. a session id anywhere in its payload). */
function matchesText(ev: { id: string; name: string; data: unknown }, q: string): boolean {
  return ev.id.toLowerCase().includes(q) || ev.name.toLowerCase().includes(q) || JSON.stringify(ev.data ?? null).toLowerCase().includes(q);
}

/**
 * Newest first, `limit` items older than the `before` cursor (an id from a previous page); `next`
 * is the cursor of the following page, or null on the last one.
 */
function pageFrom<T>(all: T[], before: string | null, limit: number, idOf: (x: T) => string, keep: (x: T) => boolean): { items: T[]; next: string | null } {
  let i = all.length - 1;
  if (before) {
    while (i >= 0 && idOf(all[i]!) !== before) i--;
    i--; // start after the cursor; an unknown cursor (dropped by retention) gives an empty page
  }
  const items: T[] = [];
  for (; i >= 0 && items.length < limit; i--) if (keep(all[i]!)) items.push(all[i]!);
  let more = false;
  for (let j = i; j >= 0; j--) {
    if (keep(all[j]!)) {
      more = true;
      break;
    }
  }
  return { items, next: more && items.length ? idOf(items[items.length - 1]!) : null };
}

export function createHttpServer(store: Store, sched: Scheduler, startedAt: number, guard: GuardOptions): http.Server {
  const parseEvents = (text: string): Array<Record<string, unknown>> => {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new HttpError(400, "body is not JSON");
    }
    const list = Array.isArray(body) ? body : [body];
    for (const e of list) {
      if (!e || typeof e !== "object" || typeof (e as { name?: unknown }).name !== "string" || !(e as { name: string }).name) {
        throw new HttpError(400, "each event needs a non-empty string name");
      }
    }
    return list as Array<Record<string, unknown>>;
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://engine");
    const p = url.pathname.replace(/\/+$/, "") || "/";
    const m = req.method ?? "GET";
    let match: RegExpExecArray | null;
    const refused = checkRequest(req, m, p, guard);
    if (refused) throw new HttpError(refused.status, refused.message);

    if (m === "GET" && p === "/") {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.end(dashboardHtml);
      return;
    }
    if (m === "GET" && p === "/health") {
      const counts: Record<string, number> = {};
      for (const r of store.runs.values()) counts[r.status] = (counts[r.status] ?? 0) + 1;
      return send(res, 200, {
        status: "ok",
        uptimeMs: Date.now() - startedAt,
        functions: sched.functions.size,
        signed: guard.keys.signed,
        runs: counts,
        // what bounded history keeps flat (retention.ts)
        memory: { rssBytes: process.memoryUsage.rss(), heapUsedBytes: process.memoryUsage().heapUsed },
        journalBytes: store.bytes,
        journalReplay: store.openStats,
        ...sched.stats(),
      });
    }
    if (m === "POST" && (match = /^\/e\/([^/]*)$/.exec(p))) {
      const events = parseEvents(await readBody(req));
      const ids = sched.ingest(events);
      return send(res, 200, { ids, status: 200 });
    }
    if (m === "POST" && p === "/fn/register") {
      const body = JSON.parse(await readBody(req)) as { url?: string; appName?: string; functions?: unknown[] };
      if (!body.url || !Array.isArray(body.functions)) throw new HttpError(400, "expected {url, functions}");
      const out = await sched.register(body.url, body.appName ?? "app", body.functions);
      if (!out.ok) return send(res, out.status, { ok: false, error: out.message, status: out.status });
      return send(res, 200, { ok: true, modified: true });
    }
    if (m === "GET" && p === "/dev") {
      return send(res, 200, { version: "murmur-local-engine", functions: [...sched.functions.values()] });
    }
    if (m === "GET" && p === "/api/functions") {
      return send(res, 200, { functions: [...sched.functions.values()] });
    }
    if (m === "GET" && p === "/api/runs") {
      const status = url.searchParams.get("status");
      const fn = url.searchParams.get("function");
      const event = url.searchParams.get("event");
      const eventId = url.searchParams.get("eventId");
      const q = searchText(url.searchParams.get("q"));
      const limit = Math.min(Number(url.searchParams.get("limit") ?? 100) || 100, 5000);
      const page = pageFrom([...store.runs.values()], url.searchParams.get("before"), limit, (r) => r.id, (r) => {
        if (status && r.status !== status) return false;
        if (fn && r.fnId !== fn && !r.fnId.endsWith(`-${fn}`)) return false;
        if (event && r.event.name !== event) return false;
        if (eventId && r.event.id !== eventId) return false;
        return !q || matchesText(r.event, q);
      });
      return send(res, 200, { runs: page.items.map((r) => runSummary(store, r)), next: page.next });
    }
    if ((match = /^\/api\/runs\/([^/]+)(\/(cancel|rerun))?$/.exec(p))) {
      const id = decodeURIComponent(match[1]!);
      const run = store.runs.get(id);
      if (!run) throw new HttpError(404, `run ${id} not found`);
      if (m === "GET" && !match[3]) {
        const steps = [...store.stepsOf(id).values()].sort((a, b) => a.createdAt - b.createdAt).map(stepView);
        return send(res, 200, { run: { ...runSummary(store, run), event: run.event }, steps });
      }
      if (m === "POST" && match[3] === "cancel") {
        const ok = sched.cancelRun(id, "cancelled from the dashboard/API");
        return send(res, ok ? 200 : 409, ok ? { ok } : { ok, error: `run is ${run.status}` });
      }
      if (m === "POST" && match[3] === "rerun") {
        const nr = sched.rerun(id);
        return send(res, 200, { ok: true, runId: nr?.id });
      }
    }
    if (m === "GET" && p === "/api/events") {
      const name = url.searchParams.get("name");
      const q = searchText(url.searchParams.get("q"));
      const limit = Math.min(Number(url.searchParams.get("limit") ?? 100) || 100, 5000);
      const page = pageFrom([...store.events.values()], url.searchParams.get("before"), limit, (e) => e.id, (e) => {
        if (name && e.name !== name) return false;
        return !q || matchesText(e, q);
      });
      // the runs each event started (one pass over the runs, only for the events on this page)
      const started = new Map<string, Array<{ id: string; functionId: string; status: string }>>(page.items.map((e) => [e.id, []]));
      for (const r of store.runs.values()) started.get(r.event.id)?.push({ id: r.id, functionId: r.fnId, status: r.status });
      return send(res, 200, { events: page.items.map((e) => ({ ...e, runs: started.get(e.id) ?? [] })), next: page.next });
    }
    if (m === "GET" && (match = /^\/api\/events\/([^/]+)$/.exec(p))) {
      const ev = store.events.get(decodeURIComponent(match[1]!));
      if (!ev) throw new HttpError(404, "event not found");
      const runs = [...store.runs.values()].filter((r) => r.event.id === ev.id).map((r) => runSummary(store, r));
      return send(res, 200, { event: ev, runs });
    }
    if (m === "POST" && p === "/api/events") {
      const ids = sched.ingest(parseEvents(await readBody(req)));
      return send(res, 200, { ids, status: 200 });
    }
    throw new HttpError(404, `no route for ${m} ${p}`);
  };

  return http.createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      const status = e instanceof HttpError ? e.status : e instanceof SyntaxError ? 400 : 500;
      if (!res.headersSent) send(res, status, { error: (e as Error).message, status });
      else res.end();
    });
  });
}
