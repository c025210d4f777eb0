ALTER TABLE "accounts" ADD COLUMN "settings" text;--> statement-breakpoint
ALTER TABLE "accounts" ADD COLUMN "invalid_reason" text;--> statement-breakpoint
ALTER TABLE "accounts" ADD COLUMN "invalid_at" timestamp with time zone;