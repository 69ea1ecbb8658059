import { NextResponse } from "next/server";
import { sql } from "drizzle-orm";
import { getDb } from "@/db/client";
import { config } from "@/lib/config";
import { handle } from "@/lib/http";

export const dynamic = "force-dynamic";

export const GET = handle(async () => {
  const c = config();
  const db = await getDb();
  await db.execute(sql`select 1`);
  return NextResponse.json({
    ok: true,
    database: c.databaseDriver,
    storage: c.storageDriver,
    transcription: c.TRANSCRIPTION_PROVIDER,
    analysis: c.ANALYSIS_PROVIDER,
  });
});
