ALTER TABLE "sessions" ADD COLUMN "speaker_names" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
-- Full-text search (db/search.ts). Generated columns, so a rename or a new transcript is
-- searchable in the same statement that writes it. Kept out of db/schema.ts on purpose: every
-- plain select of a session would otherwise carry its tsvector along.
ALTER TABLE "sessions" ADD COLUMN "title_tsv" tsvector GENERATED ALWAYS AS (to_tsvector('english'::regconfig, "title")) STORED;--> statement-breakpoint
ALTER TABLE "transcripts" ADD COLUMN "text_tsv" tsvector GENERATED ALWAYS AS (to_tsvector('english'::regconfig, "text")) STORED;--> statement-breakpoint
CREATE INDEX "sessions_title_tsv_idx" ON "sessions" USING gin ("title_tsv");--> statement-breakpoint
CREATE INDEX "transcripts_text_tsv_idx" ON "transcripts" USING gin ("text_tsv");
