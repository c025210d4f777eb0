ALTER TYPE "public"."change_set_status" ADD VALUE 'proposed';--> statement-breakpoint
ALTER TYPE "public"."change_set_status" ADD VALUE 'applying';--> statement-breakpoint
ALTER TYPE "public"."change_set_status" ADD VALUE 'reverting';--> statement-breakpoint
ALTER TABLE "change_set_entries" ADD COLUMN "key" text;--> statement-breakpoint
ALTER TABLE "change_set_entries" ADD COLUMN "issue_number" integer;--> statement-breakpoint
ALTER TABLE "change_set_entries" ADD COLUMN "issue_id" bigint;--> statement-breakpoint
ALTER TABLE "change_set_entries" ADD COLUMN "progress" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "change_sets" ADD COLUMN "project_id" text;--> statement-breakpoint
ALTER TABLE "change_sets" ADD COLUMN "issue_number" integer;--> statement-breakpoint
ALTER TABLE "change_sets" ADD COLUMN "task_id" text;--> statement-breakpoint
ALTER TABLE "change_sets" ADD COLUMN "applied_by" text;--> statement-breakpoint
ALTER TABLE "change_sets" ADD COLUMN "pages_state" text DEFAULT 'none' NOT NULL;--> statement-breakpoint
ALTER TABLE "change_sets" ADD COLUMN "revert_notes" jsonb;--> statement-breakpoint
ALTER TABLE "pages" ADD COLUMN "path" text;--> statement-breakpoint
ALTER TABLE "pages" ADD COLUMN "blob_sha" text;--> statement-breakpoint
ALTER TABLE "pages" ADD COLUMN "change_set_id" text;--> statement-breakpoint
ALTER TABLE "change_sets" ADD CONSTRAINT "change_sets_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "change_sets" ADD CONSTRAINT "change_sets_task_id_tasks_id_fk" FOREIGN KEY ("task_id") REFERENCES "public"."tasks"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "change_set_entries_key_unique" ON "change_set_entries" USING btree ("change_set_id","key");