import fsp from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type DatabaseHandle } from "@/db/client";
import * as q from "@/db/queries";
import { RUN_STATUSES } from "@/lib/sessions/status";
import { sessions, stageLog } from "@/db/schema";
import { HttpError } from "@/lib/http";
import {
  cancelSession,
  confirmBlobUpload,
  createSession,
  exportSession,
  listSessions,
  markStartFailed,
  receiveUpload,
  deleteSession,
  retrySession,
  sessionDetail,
  type SessionDeps,
} from "@/lib/sessions/service";
import { uploadInstructions } from "@/lib/sessions/upload-instructions";
import { LocalDiskStore } from "@/lib/storage/local";
import { blobKeys } from "@/lib/storage/types";

const OWNER = "owner-aaaa";
const OTHER = "owner-bbbb";
const MAX = 10 * 1024 * 1024;

let handle: DatabaseHandle;
let tmp: string;
let root: string;
let deps: SessionDeps;

beforeAll(async () => {
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), "murmur-sessions-"));
  root = path.join(tmp, "blobs");
  handle = await openDatabase({ driver: "pglite", pgliteDir: "memory://" });
  deps = { db: handle.db, store: new LocalDiskStore(root), maxUploadBytes: MAX };
});

afterAll(async () => {
  await handle?.close();
  if (tmp) await fsp.rm(tmp, { recursive: true, force: true });
});

async function httpError(p: Promise<unknown>): Promise<HttpError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof HttpError)) throw new Error(`expected an HttpError, got ${String(err)}`);
  return err;
}

const bytes = (n: number, fill = 1) => Buffer.alloc(n, fill);
const bodyOf = (...parts: Buffer[]) => Readable.from(parts);

/** A body that records whether anyone read from it. */
function watchedBody(buf: Buffer) {
  let read = false;
  const stream = new Readable({
    read() {
      read = true;
      this.push(buf);
      this.push(null);
    },
  });
  return { stream, wasRead: () => read };
}

