import { randomBytes } from "node:crypto";

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
let lastTime = 0;
let lastRand: number[] = [];

/** Time-sortable, monotonic within a process ULID (like Inngest's run ids). */
export function ulid(now = Date.now()): string {
  now = Math.max(now, lastTime); // never go back in time: ids stay sortable in creation order
  let rand: number[];
  if (now === lastTime) {
    rand = lastRand.slice();
    for (let i = rand.length - 1; i >= 0; i--) {
      rand[i] = (rand[i]! + 1) % 32;
      if (rand[i] !== 0) break;
    }
  } else {
    rand = Array.from(randomBytes(16)).map((b) => b % 32);
  }
  lastTime = now;
  lastRand = rand;
  let t = now;
  let timePart = "";
  for (let i = 0; i < 10; i++) {
    timePart = CROCKFORD[t % 32] + timePart;
    t = Math.floor(t / 32);
  }
  return timePart + rand.map((n) => CROCKFORD[n]).join("");
}

const UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
  y: 31_536_000_000,
};

/**
 * Parse what the SDK sends for a sleep/timeout: a compact duration ("1h30m", "2s", "500ms")
 * or an ISO date. Returns an absolute epoch ms, or undefined when it cannot be read.
 */
export function parseWhen(value: unknown, from = Date.now()): number | undefined {
  if (typeof value === "number") return from + value;
  if (typeof value !== "string" || value === "") return undefined;
  const ms = parseDurationMs(value);
  if (ms !== undefined) return from + ms;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : date;
}

/** A compact duration ("1h30m", "2s", "500ms") in ms, or undefined when it cannot be read. */
export function parseDurationMs(value: string): number | undefined {
  const re = /(\d+(?:\.\d+)?)\s*(ms|y|w|d|h|m|s)/gy;
  let total = 0;
  let matched = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(value)) !== null) {
    total += Number(m[1]) * UNITS[m[2]!]!;
    matched = re.lastIndex;
  }
  return matched === value.length && matched > 0 ? total : undefined;
}

export function fmtMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  return `${Math.floor(ms / 60_000)}m${Math.round((ms % 60_000) / 1000)}s`;
}

export type Logger = (line: string) => void;

export function makeLogger(quiet: boolean): Logger {
  if (quiet) return () => {};
  return (line) => {
    process.stdout.write(`${new Date().toISOString().slice(11, 23)} [engine] ${line}\n`);
  };
}

export function errMessage(e: unknown): string {
  if (e && typeof e === "object") {
    const o = e as Record<string, unknown>;
    if (typeof o.message === "string") return (typeof o.name === "string" && o.name !== "Error" ? `${o.name}: ` : "") + o.message;
    if (typeof o.error === "string") return o.error;
  }
  return typeof e === "string" ? e : JSON.stringify(e);
}
