import v8 from "node:v8";
import vm from "node:vm";
import { afterAll } from "vitest";

v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;

/** Heap in use after two full collections, so a reading is what is kept, not what is garbage. */
export function heapMb(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 1048576;
}

/** Stop functions run after the file's tests, newest first (an app stops before the engine it talks to). */
export function cleanupsAfterAll(): Array<() => Promise<void>> {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });
  return cleanups;
}
