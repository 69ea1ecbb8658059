CREATE TABLE "alerts" (
	"id" serial PRIMARY KEY NOT NULL,
	"dedupe_key" text NOT NULL,
	"type" text NOT NULL,
	"session_id" text,
	"stage" text,
	"data" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"claimed_at" timestamp with time zone,
	"group_id" text,
	CONSTRAINT "alerts_dedupe_key_unique" UNIQUE("dedupe_key")
);
--> statement-breakpoint
CREATE TABLE "deliveries" (
	"id" serial PRIMARY KEY NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"kind" text NOT NULL,
	"channel" text NOT NULL,
	"event_type" text NOT NULL,
	"message_id" text NOT NULL,
	"session_id" text,
	"target" text NOT NULL,
	"attempt" integer NOT NULL,
	"ok" boolean NOT NULL,
	"status_code" integer,
	"error" text,
	"duration_ms" integer
);
--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "webhook_url" text;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "recoveries" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "urgent" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "run_id" text;--> statement-breakpoint
CREATE INDEX "alerts_unclaimed_idx" ON "alerts" USING btree ("claimed_at","created_at");--> statement-breakpoint
CREATE INDEX "deliveries_session_idx" ON "deliveries" USING btree ("session_id","id");--> statement-breakpoint
CREATE INDEX "deliveries_at_idx" ON "deliveries" USING btree ("at");