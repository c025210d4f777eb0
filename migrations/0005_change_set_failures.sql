ALTER TYPE "public"."change_set_status" ADD VALUE 'failed';--> statement-breakpoint
ALTER TABLE "change_sets" ADD COLUMN "pages_attempts" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "change_sets" ADD COLUMN "pages_retry_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "change_sets" ADD COLUMN "failure" text;