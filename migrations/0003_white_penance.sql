ALTER TABLE "agents" ADD COLUMN "head_sha" text;--> statement-breakpoint
ALTER TABLE "agents" ADD COLUMN "log_tail" text;--> statement-breakpoint
ALTER TABLE "agents" ADD COLUMN "log_tail_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "agents" ADD COLUMN "diff_stat" text;--> statement-breakpoint
ALTER TABLE "check_runs" ADD COLUMN "status" text;