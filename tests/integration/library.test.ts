/**
 * The library on PGlite and on PostgreSQL: full-text search over titles and transcripts with
 * highlighted snippets, status filter, sorts and keyset pages; rename, speaker names and
 * bulk delete, each only for the owner.
 */
import fsp from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as q from "@/db/queries";
import { sessions } from "@/db/schema";
import type { SessionStatus } from "@/lib/sessions/status";
import { HttpError } from "@/lib/http";
import { listLibrary, patchSessionBody, deleteSessions, toParts, updateSession, type LibraryEntry } from "@/lib/sessions/library";
import { toPrefixQuery } from "@/db/search";
import { createSession, receiveUpload, sessionDetail, type SessionDeps } from "@/lib/sessions/service";
import { LocalDiskStore } from "@/lib/storage/local";
import { freshDatabase, type DriverName } from "../support/databases";

describe("toPrefixQuery and toParts", () => {
  it("keeps only words, as prefixes, so no input is a syntax error", () => {
    expect(toPrefixQuery("weekly sync-notes")).toBe("'weekly':* & 'sync':* & 'notes':*");
    expect(toPrefixQuery("'&|!:*() <-> ")).toBeNull();
    expect(toPrefixQuery("Réunion d'équipe")).toBe("'réunion':* & 'd':* & 'équipe':*");
  });

  it("splits marked text into plain and matched parts", () => {
    expect(toParts("the \uE000Dashwood\uE001 estate")).toEqual([
      { text: "the ", hit: false },
      { text: "Dashwood", hit: true },
      { text: " estate", hit: false },
    ]);
    expect(toParts("no hits")).toEqual([{ text: "no hits", hit: false }]);
  });
});

