import { and, eq, isNotNull, sql } from "drizzle-orm";
import type { Database } from "./client";
import { sessions, transcriptSegments } from "./schema";

/** A new title; the search column follows by itself (it is generated from the title). */
export async function renameSession(db: Database, id: string, title: string): Promise<void> {
  await db.update(sessions).set({ title, updatedAt: sql`now()` }).where(eq(sessions.id, id));
}

export async function setSpeakerNames(db: Database, id: string, names: Record<string, string>): Promise<void> {
  await db.update(sessions).set({ speakerNames: names, updatedAt: sql`now()` }).where(eq(sessions.id, id));
}

/** The speaker labels the transcriber gave ("A", "B", …), in order of first appearance. */
export async function speakerLabels(db: Database, id: string): Promise<string[]> {
  const rows = await db
    .select({ speaker: transcriptSegments.speaker, first: sql<number>`min(${transcriptSegments.seq})` })
    .from(transcriptSegments)
    .where(and(eq(transcriptSegments.sessionId, id), isNotNull(transcriptSegments.speaker)))
    .groupBy(transcriptSegments.speaker)
    .orderBy(sql`min(${transcriptSegments.seq})`);
  return rows.map((r) => r.speaker!);
}
