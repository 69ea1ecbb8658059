/**
 * "Stale" means one thing everywhere: the session's page, /operations, the Retry
 * button's rule and the self-healing sweep all read STALE_RUN_AFTER. Set here to a
 * value other than the default, so a fixed threshold anywhere would disagree. Also what
 * /operations' outcome chart counts from the same stage log.
 */
import fsp from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type DatabaseHandle } from "@/db/client";
import * as ops from "@/db/operations";
import * as q from "@/db/queries";
import { sessions } from "@/db/schema";
import { config, resetConfigForTests } from "@/lib/config";
import { operationsSnapshot } from "@/lib/ops/dashboard";
import { sweep } from "@/lib/ops/sweep";
import { createSession, receiveUpload, retrySession, sessionDetail, type SessionDeps } from "@/lib/sessions/service";
import { RUN_STATUSES } from "@/lib/sessions/status";
import { LocalDiskStore } from "@/lib/storage/local";

const OWNER = "owner-stale";
let handle: DatabaseHandle;
let tmp: string;
let deps: SessionDeps;
const saved = process.env.STALE_RUN_AFTER;

beforeAll(async () => {
  process.env.STALE_RUN_AFTER = "2m";
  resetConfigForTests();
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), "murmur-stale-"));
  handle = await openDatabase({ driver: "pglite", pgliteDir: "memory://" });
  deps = { db: handle.db, store: new LocalDiskStore(path.join(tmp, "blobs")), maxUploadBytes: 1 << 20 };
});

afterAll(async () => {
  if (saved === undefined) delete process.env.STALE_RUN_AFTER;
  else process.env.STALE_RUN_AFTER = saved;
  resetConfigForTests();
  await handle?.close();
  if (tmp) await fsp.rm(tmp, { recursive: true, force: true });
});

/** A session processing generation 1 whose last write was `silentMin` minutes ago. */
async function processingSilentFor(silentMin: number) {
  const row = await createSession(deps, OWNER, { fileName: "a.m4a", fileSize: 10, contentType: "audio/mp4", deleteAfterAnalysis: false });
  await receiveUpload(deps, row.id, OWNER, Readable.from([Buffer.alloc(10, 1)]));
  await q.applyRunUpdate(deps.db, row.id, 1, RUN_STATUSES, { status: "processing", stage: "transcribing", progress: 30 });
  await handle.db.update(sessions).set({ updatedAt: new Date(Date.now() - silentMin * 60_000) }).where(eq(sessions.id, row.id));
  return row.id;
}

async function staleOnOperations(id: string): Promise<boolean | undefined> {
  const snap = await operationsSnapshot(deps.db, config(), {});
  return snap.sessions.find((s) => s.id === id)?.stale;
}

describe("stale sessions follow STALE_RUN_AFTER", () => {
  it("a session silent for less than the setting is stale nowhere", async () => {
    const id = await processingSilentFor(1);
    expect((await sessionDetail(deps, id, OWNER)).stale).toBe(false);
    expect(await staleOnOperations(id)).toBe(false);
    expect((await retrySession(deps, id, OWNER)).changed).toBe(false);
    const swept = await sweep({ db: deps.db, store: deps.store }, config());
    expect(swept.redispatch.map((r) => r.sessionId)).not.toContain(id);
  });

  it("a session silent for longer (though well under the default 15 minutes) is stale on the page, on /operations and to the sweep", async () => {
    const shown = await processingSilentFor(3);
    expect((await sessionDetail(deps, shown, OWNER)).stale).toBe(true);
    expect(await staleOnOperations(shown)).toBe(true);
    const retried = await retrySession(deps, shown, OWNER);
    expect([retried.changed, retried.row.generation]).toEqual([true, 2]);
    const log = await q.stageLogFor(deps.db, shown);
    expect(log.some((l) => l.message === "Retry requested after no progress for 2m 0s")).toBe(true);

    const swept = await processingSilentFor(3);
    const result = await sweep({ db: deps.db, store: deps.store }, config());
    expect(result.redispatch.map((r) => r.sessionId)).toContain(swept);
  });
});

describe("the outcomes chart on /operations", () => {
  it("counts a run's ending once, not again for a later note on the ended session (retention's)", async () => {
    const before = (await operationsSnapshot(deps.db, config(), {})).charts.outcomes.at(-1)!;
    const id = await processingSilentFor(0);
    const { generation } = (await q.findSession(deps.db, id))!;
    expect(await q.applyRunUpdate(deps.db, id, generation, RUN_STATUSES, { status: "completed", progress: 100 })).toBe(true);
    await ops.logEntry(deps.db, id, "The audio was deleted 4s after processing ended (retention)");
    const after = (await operationsSnapshot(deps.db, config(), {})).charts.outcomes.at(-1)!;
    expect(after.completed - before.completed).toBe(1);
    expect(after.failureRate).toBe(after.completed + after.failed ? Math.round((1000 * after.failed) / (after.completed + after.failed)) / 10 : null);
  });
});
