import { parseFunctions, parseJson, type SdkClient } from "./protocol.js";
import type { Store } from "./store.js";
import type { FnConfig } from "./types.js";
import type { Logger } from "./util.js";

interface AppState {
  synced: boolean;
  warnedDown: boolean;
  inFlight?: Promise<boolean>;
}

/** An app URL in one spelling (lower-case host, no default port), so configured and reported URLs compare. */
export function normalizeAppUrl(url: string): string {
  try {
    return new URL(url).href;
  } catch {
    return url;
  }
}

/**
 * A function's step URL on the app URL the engine itself holds for that app: only the SDK's query
 * parameters (fnId, stepId) are kept. The SDK derives the URL it reports from the request's Host
 * header, which whoever sends the request chooses; the engine never calls a host it was not given.
 */
export function rebaseStepUrl(stepUrl: string, appUrl: string): string {
  const out = new URL(appUrl);
  try {
    for (const [k, v] of new URL(stepUrl).searchParams) out.searchParams.set(k, v);
  } catch {
    /* no usable step URL: the app URL with the fnId added by the caller */
  }
  return out.href;
}

export type RegisterOutcome = { ok: true; fns: FnConfig[] } | { ok: false; status: number; message: string };

export interface RegistryHooks {
  /** Functions a re-sync no longer lists (their runs must fail). */
  onRemoved(ids: ReadonlySet<string>): void;
  /** The function list changed (queued items may now be runnable). */
  onChanged(): void;
}

/**
 * The apps and their functions: in-band sync at start (retried quietly until the app is up), a poll
 * that picks up a restarted or changed app, and the out-of-band registration.
 */
