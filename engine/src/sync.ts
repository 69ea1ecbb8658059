import { parseFunctions, parseJson, type SdkClient } from "./protocol.js";
import type { Store } from "./store.js";
import type { FnConfig } from "./types.js";
import type { Logger } from "./util.js";

interface AppState {
  synced: boolean;
  warnedDown: boolean;
  inFlight?: Promise<boolean>;
}

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
    private readonly opts: { appUrls: string[]; pollIntervalMs: number; log: Logger },
    private readonly hooks: RegistryHooks,
  ) {
    for (const fns of store.apps.values()) for (const fn of fns) this.functions.set(fn.id, fn);
    for (const url of opts.appUrls) this.apps.set(url, { synced: false, warnedDown: false });
  }

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
    await Promise.all(this.opts.appUrls.map((u) => this.syncApp(u)));
  }

  syncApp(appUrl: string): Promise<boolean> {
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
    this.register(appUrl, body.app_id ?? "app", body.functions);
    st.synced = true;
    st.warnedDown = false;
    return true;
  }

  /** Register an app's functions (in-band sync reply or out-of-band /fn/register). */
  register(appUrl: string, appId: string, rawFns: unknown[]): FnConfig[] {
    const fns = parseFunctions(appId, rawFns);
    if (!this.apps.has(appUrl)) this.apps.set(appUrl, { synced: true, warnedDown: false });
    const prev = this.store.apps.get(appUrl);
    if (prev && JSON.stringify(prev) === JSON.stringify(fns)) return fns;
    const removed = new Set<string>();
    for (const old of prev ?? []) {
      if (!fns.some((f) => f.id === old.id)) {
        this.functions.delete(old.id);
        removed.add(old.id);
      }
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
