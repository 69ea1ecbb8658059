CREATE TABLE "metric_totals" (
	"name" text NOT NULL,
	"label" text DEFAULT '' NOT NULL,
	"value" double precision DEFAULT 0 NOT NULL,
	CONSTRAINT "metric_totals_name_label_pk" PRIMARY KEY("name","label")
);
--> statement-breakpoint
-- The totals start from what the old row-counting metrics reported, so an upgrade shows no drop.
-- Endings are status changes in the stage log (a note such as the retention's on a completed
-- session repeats its status and is not another ending).
INSERT INTO "metric_totals" ("name", "label", "value")
SELECT 'sessions_total', "status", count(*) FROM (
  SELECT "status", lag("status") OVER (PARTITION BY "session_id" ORDER BY "id") AS "prev" FROM "stage_log"
) "l"
WHERE "status" IN ('completed', 'failed', 'cancelled') AND "prev" IS DISTINCT FROM "status"
GROUP BY "status";
--> statement-breakpoint
INSERT INTO "metric_totals" ("name", "label", "value")
SELECT 'audio_seconds_total', '', coalesce(sum("duration_sec"), 0) FROM "sessions" WHERE "status" = 'completed';
--> statement-breakpoint
INSERT INTO "metric_totals" ("name", "label", "value")
SELECT 'step_retries_total', '', count(*) FROM "stage_log"
WHERE "status" = 'processing' AND "error" IS NOT NULL AND "message" LIKE '%will retry%';
--> statement-breakpoint
CREATE FUNCTION "murmur_count_session_ending"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "metric_totals" ("name", "label", "value") VALUES ('sessions_total', NEW."status", 1)
    ON CONFLICT ("name", "label") DO UPDATE SET "value" = "metric_totals"."value" + 1;
  IF NEW."status" = 'completed' AND NEW."duration_sec" IS NOT NULL THEN
    INSERT INTO "metric_totals" ("name", "label", "value") VALUES ('audio_seconds_total', '', NEW."duration_sec")
      ON CONFLICT ("name", "label") DO UPDATE SET "value" = "metric_totals"."value" + EXCLUDED."value";
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "sessions_count_ending" AFTER UPDATE OF "status" ON "sessions" FOR EACH ROW
  WHEN (NEW."status" IN ('completed', 'failed', 'cancelled') AND OLD."status" IS DISTINCT FROM NEW."status")
  EXECUTE FUNCTION "murmur_count_session_ending"();
--> statement-breakpoint
CREATE FUNCTION "murmur_count_step_retry"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "metric_totals" ("name", "label", "value") VALUES ('step_retries_total', '', 1)
    ON CONFLICT ("name", "label") DO UPDATE SET "value" = "metric_totals"."value" + 1;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "stage_log_count_retry" AFTER INSERT ON "stage_log" FOR EACH ROW
  WHEN (NEW."status" = 'processing' AND NEW."error" IS NOT NULL AND NEW."message" LIKE '%will retry%')
  EXECUTE FUNCTION "murmur_count_step_retry"();