export class AppRegistry {
  readonly functions = new Map<string, FnConfig>();
  private readonly apps = new Map<string, AppState>();
  private pollTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly store: Store,
    private readonly sdk: SdkClient,
    private readonly opts: { appUrls: string[]; pollIntervalMs: number; log: Logger; signed: boolean },
    private readonly hooks: RegistryHooks,
  ) {
    this.configured = new Set(opts.appUrls.map(normalizeAppUrl));
    for (const url of this.configured) this.apps.set(url, { synced: false, warnedDown: false });
    // What the journal remembers, but only for app URLs this engine may call: a configured one, or (signed)
    // one the app proved it owns. A registration an earlier version accepted from a forged Host is dropped.
    for (const [url, fns] of store.apps) {
      const allowed = this.configured.has(url) || (opts.signed && fns.length > 0 && fns.every((f) => f.verified));
      if (!allowed) {
        if (fns.length) opts.log(`ignoring remembered functions of ${url}: not a configured app URL (--app-url)`);
        continue;
      }
      if (!this.apps.has(url)) this.apps.set(url, { synced: false, warnedDown: false });
      for (const fn of fns) this.functions.set(fn.id, { ...fn, url: rebaseStepUrl(fn.url, url) });
    }
  }

  /** App URLs from --app-url, normalised. */
  private readonly configured: Set<string>;

  start(): void {
    void this.syncAll();
    const poll = () => {
      if (this.stopped) return;
      this.pollTimer = setTimeout(() => {
        void this.syncAll().finally(poll);
      }, this.anyUnsynced() ? Math.min(1000, this.opts.pollIntervalMs) : this.opts.pollIntervalMs);
    };
    poll();
  }

  stop(): void {
    this.stopped = true;
    if (this.pollTimer) clearTimeout(this.pollTimer);
  }

  private anyUnsynced(): boolean {
    for (const s of this.apps.values()) if (!s.synced) return true;
    return false;
  }

  async syncAll(): Promise<void> {
    await Promise.all([...this.apps.keys()].map((u) => this.syncApp(u)));
  }

  syncApp(appUrl: string): Promise<boolean> {
    appUrl = normalizeAppUrl(appUrl);
    let st = this.apps.get(appUrl);
    if (!st) this.apps.set(appUrl, (st = { synced: false, warnedDown: false }));
    if (st.inFlight) return st.inFlight;
    const p = this.doSync(appUrl, st).finally(() => {
      st.inFlight = undefined;
    });
    st.inFlight = p;
    return p;
  }

  private async doSync(appUrl: string, st: AppState): Promise<boolean> {
    const reply = await this.sdk.call(appUrl, "PUT", { url: appUrl }, { "x-inngest-sync-kind": "in_band" });
    if (this.stopped) return false;
    if (reply.kind === "http" && reply.badSignature && !st.warnedDown) {
      this.opts.log(`app at ${appUrl}: reply signature refused (${reply.badSignature}); is INNGEST_SIGNING_KEY the same on both sides?`);
    }
    if (reply.kind !== "http" || !reply.fromSdk || reply.status >= 300) {
      if (!st.warnedDown) {
        const why = reply.kind !== "http" ? reply.error : `HTTP ${reply.status}${reply.fromSdk ? "" : " (not an Inngest SDK reply)"}`;
        this.opts.log(`app at ${appUrl} not reachable yet (${why}); retrying quietly`);
        st.warnedDown = true;
      }
      st.synced = false;
      return false;
    }
    const body = parseJson(reply.text) as { app_id?: string; functions?: unknown[] };
    if (!body || !Array.isArray(body.functions)) {
      // Out-of-band: the SDK registers itself through POST /fn/register.
      st.synced = true;
      return true;
    }
    this.register(appUrl, body.app_id ?? "app", body.functions, { verified: this.opts.signed && reply.signed === true });
    st.synced = true;
    st.warnedDown = false;
    return true;
  }

  /**
   * The SDK's out-of-band registration (`POST /fn/register`, sent after a `PUT` to the app, whose URL
   * the SDK took from that request's Host header). For a configured app URL it updates the functions.
   * Any other URL is refused in dev mode; in signed mode the engine asks that URL itself with a signed
   * in-band sync and accepts it only if the reply's signature proves the app holds the signing key.
   */
  async registerOutOfBand(rawUrl: string, appId: string, rawFns: unknown[]): Promise<RegisterOutcome> {
    const url = normalizeAppUrl(rawUrl);
    if (this.configured.has(url) || (this.opts.signed && this.isVerified(url))) return { ok: true, fns: this.register(url, appId, rawFns) };
    if (!this.opts.signed) {
      this.opts.log(`registration for ${url} refused: not a configured app URL (--app-url)`);
      return { ok: false, status: 403, message: `${url} is not an app URL this engine was started with (--app-url); a dev-mode engine never follows a registration elsewhere` };
    }
    const reply = await this.sdk.call(url, "PUT", { url }, { "x-inngest-sync-kind": "in_band" });
    const body = reply.kind === "http" && reply.status === 200 && reply.fromSdk && reply.signed ? (parseJson(reply.text) as { app_id?: string; functions?: unknown[] }) : undefined;
    if (!body || !Array.isArray(body.functions)) {
      const why = reply.kind !== "http" ? reply.error : reply.badSignature ?? (reply.signed ? `HTTP ${reply.status}` : "its reply is not signed");
      this.opts.log(`registration for ${url} refused: the app there did not confirm it with a signed sync (${why})`);
      return { ok: false, status: 403, message: `could not confirm the app at ${url} with a signed sync (${why})` };
    }
    if (!this.apps.has(url)) this.apps.set(url, { synced: true, warnedDown: false });
    return { ok: true, fns: this.register(url, body.app_id ?? appId, body.functions, { verified: true }) };
  }

  private isVerified(url: string): boolean {
    const fns = this.store.apps.get(url);
    return !!fns && fns.length > 0 && fns.every((f) => f.verified);
  }

  /** Register an app's functions (in-band sync reply or out-of-band /fn/register). */
  register(appUrl: string, appId: string, rawFns: unknown[], how: { verified?: boolean } = {}): FnConfig[] {
    appUrl = normalizeAppUrl(appUrl);
    const fns = parseFunctions(appId, rawFns).map((f) => ({ ...f, url: rebaseStepUrl(f.url, appUrl), ...(how.verified ? { verified: true } : {}) }));
    if (!this.apps.has(appUrl)) this.apps.set(appUrl, { synced: true, warnedDown: false });
    const prev = this.store.apps.get(appUrl);
    // Unchanged only if the list is the same AND the live functions already point here: the same
    // list under a new URL (an app that moved back) must still take effect.
    const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
    if (prev && same(prev, fns) && fns.every((f) => same(this.functions.get(f.id), f))) return fns;
    const removed = new Set<string>();
    for (const old of prev ?? []) {
      if (!fns.some((f) => f.id === old.id)) {
        this.functions.delete(old.id);
        removed.add(old.id);
      }
    }
    // The same app (by id) registered under another URL before: that URL no longer serves it.
    for (const [otherUrl, otherFns] of this.store.apps) {
      if (otherUrl === appUrl || !otherFns.some((f) => f.appId === appId)) continue;
      this.store.putApp(otherUrl, otherFns.filter((f) => f.appId !== appId));
      for (const old of otherFns) {
        if (old.appId === appId && !fns.some((f) => f.id === old.id)) {
          this.functions.delete(old.id);
          removed.add(old.id);
        }
      }
      if (!this.configured.has(otherUrl)) this.apps.delete(otherUrl);
      this.opts.log(`app "${appId}" moved from ${otherUrl} to ${appUrl}`);
    }
    for (const fn of fns) this.functions.set(fn.id, fn);
    this.store.putApp(appUrl, fns);
    this.opts.log(`synced app "${appId}" at ${appUrl}: ${fns.length} function(s) [${fns.map((f) => f.id).join(", ")}]`);
    for (const fn of fns) for (const w of fn.warnings) this.opts.log(`warning: function ${fn.id}: ${w}`);
    if (removed.size) this.hooks.onRemoved(removed);
    this.hooks.onChanged();
    return fns;
  }

  appUrlOf(fn: FnConfig): string {
    for (const [url, fns] of this.store.apps) if (fns.some((f) => f.id === fn.id)) return url;
    return this.opts.appUrls[0] ?? "";
  }
}
