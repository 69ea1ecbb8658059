ALTER TABLE "chunks" ADD COLUMN "untranscribed" jsonb;--> statement-breakpoint
ALTER TABLE "transcripts" ADD COLUMN "untranscribed" jsonb DEFAULT '[]'::jsonb NOT NULL;