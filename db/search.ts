import { and, asc, desc, eq, inArray, sql, type SQL } from "drizzle-orm";
import type { Database } from "./client";
import type { SessionStatus } from "@/lib/sessions/status";
import { sessions, transcripts, type SessionRow } from "./schema";

/**
 * The library query: one owner's sessions, optionally matching words in the title or the
 * transcript (PostgreSQL full-text search over the generated tsvector columns of migration
 * 0002, GIN-indexed), filtered by status, sorted, one keyset page at a time.
 */
export type LibrarySort = "newest" | "oldest" | "title";

export interface LibraryQuery {
  ownerId: string;
  /** Words as a person types them; each must match (as a word prefix, stemmed in English). */
  text?: string;
  statuses?: readonly SessionStatus[];
  sort: LibrarySort;
  /** From the previous page's `nextCursor`. */
  cursor?: LibraryCursor;
  limit: number;
}

/** The sort key of the last row shown (its text form, so timestamps keep their microseconds) and its id. */
export interface LibraryCursor {
  key: string;
  id: string;
}

/** Marks around matched words in snippets: private-use characters, which no transcript contains. */
export const HIT_START = "\uE000";
export const HIT_END = "\uE001";

export interface LibraryHit {
  row: SessionRow;
  /** The title with matched words marked, when the search matched it. */
  titleHighlight: string | null;
  /** A few words of the transcript around the matches, when the search matched it. */
  snippet: string | null;
  cursor: LibraryCursor;
}

/**
 * "weekly sync-notes" → `'weekly':* & 'sync':* & 'notes':*`. Only letters and digits reach
 * to_tsquery, so no input can be a syntax error; null when nothing searchable is left.
 */
export function toPrefixQuery(text: string): string | null {
  const words = (text.normalize("NFKC").match(/[\p{L}\p{N}]+/gu) ?? []).slice(0, 12);
  return words.length ? words.map((w) => `'${w.toLowerCase()}':*`).join(" & ") : null;
}

const titleTsv = sql`"sessions"."title_tsv"`;
const textTsv = sql`"transcripts"."text_tsv"`;

function sortOf(sort: LibrarySort): { keyText: SQL<string>; order: SQL[]; after: (c: LibraryCursor) => SQL } {
  switch (sort) {
    case "oldest":
      return {
        keyText: sql<string>`${sessions.createdAt}::text`,
        order: [asc(sessions.createdAt), asc(sessions.id)],
        after: (c) => sql`(${sessions.createdAt}, ${sessions.id}) > (${c.key}::timestamptz, ${c.id})`,
      };
    case "title":
      return {
        keyText: sql<string>`${sessions.title}`,
        order: [asc(sessions.title), asc(sessions.id)],
        after: (c) => sql`(${sessions.title}, ${sessions.id}) > (${c.key}, ${c.id})`,
      };
    default:
      return {
        keyText: sql<string>`${sessions.createdAt}::text`,
        order: [desc(sessions.createdAt), desc(sessions.id)],
        after: (c) => sql`(${sessions.createdAt}, ${sessions.id}) < (${c.key}::timestamptz, ${c.id})`,
      };
  }
}

export async function searchLibrary(db: Database, q: LibraryQuery): Promise<{ hits: LibraryHit[]; next: LibraryCursor | null }> {
  const tsquery = q.text ? toPrefixQuery(q.text) : null;
  const query = tsquery ? sql`to_tsquery('english'::regconfig, ${tsquery})` : null;
  const sort = sortOf(q.sort);
  const options = `StartSel=${HIT_START}, StopSel=${HIT_END}, HighlightAll=true`;
  const snippetOptions = `StartSel=${HIT_START}, StopSel=${HIT_END}, MaxWords=24, MinWords=10, MaxFragments=2, FragmentDelimiter=" … "`;

  const rows = await db
    .select({
      row: sessions,
      cursorKey: sort.keyText.mapWith(String),
      titleHighlight: query
        ? sql<string | null>`case when ${titleTsv} @@ ${query} then ts_headline('english'::regconfig, ${sessions.title}, ${query}, ${options}) end`
        : sql<null>`null`,
      snippet: query
        ? sql<string | null>`case when ${textTsv} @@ ${query} then ts_headline('english'::regconfig, ${transcripts.text}, ${query}, ${snippetOptions}) end`
        : sql<null>`null`,
    })
    .from(sessions)
    .leftJoin(transcripts, eq(transcripts.sessionId, sessions.id))
    .where(
      and(
        eq(sessions.ownerId, q.ownerId),
        q.statuses?.length ? inArray(sessions.status, [...q.statuses]) : undefined,
        query ? sql`(${titleTsv} @@ ${query} or ${textTsv} @@ ${query})` : undefined,
        q.cursor ? sort.after(q.cursor) : undefined,
      ),
    )
    .orderBy(...sort.order)
    .limit(q.limit + 1);

  const page = rows.slice(0, q.limit);
  const hits = page.map((r) => ({
    row: r.row,
    titleHighlight: r.titleHighlight ?? null,
    snippet: r.snippet ?? null,
    cursor: { key: r.cursorKey, id: r.row.id },
  }));
  return { hits, next: rows.length > q.limit && hits.length ? hits[hits.length - 1]!.cursor : null };
}