describe.each<DriverName>(["pglite", "pg"])("the library on %s", (driver) => {
  const OWNER = "owner-library";
  const OTHER = "owner-library-other";
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let deps: SessionDeps;
  let tmp: string;
  const ids: Record<string, string> = {};

  async function seed(key: string, title: string, status: SessionStatus, transcript?: { text: string; speaker?: string }[], owner = OWNER) {
    const row = await createSession(deps, owner, { fileName: `${key}.mp3`, fileSize: 4, contentType: "audio/mpeg", title, deleteAfterAnalysis: false });
    await receiveUpload(deps, row.id, owner, Readable.from([Buffer.from("abcd")]));
    if (transcript) {
      await q.saveTranscript(deps.db, row.id, {
        provider: "local:moonshine-tiny",
        segments: transcript.map((t, i) => ({ start: i * 5, end: i * 5 + 5, text: t.text, ...(t.speaker ? { speaker: t.speaker } : {}) })),
      });
    }
    await deps.db.update(sessions).set({ status, error: status === "failed" ? "This file is not audio we can read." : null }).where(eq(sessions.id, row.id));
    ids[key] = row.id;
  }

  const search = (params: Record<string, string>, owner = OWNER) => listLibrary(deps, owner, new URLSearchParams(params));
  const titles = (list: LibraryEntry[]) => list.map((s) => s.title);

  beforeAll(async () => {
    db = await freshDatabase(driver);
    tmp = await fsp.mkdtemp(path.join(os.tmpdir(), "murmur-library-"));
    deps = { db: db.db, store: new LocalDiskStore(tmp), maxUploadBytes: 1024 };
    await seed("sense", "Chapter one", "completed", [
      { text: "The family of Dashwood had long been settled in Sussex." },
      { text: "Their estate was large, and their residence was at Norland Park." },
    ]);
    await seed("sync", "Weekly sync", "completed", [{ text: "We agreed to ship the new meetings page on Friday.", speaker: "A" }, { text: "I will write the notes.", speaker: "B" }]);
    await seed("lecture", "Biology lecture", "processing");
    await seed("broken", "Holiday video", "failed");
    await seed("memo", "Voice memo", "cancelled");
    await seed("theirs", "Weekly sync of someone else", "completed", [{ text: "Dashwood again, but not yours." }], OTHER);
  }, 120_000);

  afterAll(async () => {
    await db?.dispose();
    if (tmp) await fsp.rm(tmp, { recursive: true, force: true });
  });

  it("finds a session by a word only its transcript contains, with the word highlighted", async () => {
    const { sessions: found } = await search({ q: "dashwood" });
    expect(titles(found)).toEqual(["Chapter one"]);
    const parts = found[0]!.match!.transcript!;
    expect(parts.filter((p) => p.hit).map((p) => p.text)).toEqual(["Dashwood"]);
    expect(parts.map((p) => p.text).join("")).toContain("family of Dashwood had long been settled");
    expect(found[0]!.match!.title).toBeNull();
  });

  it("matches words as prefixes and by their English stem, in titles and transcripts, all words required", async () => {
    expect(titles((await search({ q: "week" })).sessions)).toEqual(["Weekly sync"]);
    expect((await search({ q: "week" })).sessions[0]!.match!.title).toEqual([{ text: "Weekly", hit: true }, { text: " sync", hit: false }]);
    // "meeting" finds "meetings" (stemmed), "settle" finds "settled".
    expect(titles((await search({ q: "meeting" })).sessions)).toEqual(["Weekly sync"]);
    expect(titles((await search({ q: "settle norland" })).sessions)).toEqual(["Chapter one"]);
    expect(titles((await search({ q: "dashwood friday" })).sessions)).toEqual([]);
    expect(titles((await search({ q: "zebra" })).sessions)).toEqual([]);
  });

  it("never shows another owner's sessions", async () => {
    expect(titles((await search({ q: "dashwood" }, OTHER)).sessions)).toEqual(["Weekly sync of someone else"]);
    expect(titles((await search({}, "nobody")).sessions)).toEqual([]);
  });

  it("filters by status, 'active' meaning not finished yet", async () => {
    expect(titles((await search({ status: "failed" })).sessions)).toEqual(["Holiday video"]);
    expect((await search({ status: "failed" })).sessions[0]!.error).toMatch(/not audio/);
    expect(titles((await search({ status: "active" })).sessions)).toEqual(["Biology lecture"]);
    expect(titles((await search({ status: "completed,cancelled", sort: "title" })).sessions)).toEqual(["Chapter one", "Voice memo", "Weekly sync"]);
    await expect(search({ status: "done" })).rejects.toThrow(/unknown status "done"/);
  });

  it("pages through every sort with cursors, each row once", async () => {
    const expected = {
      newest: ["Voice memo", "Holiday video", "Biology lecture", "Weekly sync", "Chapter one"],
      oldest: ["Chapter one", "Weekly sync", "Biology lecture", "Holiday video", "Voice memo"],
      title: ["Biology lecture", "Chapter one", "Holiday video", "Voice memo", "Weekly sync"],
    };
    for (const [sort, want] of Object.entries(expected)) {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page: { sessions: LibraryEntry[]; nextCursor: string | null } = await search({ sort, limit: "2", ...(cursor ? { cursor } : {}) });
        seen.push(...titles(page.sessions));
        cursor = page.nextCursor;
        pages++;
      } while (cursor && pages < 10);
      expect(seen, sort).toEqual(want);
      expect(pages).toBe(3);
    }
    await expect(search({ cursor: "not-a-cursor" })).rejects.toThrow(/cursor/);
  });

  it("renames: the new title is stored and searchable, the old one no longer", async () => {
    await updateSession(deps, ids.lecture!, OWNER, patchSessionBody.parse({ title: "  Cell   biology  " }));
    expect((await sessionDetail(deps, ids.lecture!, OWNER)).title).toBe("Cell biology");
    expect(titles((await search({ q: "cell" })).sessions)).toEqual(["Cell biology"]);
    expect(titles((await search({ q: "lecture" })).sessions)).toEqual([]);

    for (const bad of [{ title: "" }, { title: "   " }, { title: "a\u0000b" }, { title: "line\nbreak" }, { title: "x".repeat(201) }, { title: "\u202Eevil" }, {}, { colour: "red" }]) {
      expect(patchSessionBody.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
    const other = await updateSession(deps, ids.lecture!, OTHER, { title: "mine now" }).catch((e: unknown) => e);
    expect(other).toBeInstanceOf(HttpError);
    expect((other as HttpError).status).toBe(404);
  });

  it("names a speaker once: every segment and the list of speakers show the name", async () => {
    await updateSession(deps, ids.sync!, OWNER, { speakers: { A: "Maria" } });
    const s = await sessionDetail(deps, ids.sync!, OWNER);
    expect(s.transcript!.segments.map((g) => [g.speakerId, g.speaker])).toEqual([["A", "Maria"], ["B", "B"]]);
    expect(s.transcript!.speakers).toEqual([{ id: "A", name: "Maria" }, { id: "B", name: null }]);

    const unknown = await updateSession(deps, ids.sync!, OWNER, { speakers: { C: "Zoe" } }).catch((e: unknown) => e);
    expect((unknown as HttpError).status).toBe(400);
    expect((unknown as HttpError).message).toContain('"A", "B"');
    // An empty name gives the label back.
    await updateSession(deps, ids.sync!, OWNER, { speakers: { A: "" } });
    expect((await sessionDetail(deps, ids.sync!, OWNER)).transcript!.speakers[0]).toEqual({ id: "A", name: null });
  });

  it("deletes many at once: the caller's rows and files go, anything else is 'not found'", async () => {
    const mine = [ids.memo!, ids.broken!];
    const res = await deleteSessions(deps, [...mine, ids.theirs!, "not-a-uuid", ids.memo!], OWNER);
    expect(res.deleted.sort()).toEqual([...mine].sort());
    expect(res.notFound.sort()).toEqual([ids.theirs!, "not-a-uuid"].sort());
    for (const id of mine) {
      expect(await q.findSession(deps.db, id)).toBeUndefined();
      await expect(fsp.access(path.join(tmp, "sessions", id))).rejects.toThrow();
    }
    expect(await q.findSession(deps.db, ids.theirs!)).toBeDefined();
  });
});
