import { Agent, request } from "undici";
import { checkCron } from "./cron.js";
import { checkExpression } from "./expressions.js";
import { FLOW_KEYS, parseFlow } from "./flow/parse.js";
import { canonicalJson, type Keys, SIGNATURE_HEADER, signText, verifyText } from "./signing.js";
import type { CancelOn, Concurrency, FnConfig, Trigger } from "./types.js";
import { parseWhen } from "./util.js";

/** HTTP client for the SDK's serve endpoint: no timeout shorter than the step limit (Node's fetch stops at 300 s). */
export class SdkClient {
  private readonly agent: Agent;

  constructor(
    private readonly maxStepMs: number,
    private readonly keys?: Keys,
  ) {
    this.agent = new Agent({
      headersTimeout: maxStepMs,
      bodyTimeout: maxStepMs,
      connectTimeout: 10_000,
      keepAliveTimeout: 4_000,
      connections: 256,
    });
  }

  async call(url: string, method: "POST" | "PUT" | "GET", body: unknown, headers: Record<string, string> = {}): Promise<SdkReply> {
    const signing = this.keys?.signingKey;
    // Signed: the exact canonical text the SDK will re-derive from the parsed body, and its signature.
    const text = body === undefined ? undefined : signing ? canonicalJson(body) : JSON.stringify(body);
    const auth: Record<string, string> = signing ? { [SIGNATURE_HEADER]: signText(signing, text ?? "") } : {};
    try {
      const res = await request(url, {
        method,
        dispatcher: this.agent,
        headers: { "content-type": "application/json", "x-inngest-server-kind": signing ? "cloud" : "dev", ...auth, ...headers },
        body: text,
        signal: AbortSignal.timeout(this.maxStepMs + 1_000),
      });
      const replyText = await res.body.text();
      const h: Record<string, string> = {};
      for (const [k, v] of Object.entries(res.headers)) if (typeof v === "string") h[k.toLowerCase()] = v;
      else if (Array.isArray(v)) h[k.toLowerCase()] = v.join(", ");
      // A signed reply must verify: a bad signature means it is not from the app's SDK.
      const sig = h[SIGNATURE_HEADER];
      const badSig = this.keys?.signed && sig ? verifyText(this.keys.signingKeys, sig, replyText) : undefined;
      if (badSig) return { kind: "http", status: res.statusCode, headers: h, text: replyText, fromSdk: false, badSignature: badSig };
      return { kind: "http", status: res.statusCode, headers: h, text: replyText, fromSdk: "x-inngest-sdk" in h, signed: !!sig };
    } catch (e) {
      const err = e as Error & { code?: string; cause?: { code?: string } };
      const code = err.code ?? err.cause?.code ?? err.name;
      // Not connecting in time is the app being down; only a reply that takes too long is the step's fault.
      if (/TIMEOUT|TimeoutError|AbortError/i.test(code) && code !== "UND_ERR_CONNECT_TIMEOUT") {
        return { kind: "timeout", error: `no reply within the max step duration (${this.maxStepMs} ms)` };
      }
      return { kind: "transport", error: `${err.code ?? err.cause?.code ?? err.name}: ${err.message}` };
    }
  }

  async close(): Promise<void> {
    await this.agent.close().catch(() => {});
  }
}

export type SdkReply =
  | { kind: "http"; status: number; headers: Record<string, string>; text: string; fromSdk: boolean; signed?: boolean; badSignature?: string }
  | { kind: "transport"; error: string }
  | { kind: "timeout"; error: string };

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** An op as returned in a 206 reply. */
export interface Op {
  id: string;
  op: string;
  name?: string;
  displayName?: string;
  opts?: Record<string, unknown>;
  userland?: { id?: string };
  data?: unknown;
  error?: unknown;
}

/** Build the step URL for a function: the SDK's runtime URL with stepId replaced. */
export function stepUrl(fnUrl: string, stepId: string): string {
  const u = new URL(fnUrl);
  u.searchParams.set("stepId", stepId);
  return u.toString();
}

/** Config keys of a function the engine honours or can safely ignore. */
const KNOWN = new Set(["id", "name", "triggers", "steps", "concurrency", "cancel", "retries", "priority", ...FLOW_KEYS]);
const UNSUPPORTED_NOTES: Record<string, string> = {
  checkpointing: "checkpointing",
};

/** Turn the SDK's function configs (from an in-band sync or /fn/register) into the engine's. */
export function parseFunctions(appId: string, raw: unknown[]): FnConfig[] {
  const out: FnConfig[] = [];
  for (const r of raw) {
    const f = r as Record<string, unknown>;
    const id = String(f.id);
    const steps = (f.steps ?? {}) as Record<string, { runtime?: { url?: string }; retries?: { attempts?: number } }>;
    const step = Object.values(steps)[0];
    const warnings: string[] = [];
    const triggers: Trigger[] = [];
    for (const t of (f.triggers ?? []) as Trigger[]) {
      const badCron = t.cron ? checkCron(t.cron) : undefined;
      if (badCron) warnings.push(badCron);
      const bad = checkExpression(t.expression);
      if (bad) warnings.push(`trigger ${bad}`);
      triggers.push(t);
    }
    let concurrency: Concurrency[] = [];
    const c = f.concurrency;
    if (typeof c === "number") concurrency = [{ limit: c }];
    else if (Array.isArray(c)) concurrency = c as Concurrency[];
    else if (c && typeof c === "object") concurrency = [c as Concurrency];
    concurrency = concurrency.filter((x) => typeof x.limit === "number" && x.limit > 0);
    for (const x of concurrency) {
      const bad = checkExpression(x.key);
      if (bad) warnings.push(`concurrency key ${bad}`);
    }
    const cancel = ((f.cancel ?? []) as CancelOn[]).filter((x) => x && typeof x.event === "string");
    for (const x of cancel) {
      const bad = checkExpression(x.if);
      if (bad) warnings.push(`cancelOn ${bad}`);
      if (x.timeout && parseWhen(x.timeout, 0) === undefined) warnings.push(`cancelOn timeout "${x.timeout}" is not a duration (ignored)`);
    }
    for (const k of Object.keys(f)) {
      if (KNOWN.has(k) || f[k] === undefined || f[k] === null) continue;
      warnings.push(`${UNSUPPORTED_NOTES[k] ?? k} is not implemented (ignored)`);
    }
    const priority = f.priority as { run?: string } | undefined;
    const badPriority = checkExpression(priority?.run);
    if (badPriority) warnings.push(`priority ${badPriority}`);
    const flow = parseFlow(f, warnings);
    const attempts = step?.retries?.attempts;
    out.push({
      id,
      name: String(f.name ?? id),
      appId,
      url: step?.runtime?.url ?? "",
      triggers,
      concurrency,
      cancel,
      retries: typeof attempts === "number" && attempts >= 0 ? attempts : 4,
      ...(priority?.run ? { priority: { run: priority.run } } : {}),
      ...flow,
      warnings,
    });
  }
  return out;
}