async function sessionFiles(id: string): Promise<string[]> {
  const dir = path.join(root, "sessions", id);
  try {
    const entries = await fsp.readdir(dir, { recursive: true, withFileTypes: true });
    return entries.filter((e) => !e.isDirectory()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
  } catch {
    return [];
  }
}

const newSession = (over: Partial<Parameters<typeof createSession>[2]> = {}, owner = OWNER) =>
  createSession(deps, owner, {
    fileName: "team-sync_2024-05.m4a",
    fileSize: 1000,
    contentType: "audio/mp4",
    deleteAfterAnalysis: false,
    ...over,
  });

/** A session whose audio has been received (queued, generation 1). */
async function uploaded(size = 1000) {
  const row = await newSession({ fileSize: size });
  const res = await receiveUpload(deps, row.id, OWNER, bodyOf(bytes(size)));
  return res.row;
}

describe("createSession", () => {
  it("rejects an empty file with 400 empty_file", async () => {
    const err = await httpError(newSession({ fileSize: 0 }));
    expect([err.status, err.code]).toEqual([400, "empty_file"]);
  });

  it("rejects a file over the limit with 413 and says the limit", async () => {
    const err = await httpError(newSession({ fileSize: MAX + 1 }));
    expect([err.status, err.code]).toEqual([413, "too_large"]);
    expect(err.message).toContain("10 MB");
    await expect(newSession({ fileSize: MAX })).resolves.toMatchObject({ fileSize: MAX });
  });

  it("rejects text/plain with 415, naming the file", async () => {
    const err = await httpError(newSession({ fileName: "notes.txt", contentType: "text/plain" }));
    expect([err.status, err.code]).toEqual([415, "unsupported_type"]);
    expect(err.message).toContain("notes.txt");
    // An audio extension does not excuse a declared non-media type.
    expect((await httpError(newSession({ fileName: "a.m4a", contentType: "text/plain" }))).status).toBe(415);
  });

  it("rejects a generic type when the extension is not a recording", async () => {
    expect((await httpError(newSession({ fileName: "setup.exe", contentType: "application/octet-stream" }))).status).toBe(415);
    expect((await httpError(newSession({ fileName: "noext", contentType: "" }))).status).toBe(415);
  });

  // What is stored is a listed audio/video type without parameters, or opaque bytes (served, never rendered).
  it.each([
    ["memo.webm", "audio/webm;codecs=opus", "audio/webm"],
    ["screen.mov", "video/quicktime", "video/quicktime"],
    ["call.m4a", "application/octet-stream", "application/octet-stream"],
    ["CALL.M4A", "", "application/octet-stream"],
    ["voice.opus", "binary/octet-stream", "application/octet-stream"],
    ["odd.mp3", "audio/x-something-new", "application/octet-stream"],
  ])("accepts %s as %j, stored as %j", async (fileName, contentType, stored) => {
    const row = await newSession({ fileName, contentType });
    expect(row.status).toBe("awaiting_upload");
    expect(row.ownerId).toBe(OWNER);
    expect(row.generation).toBe(0);
    expect(row.contentType).toBe(stored);
  });

  it("derives a title from the file name unless one is given", async () => {
    expect((await newSession()).title).toBe("team sync 2024 05");
    expect((await newSession({ title: "Weekly" })).title).toBe("Weekly");
  });
});

describe("receiveUpload", () => {
  it("stores the bytes under the session and queues generation 1", async () => {
    const row = await newSession({ fileSize: 3000 });
    const res = await receiveUpload(deps, row.id, OWNER, bodyOf(bytes(1000, 1), bytes(2000, 2)));
    expect(res.changed).toBe(true);
    expect(res.row.status).toBe("queued");
    expect(res.row.generation).toBe(1);
    const key = blobKeys.audio(row.id, row.fileName);
    expect(res.row.audioKey).toBe(key);
    const file = path.join(root, ...key.split("/"));
    expect(await fsp.readFile(file)).toEqual(Buffer.concat([bytes(1000, 1), bytes(2000, 2)]));
    expect(await sessionFiles(row.id)).toEqual([path.join("audio", "team-sync_2024-05.m4a")]);
  });

  it("a second call answers changed=false and does not read the body or touch the file", async () => {
    const row = await uploaded(1000);
    const file = path.join(root, ...row.audioKey!.split("/"));
    const before = await fsp.stat(file);
    const again = watchedBody(bytes(1000, 9));
    const res = await receiveUpload(deps, row.id, OWNER, again.stream);
    expect(res.changed).toBe(false);
    expect(res.row.status).toBe("queued");
    expect(res.row.generation).toBe(1);
    expect(again.wasRead()).toBe(false);
    const after = await fsp.stat(file);
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
    expect(await fsp.readFile(file)).toEqual(bytes(1000, 1));
  });

  it("a body longer than announced is cut off with 413, leaves nothing and can be uploaded again", async () => {
    const row = await newSession({ fileSize: 1000 });
    const err = await httpError(receiveUpload(deps, row.id, OWNER, bodyOf(bytes(600), bytes(600))));
    expect([err.status, err.code]).toEqual([413, "too_large"]);
    expect(await sessionFiles(row.id)).toEqual([]);
    const still = await q.findSession(deps.db, row.id);
    expect(still?.status).toBe("awaiting_upload");
    expect(still?.audioKey).toBeNull();
    expect(still?.generation).toBe(0);

    const res = await receiveUpload(deps, row.id, OWNER, bodyOf(bytes(1000)));
    expect([res.changed, res.row.status, res.row.generation]).toEqual([true, "queued", 1]);
  });

  it("a body shorter than announced is 400 upload_incomplete, leaves nothing and can be uploaded again", async () => {
    const row = await newSession({ fileSize: 1000 });
    const err = await httpError(receiveUpload(deps, row.id, OWNER, bodyOf(bytes(400))));
    expect([err.status, err.code]).toEqual([400, "upload_incomplete"]);
    expect(err.message).toContain("400 of 1000");
    expect(await sessionFiles(row.id)).toEqual([]);
    expect((await q.findSession(deps.db, row.id))?.status).toBe("awaiting_upload");

    const res = await receiveUpload(deps, row.id, OWNER, bodyOf(bytes(1000)));
    expect(res.row.status).toBe("queued");
  });

  it("an empty body or none at all is 400 empty_file", async () => {
    const row = await newSession({ fileSize: 1000 });
    expect((await httpError(receiveUpload(deps, row.id, OWNER, null))).code).toBe("empty_file");
    expect((await httpError(receiveUpload(deps, row.id, OWNER, bodyOf()))).code).toBe("empty_file");
    expect(await sessionFiles(row.id)).toEqual([]);
    expect((await q.findSession(deps.db, row.id))?.status).toBe("awaiting_upload");
  });

  it("a body that breaks midway is 400 upload_interrupted and leaves nothing", async () => {
    const row = await newSession({ fileSize: 1000 });
    const broken = Readable.from(
      (function* () {
        yield bytes(300);
        throw new Error("socket hang up");
      })(),
    );
    const err = await httpError(receiveUpload(deps, row.id, OWNER, broken));
    expect([err.status, err.code]).toEqual([400, "upload_interrupted"]);
    expect(await sessionFiles(row.id)).toEqual([]);
    expect((await q.findSession(deps.db, row.id))?.status).toBe("awaiting_upload");
  });

  it("someone else's session and an unknown id are 404, and nothing is written", async () => {
    const row = await newSession({ fileSize: 1000 });
    const theirs = watchedBody(bytes(1000));
    const err = await httpError(receiveUpload(deps, row.id, OTHER, theirs.stream));
    expect([err.status, err.code]).toEqual([404, "not_found"]);
    expect(theirs.wasRead()).toBe(false);
    expect(await sessionFiles(row.id)).toEqual([]);
    expect((await q.findSession(deps.db, row.id))?.status).toBe("awaiting_upload");

    expect((await httpError(receiveUpload(deps, "00000000-0000-4000-8000-000000000000", OWNER, bodyOf(bytes(1))))).status).toBe(404);
  });

  it("a cancelled session refuses the upload with 409", async () => {
    const row = await newSession({ fileSize: 10 });
    await cancelSession(deps, row.id, OWNER);
    const err = await httpError(receiveUpload(deps, row.id, OWNER, bodyOf(bytes(10))));
    expect([err.status, err.code]).toEqual([409, "cancelled"]);
    expect(await sessionFiles(row.id)).toEqual([]);
  });
});

describe("confirmBlobUpload", () => {
  it("is 409 not_uploaded until the audio is in the store, then queues once", async () => {
    const row = await newSession({ fileSize: 5 });
    expect((await httpError(confirmBlobUpload(deps, row.id, OWNER))).code).toBe("not_uploaded");
    await deps.store.write(blobKeys.audio(row.id, row.fileName), bodyOf(bytes(5)), { contentType: "audio/mp4" });
    const first = await confirmBlobUpload(deps, row.id, OWNER);
    expect([first.changed, first.row.status, first.row.generation]).toEqual([true, "queued", 1]);
    const second = await confirmBlobUpload(deps, row.id, OWNER);
    expect([second.changed, second.row.generation]).toEqual([false, 1]);
    expect((await httpError(confirmBlobUpload(deps, row.id, OTHER))).status).toBe(404);
  });

  it("refuses a blob smaller than announced (the upload stopped early) and leaves the session waiting", async () => {
    const row = await newSession({ fileSize: 8 });
    await deps.store.write(blobKeys.audio(row.id, row.fileName), bodyOf(bytes(5)), { contentType: "audio/mp4" });
    const err = await httpError(confirmBlobUpload(deps, row.id, OWNER));
    expect([err.status, err.code]).toEqual([400, "upload_incomplete"]);
    expect((await q.findSession(deps.db, row.id))?.status).toBe("awaiting_upload");
  });
});

describe("retrySession and cancel", () => {
  it("restarts a session stuck without progress for 15 minutes, fencing off the lost run", async () => {
    const fresh = await uploaded();
    expect((await retrySession(deps, fresh.id, OWNER)).changed).toBe(false);

    const stuck = await uploaded();
    await q.applyRunUpdate(deps.db, stuck.id, 1, RUN_STATUSES, { status: "processing", stage: "transcribing", progress: 40 });
    await handle.db.update(sessions).set({ updatedAt: new Date(Date.now() - 16 * 60_000) }).where(eq(sessions.id, stuck.id));
    const res = await retrySession(deps, stuck.id, OWNER);
    expect([res.changed, res.row.status, res.row.generation, res.row.progress]).toEqual([true, "queued", 2, 0]);
    // The lost run, should it wake up, can no longer write.
    expect(await q.applyRunUpdate(deps.db, stuck.id, 1, RUN_STATUSES, { status: "processing", progress: 90 })).toBe(false);
    // Pressing Retry again right away starts nothing more.
    expect((await retrySession(deps, stuck.id, OWNER)).changed).toBe(false);
  });

  it("a failed session with its audio is queued again as generation 2", async () => {
    const row = await uploaded();
    await markStartFailed(deps, row, new Error("ECONNREFUSED"));
    const failed = await q.findSession(deps.db, row.id);
    expect(failed?.status).toBe("failed");
    expect(failed?.error).toMatch(/Retry/);

    const res = await retrySession(deps, row.id, OWNER);
    expect([res.changed, res.row.status, res.row.generation, res.row.error]).toEqual([true, "queued", 2, null]);
    expect(res.row.audioKey).toBe(row.audioKey);
    // Pressing Retry twice starts one run.
    const again = await retrySession(deps, row.id, OWNER);
    expect([again.changed, again.row.generation]).toEqual([false, 2]);
  });

  it("cancel then retry gives generation 2", async () => {
    const row = await uploaded();
    const cancelled = await cancelSession(deps, row.id, OWNER);
    expect(cancelled.status).toBe("cancelled");
    expect(cancelled.finishedAt).toBeInstanceOf(Date);
    // Cancelling again is harmless.
    expect((await cancelSession(deps, row.id, OWNER)).status).toBe("cancelled");

    const res = await retrySession(deps, row.id, OWNER);
    expect([res.changed, res.row.status, res.row.generation]).toEqual([true, "queued", 2]);
    expect(res.row.finishedAt).toBeNull();
  });

  it("refuses to retry a session that is awaiting upload or completed", async () => {
    const waiting = await newSession();
    const e1 = await httpError(retrySession(deps, waiting.id, OWNER));
    expect([e1.status, e1.code]).toEqual([409, "not_retryable"]);
    expect(e1.message).toContain("awaiting upload");

    const done = await uploaded();
    expect(await q.applyRunUpdate(deps.db, done.id, done.generation, RUN_STATUSES, { status: "completed", progress: 100 })).toBe(true);
    const e2 = await httpError(retrySession(deps, done.id, OWNER));
    expect([e2.status, e2.code]).toEqual([409, "not_retryable"]);
    const e3 = await httpError(cancelSession(deps, done.id, OWNER));
    expect([e3.status, e3.code]).toEqual([409, "already_finished"]);
    expect((await q.findSession(deps.db, done.id))?.status).toBe("completed");
  });

  it("a queued session is not retried again (changed=false)", async () => {
    const row = await uploaded();
    const res = await retrySession(deps, row.id, OWNER);
    expect([res.changed, res.row.generation]).toEqual([false, 1]);
  });

  it("refuses with 409 audio_deleted when the audio is gone", async () => {
    const row = await uploaded();
    await cancelSession(deps, row.id, OWNER);
    await q.markAudioDeleted(deps.db, row.id);
    const err = await httpError(retrySession(deps, row.id, OWNER));
    expect([err.status, err.code]).toEqual([409, "audio_deleted"]);
    expect((await q.findSession(deps.db, row.id))?.status).toBe("cancelled");

    // Cancelled before any upload: nothing to process, and the message says why.
    const never = await newSession();
    await cancelSession(deps, never.id, OWNER);
    const notUploaded = await httpError(retrySession(deps, never.id, OWNER));
    expect([notUploaded.status, notUploaded.code]).toEqual([409, "not_uploaded"]);
  });

  it("another owner can neither retry nor cancel", async () => {
    const row = await uploaded();
    expect((await httpError(retrySession(deps, row.id, OTHER))).status).toBe(404);
    expect((await httpError(cancelSession(deps, row.id, OTHER))).status).toBe(404);
    expect((await q.findSession(deps.db, row.id))?.status).toBe("queued");
  });
});

describe("remove", () => {
  it("deletes the session's files and rows, and only those", async () => {
    const keep = await uploaded();
    const row = await uploaded();
    await deps.store.write(blobKeys.chunk(row.id, 0), bodyOf(bytes(10)), { contentType: "audio/ogg" });
    await q.saveTranscript(deps.db, row.id, { provider: "test", segments: [{ start: 0, end: 1, text: "hi" }] });
    expect((await sessionFiles(row.id)).length).toBe(2);

    expect((await httpError(deleteSession(deps, row.id, OTHER))).status).toBe(404);
    expect((await sessionFiles(row.id)).length).toBe(2);

    expect(await deleteSession(deps, row.id, OWNER)).toEqual({ wasActive: true });
    expect(await sessionFiles(row.id)).toEqual([]);
    expect(await q.findSession(deps.db, row.id)).toBeUndefined();
    expect(await deps.db.select().from(stageLog).where(eq(stageLog.sessionId, row.id))).toEqual([]);
    expect(await q.findTranscript(deps.db, row.id)).toBeUndefined();
    expect((await httpError(sessionDetail(deps, row.id, OWNER))).status).toBe(404);

    expect(await sessionFiles(keep.id)).toHaveLength(1);
    expect((await q.findSession(deps.db, keep.id))?.status).toBe("queued");
  });

  it("reports an ended session as not active", async () => {
    const row = await newSession();
    await cancelSession(deps, row.id, OWNER);
    expect(await deleteSession(deps, row.id, OWNER)).toEqual({ wasActive: false });
  });
});

describe("sessionDetail and listSessions", () => {
  it("maps a session through its life to the public shape", async () => {
    const created = await newSession({ fileSize: 8, language: "pt-BR", deleteAfterAnalysis: true });
    const v0 = await sessionDetail(deps, created.id, OWNER);
    expect(v0).toMatchObject({
      id: created.id,
      title: "team sync 2024 05",
      fileName: "team-sync_2024-05.m4a",
      fileSize: 8,
      status: "awaiting_upload",
      stage: null,
      progress: 0,
      error: null,
      language: "pt-BR",
      deleteAfterAnalysis: true,
      audioAvailable: false,
      chunks: { total: 0, done: 0 },
      transcript: null,
      analysis: null,
      startedAt: null,
      finishedAt: null,
    });
    expect(v0.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(v0.timeline?.map((t) => [t.status, t.message])).toEqual([["awaiting_upload", "Session created"]]);

    const { row } = await receiveUpload(deps, created.id, OWNER, bodyOf(bytes(8)));
    expect(
      await q.applyRunUpdate(deps.db, row.id, row.generation, RUN_STATUSES, {
        status: "processing",
        stage: "transcribing",
        progress: 42.6,
        chunksTotal: 3,
        message: "Transcribing",
      }),
    ).toBe(true);
    const v1 = await sessionDetail(deps, row.id, OWNER);
    expect(v1).toMatchObject({ status: "processing", stage: "transcribing", progress: 43, audioAvailable: true, transcript: null });
    expect(v1.chunks).toEqual({ total: 3, done: 0 });
    expect(v1.startedAt).not.toBeNull();
    expect(v1.timeline?.map((t) => [t.status, t.stage, t.progress, t.message])).toEqual([
      ["awaiting_upload", null, 0, "Session created"],
      ["queued", null, 0, "Upload received"],
      ["processing", "transcribing", 43, "Transcribing"],
    ]);
    for (const t of v1.timeline ?? []) expect(Number.isNaN(Date.parse(t.at))).toBe(false);

    await q.saveTranscript(deps.db, row.id, {
      provider: "local:test",
      language: "pt",
      segments: [
        { start: 0, end: 1.5, text: "Olá a todos", speaker: "A" },
        { start: 1.5, end: 3, text: "bom dia" },
      ],
    });
    const v2 = await sessionDetail(deps, row.id, OWNER);
    expect(v2.transcript).toEqual({
      text: "Olá a todos bom dia",
      provider: "local:test",
      language: "pt",
      segments: [
        { start: 0, end: 1.5, text: "Olá a todos", speaker: "A", speakerId: "A" },
        { start: 1.5, end: 3, text: "bom dia" },
      ],
      speakers: [{ id: "A", name: null }],
      untranscribed: [],
    });
    // A segment without a speaker has no speaker key at all (not null).
    expect(v2.transcript?.segments[1]).not.toHaveProperty("speaker");

    expect((await httpError(sessionDetail(deps, row.id, OTHER))).status).toBe(404);
  });

  it("lists only the caller's sessions, newest first, without timelines", async () => {
    const a = await newSession({ title: "first" }, "lister");
    const b = await newSession({ title: "second" }, "lister");
    await newSession({ title: "not mine" }, "someone-else");
    const list = await listSessions(deps, "lister");
    expect(list.map((s) => s.id)).toEqual([b.id, a.id]);
    expect(list[0]).not.toHaveProperty("timeline");
    expect(await listSessions(deps, "nobody")).toEqual([]);
  });
});

describe("uploadInstructions for a stored session", () => {
  it("local storage: PUT to the session's audio route with its declared size as the limit", async () => {
    const row = await newSession({ fileSize: 1234, contentType: "" });
    const ins = uploadInstructions({ storageDriver: "local", MAX_UPLOAD_BYTES: MAX }, row);
    expect(ins).toEqual({
      method: "PUT",
      url: `/api/sessions/${row.id}/audio`,
      headers: { "content-type": "application/octet-stream" },
      maxBytes: 1234,
      resumable: { protocol: "tus", endpoint: "/api/uploads/tus" },
    });
  });
});

describe("exportSession", () => {
  it("serves the transcript as caption-sized SRT, VTT, paragraphs, Markdown and JSON; another owner gets 404", async () => {
    const row = await uploaded();
    expect((await httpError(exportSession(deps, row.id, OWNER, "srt"))).status).toBe(409);
    const text =
      "And Mr. John Dashwood had then leisure to consider how much there might be prudently in his power to do for them. " +
      "He was not an ill-disposed young man, unless to be rather cold-hearted and rather selfish is to be ill-disposed.";
    await q.saveTranscript(deps.db, row.id, { provider: "test", segments: [{ start: 0.2, end: 14.5, text }] });

    expect((await httpError(exportSession(deps, row.id, OTHER, "srt"))).status).toBe(404);

    const srt = await exportSession(deps, row.id, OWNER, "srt");
    expect(srt.contentType).toBe("application/x-subrip; charset=utf-8");
    expect(srt.contentDisposition).toMatch(/^attachment; filename="[A-Za-z0-9._-]+\.srt"; filename\*=UTF-8''/);
    const cues = srt.body.trim().split("\n\n");
    expect(cues.length).toBeGreaterThanOrEqual(3);
    for (const c of cues) {
      const [, times, ...lines] = c.split("\n");
      expect(times).toMatch(/^\d\d:\d\d:\d\d,\d{3} --> \d\d:\d\d:\d\d,\d{3}$/);
      expect(lines.length).toBeLessThanOrEqual(2);
      for (const l of lines) expect(l.length).toBeLessThanOrEqual(42);
    }
    const vtt = await exportSession(deps, row.id, OWNER, "vtt");
    expect(vtt.body.startsWith("WEBVTT\n\n")).toBe(true);
    expect(vtt.contentType).toBe("text/vtt; charset=utf-8");
    expect((await exportSession(deps, row.id, OWNER, "txt")).body).toBe(`${text}\n`);
    expect((await exportSession(deps, row.id, OWNER, "md")).body).toContain(`**[0:00]** ${text}`);
    const json = JSON.parse((await exportSession(deps, row.id, OWNER, "json")).body) as { transcript: { segments: unknown[] } };
    expect(json.transcript.segments).toHaveLength(1);
  });
});
