import fs from "node:fs";
import path from "node:path";
import type { EventRec, FnConfig, RunRec, StepRec } from "./types.js";

/**
 * Embedded store: everything lives in memory, every change is appended to a JSON-lines journal
 * (written synchronously, so it survives SIGKILL; fdatasync'd shortly after, so it survives a crash
 * of the machine too). At open, the journal is replayed, then compacted into a fresh file.
 */
type Rec =
  | { t: "ev"; ev: EventRec }
  | { t: "run"; run: RunRec }
  | { t: "step"; runId: string; step: StepRec }
  | { t: "fns"; appUrl: string; fns: FnConfig[] }
  | { t: "mark"; key: string; value?: unknown };

const openDirs = new Set<string>();

export const DEDUPE_WINDOW_MS = 24 * 3600 * 1000;

export class Store {
  readonly events = new Map<string, EventRec>();
  readonly runs = new Map<string, RunRec>();
  readonly steps = new Map<string, Map<string, StepRec>>();
  readonly apps = new Map<string, FnConfig[]>();
  /** Small durable state of the flow-control modules (a cron's last tick, …), by key; an object
   * value with a numeric `expiresAt` is dropped at compaction once that time has passed. */
  readonly marks = new Map<string, unknown>();
  private fd = -1;
  /** Journal size now, and right after the last compaction (retention.ts compacts when it has grown). */
  bytes = 0;
  bytesAfterCompact = 0;
  /** Records replayed at open and how long replay + compaction took (the engine's share of a restart). */
  openStats = { records: 0, ms: 0 };
  private syncTimer: NodeJS.Timeout | undefined;
  private readonly file: string;
  private lockFile: string | undefined;

  constructor(readonly dir: string) {
    this.file = path.join(dir, "journal.jsonl");
  }

  open(): void {
    fs.mkdirSync(this.dir, { recursive: true });
    // One engine per data dir: a live pid in the lock file means another engine owns it.
    if (openDirs.has(this.dir)) throw new Error(`data dir ${this.dir} is in use by another engine (this process)`);
    const lock = path.join(this.dir, "engine.pid");
    try {
      const pid = Number(fs.readFileSync(lock, "utf8"));
      if (pid && pid !== process.pid) {
        let alive = false;
        try {
          process.kill(pid, 0);
          alive = true;
        } catch (e) {
          alive = (e as NodeJS.ErrnoException).code === "EPERM";
        }
        if (alive) throw new Error(`data dir ${this.dir} is in use by another engine (pid ${pid})`);
      }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    }
    fs.writeFileSync(lock, String(process.pid));
    this.lockFile = lock;
    openDirs.add(this.dir);
    const t0 = performance.now();
    let records = 0;
    if (fs.existsSync(this.file)) {
      const text = fs.readFileSync(this.file, "utf8");
      for (const line of text.split("\n")) {
        if (!line) continue;
        let rec: Rec;
        try {
          rec = JSON.parse(line) as Rec;
        } catch {
          continue; // a torn last line after a crash
        }
        this.apply(rec);
        records++;
      }
    }
    this.compact();
    this.openStats = { records, ms: Math.round(performance.now() - t0) };
  }

  private apply(rec: Rec): void {
    switch (rec.t) {
      case "ev":
        this.events.set(rec.ev.id, rec.ev);
        break;
      case "run":
        this.runs.set(rec.run.id, rec.run);
        if (!this.steps.has(rec.run.id)) this.steps.set(rec.run.id, new Map());
        break;
      case "step": {
        let m = this.steps.get(rec.runId);
        if (!m) this.steps.set(rec.runId, (m = new Map()));
        m.set(rec.step.hash, rec.step);
        break;
      }
      case "fns":
        this.apps.set(rec.appUrl, rec.fns);
        break;
      case "mark":
        if (rec.value === undefined) this.marks.delete(rec.key);
        else this.marks.set(rec.key, rec.value);
        break;
    }
  }

