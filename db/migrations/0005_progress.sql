ALTER TABLE "chunks" ADD COLUMN "speech" jsonb;--> statement-breakpoint
ALTER TABLE "chunks" ADD COLUMN "done_sec" real DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "chunks" ADD COLUMN "started_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "announced_duration_sec" real;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "activity" text;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "transcribe_started_at" timestamp with time zone;