/**
 * One-shot timers grouped by owner (a run id, or e.g. a cron function), so that finishing a run
 * clears everything it had armed in one call.
 */
export class Timers {
  private readonly byOwner = new Map<string, Map<string, NodeJS.Timeout>>();
  private stopped = false;

  /** Call `fn` at epoch ms `at` (at once if past). Re-arming the same owner+key replaces the old timer. */
  set(owner: string, key: string, at: number, fn: () => void): void {
    if (this.stopped) return;
    let m = this.byOwner.get(owner);
    if (!m) this.byOwner.set(owner, (m = new Map()));
    const old = m.get(key);
    if (old) clearTimeout(old);
    const delay = Math.max(0, at - Date.now());
    // setTimeout caps at ~24.8 days: re-arm for long sleeps.
    const h = setTimeout(
      () => {
        m.delete(key);
        if (m.size === 0 && this.byOwner.get(owner) === m) this.byOwner.delete(owner);
        if (this.stopped) return;
        if (Date.now() < at - 5) return this.set(owner, key, at, fn);
        fn();
      },
      Math.min(delay, 2 ** 31 - 1),
    );
    m.set(key, h);
  }

  clear(owner: string, key: string): void {
    const m = this.byOwner.get(owner);
    const h = m?.get(key);
    if (h) clearTimeout(h);
    m?.delete(key);
  }

  clearOwner(owner: string): void {
    const m = this.byOwner.get(owner);
    if (m) for (const h of m.values()) clearTimeout(h);
    this.byOwner.delete(owner);
  }

  stop(): void {
    this.stopped = true;
    for (const m of this.byOwner.values()) for (const h of m.values()) clearTimeout(h);
    this.byOwner.clear();
  }
}