  /**
   * Rewrite the journal as one record per live object (atomic rename). Synchronous: no change can
   * land between the snapshot and the rename, so an in-flight run loses nothing; a kill before the
   * rename leaves the old journal whole (the partial .tmp is overwritten next time).
   */
  compact(): void {
    if (this.fd >= 0) {
      fs.closeSync(this.fd);
      this.fd = -1;
    }
    const tmp = this.file + ".tmp";
    const fd = fs.openSync(tmp, "w");
    const now = Date.now();
    const lines: string[] = [];
    const flush = () => {
      if (lines.length) fs.writeSync(fd, lines.join(""));
      lines.length = 0;
    };
    for (const [appUrl, fns] of this.apps) lines.push(JSON.stringify({ t: "fns", appUrl, fns }) + "\n");
    for (const [key, value] of this.marks) {
      const exp = (value as { expiresAt?: unknown } | null)?.expiresAt;
      if (typeof exp === "number" && exp < now) {
        this.marks.delete(key); // e.g. a rate limit's state once it no longer limits anything
        continue;
      }
      lines.push(JSON.stringify({ t: "mark", key, value }) + "\n");
    }
    for (const ev of this.events.values()) {
      // (how long events are kept is retention.ts's business)
      lines.push(JSON.stringify({ t: "ev", ev }) + "\n");
      if (lines.length > 500) flush();
    }
    for (const run of this.runs.values()) {
      lines.push(JSON.stringify({ t: "run", run }) + "\n");
      for (const step of this.steps.get(run.id)?.values() ?? []) lines.push(JSON.stringify({ t: "step", runId: run.id, step }) + "\n");
      if (lines.length > 500) flush();
    }
    flush();
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fs.renameSync(tmp, this.file);
    this.fd = fs.openSync(this.file, "a");
    this.bytes = this.bytesAfterCompact = fs.fstatSync(this.fd).size;
  }

  private append(rec: Rec): void {
    if (this.fd < 0) return;
    const line = JSON.stringify(rec) + "\n";
    this.bytes += fs.writeSync(this.fd, line);
    if (!this.syncTimer) {
      this.syncTimer = setTimeout(() => {
        this.syncTimer = undefined;
        if (this.fd >= 0) fs.fdatasync(this.fd, () => {});
      }, 20);
    }
  }

  putEvent(ev: EventRec): void {
    this.events.set(ev.id, ev);
    this.append({ t: "ev", ev });
  }

  putRun(run: RunRec): void {
    this.runs.set(run.id, run);
    if (!this.steps.has(run.id)) this.steps.set(run.id, new Map());
    this.append({ t: "run", run });
  }

  putStep(runId: string, step: StepRec): void {
    let m = this.steps.get(runId);
    if (!m) this.steps.set(runId, (m = new Map()));
    m.set(step.hash, step);
    this.append({ t: "step", runId, step });
  }

  putApp(appUrl: string, fns: FnConfig[]): void {
    this.apps.set(appUrl, fns);
    this.append({ t: "fns", appUrl, fns });
  }

  /** Set (or, with undefined, delete) a mark. */
  putMark(key: string, value: unknown): void {
    if (value === undefined) {
      if (!this.marks.has(key)) return;
      this.marks.delete(key);
    } else this.marks.set(key, value);
    this.append({ t: "mark", key, value });
  }

  /** Forget a finished run and its steps (retention); the journal forgets it at the next compaction. */
  dropRun(runId: string): void {
    this.runs.delete(runId);
    this.steps.delete(runId);
  }

  dropEvent(id: string): void {
    this.events.delete(id);
  }

  stepsOf(runId: string): Map<string, StepRec> {
    let m = this.steps.get(runId);
    if (!m) this.steps.set(runId, (m = new Map()));
    return m;
  }

  close(): void {
    if (this.syncTimer) clearTimeout(this.syncTimer);
    this.syncTimer = undefined;
    if (this.fd >= 0) {
      try {
        fs.fsyncSync(this.fd);
      } catch {
        /* ignore */
      }
      fs.closeSync(this.fd);
    }
    this.fd = -1;
    if (this.lockFile) {
      fs.rmSync(this.lockFile, { force: true });
      openDirs.delete(this.dir);
    }
    this.lockFile = undefined;
  }
}
