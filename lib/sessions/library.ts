import { z } from "zod";
import * as lib from "@/db/library";
import { OPEN_STATUSES, SESSION_STATUSES, type SessionStatus } from "./status";
import { HIT_END, HIT_START, searchLibrary, type LibraryCursor } from "@/db/search";
import { HttpError, idParam } from "@/lib/http";
import { deleteSession, requireOwned, type SessionDeps } from "./service";
import { toSessionView, type SessionView } from "./view";

/**
 * Living with many recordings: find them (search, filter, sort, pages), rename them,
 * name their speakers, delete many at once.
 */

/** A piece of highlighted text: matched words have `hit: true`. Plain data, so no page ever renders markup from the server. */
export interface TextPart {
  text: string;
  hit: boolean;
}

export interface LibraryEntry extends SessionView {
  /** Only when searching: where the words were found. */
  match?: { title: TextPart[] | null; transcript: TextPart[] | null };
}

/** "active" is shorthand for everything not finished yet. */
const STATUS_FILTERS = ["active", ...SESSION_STATUSES] as const;
const ACTIVE_FILTER: readonly SessionStatus[] = OPEN_STATUSES;

export const libraryParams = z.object({
  q: z.string().trim().max(200, "must be at most 200 characters").optional(),
  status: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (!v) return undefined;
      const parts = v.split(",").map((s) => s.trim()).filter(Boolean);
      const bad = parts.find((p) => !(STATUS_FILTERS as readonly string[]).includes(p));
      if (bad) {
        ctx.addIssue({ code: "custom", message: `unknown status "${bad}"; use ${STATUS_FILTERS.join(", ")}` });
        return z.NEVER;
      }
      return [...new Set(parts.flatMap((p) => (p === "active" ? ACTIVE_FILTER : [p as SessionStatus])))];
    }),
  sort: z.enum(["newest", "oldest", "title"]).default("newest"),
  cursor: z.string().max(400).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});

export function encodeCursor(c: LibraryCursor): string {
  return Buffer.from(JSON.stringify([c.key, c.id])).toString("base64url");
}

export function decodeCursor(s: string): LibraryCursor {
  try {
    const [key, id] = JSON.parse(Buffer.from(s, "base64url").toString("utf8")) as unknown[];
    if (typeof key === "string" && typeof id === "string") return { key, id };
  } catch {
    // fall through
  }
  throw new HttpError(400, "invalid_request", "cursor: not a cursor this API gave out; start from the first page.");
}

/** Splits ts_headline's output at the hit markers into parts. */
export function toParts(marked: string): TextPart[] {
  const parts: TextPart[] = [];
  for (const piece of marked.split(HIT_START)) {
    const end = piece.indexOf(HIT_END);
    if (end >= 0) {
      if (end > 0) parts.push({ text: piece.slice(0, end), hit: true });
      if (end + 1 < piece.length) parts.push({ text: piece.slice(end + 1), hit: false });
    } else if (piece) {
      parts.push({ text: piece, hit: false });
    }
  }
  return parts;
}

export async function listLibrary(
  deps: Pick<SessionDeps, "db">,
  ownerId: string,
  params: URLSearchParams,
): Promise<{ sessions: LibraryEntry[]; nextCursor: string | null }> {
  const parsed = libraryParams.safeParse(Object.fromEntries(params));
  if (!parsed.success) {
    throw new HttpError(400, "invalid_request", parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "));
  }
  const p = parsed.data;
  const { hits, next } = await searchLibrary(deps.db, {
    ownerId,
    text: p.q || undefined,
    statuses: p.status,
    sort: p.sort,
    cursor: p.cursor ? decodeCursor(p.cursor) : undefined,
    limit: p.limit,
  });
  return {
    sessions: hits.map((h) => ({
      ...toSessionView(h.row),
      ...(p.q
        ? { match: { title: h.titleHighlight ? toParts(h.titleHighlight) : null, transcript: h.snippet ? toParts(h.snippet) : null } }
        : {}),
    })),
    nextCursor: next ? encodeCursor(next) : null,
  };
}

// ── rename and speaker names ────────────────────────────────────────────────

/** Control characters (and text-direction overrides, which disguise names) have no place in a title. */
const UNPRINTABLE = /[\p{Cc}\u202A-\u202E\u2066-\u2069]/u;

const printable = (max: number) =>
  z
    .string()
    .refine((s) => !UNPRINTABLE.test(s), "must not contain control characters")
    .transform((s) => s.trim().replace(/\s+/g, " "))
    .pipe(z.string().max(max, `must be at most ${max} characters`));

export const patchSessionBody = z
  .object({
    title: printable(200).pipe(z.string().min(1, "must not be empty")).optional(),
    /** Speaker label as the transcript has it → the name to show; "" gives the label back. */
    speakers: z
      .record(z.string().min(1).max(40), printable(60))
      .refine((r) => Object.keys(r).length > 0 && Object.keys(r).length <= 50, "must name between 1 and 50 speakers")
      .optional(),
  })
  .strict()
  .refine((b) => b.title !== undefined || b.speakers !== undefined, "give a title or speakers to change");
export type PatchSessionBody = z.infer<typeof patchSessionBody>;

export async function updateSession(deps: Pick<SessionDeps, "db">, id: string, ownerId: string, body: PatchSessionBody) {
  const row = await requireOwned(deps, id, ownerId);
  if (body.title !== undefined) await lib.renameSession(deps.db, id, body.title);
  if (body.speakers) {
    const labels = new Set(await lib.speakerLabels(deps.db, id));
    const unknown = Object.keys(body.speakers).filter((k) => !labels.has(k));
    if (unknown.length) {
      throw new HttpError(
        400,
        "unknown_speaker",
        labels.size
          ? `This transcript has no speaker ${unknown.map((u) => `"${u}"`).join(", ")}; its speakers are ${[...labels].map((l) => `"${l}"`).join(", ")}.`
          : "This transcript has no speaker labels to name.",
      );
    }
    const names = { ...row.speakerNames };
    for (const [label, name] of Object.entries(body.speakers)) {
      if (name && name !== label) names[label] = name;
      else delete names[label];
    }
    await lib.setSpeakerNames(deps.db, id, names);
  }
}

// ── delete many ─────────────────────────────────────────────────────────────

export const bulkDeleteBody = z.object({
  ids: z.array(z.string()).min(1, "must list at least one session").max(100, "at most 100 at a time"),
});

/**
 * Deletes each session the caller owns. Another owner's id, a malformed one and a missing one
 * are all reported as not found, never distinguished.
 */
export async function deleteSessions(deps: SessionDeps, ids: string[], ownerId: string) {
  const deleted: string[] = [];
  const notFoundIds: string[] = [];
  const stopped: string[] = [];
  for (const id of new Set(ids)) {
    if (!idParam.safeParse(id).success) {
      notFoundIds.push(id);
      continue;
    }
    try {
      const { wasActive } = await deleteSession(deps, id, ownerId);
      deleted.push(id);
      if (wasActive) stopped.push(id);
    } catch (err) {
      if (err instanceof HttpError && err.status === 404) notFoundIds.push(id);
      else throw err;
    }
  }
  return { deleted, notFound: notFoundIds, stopped };
}
