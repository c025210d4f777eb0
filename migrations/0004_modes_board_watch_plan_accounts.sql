ALTER TYPE "public"."agent_mode" ADD VALUE 'review';--> statement-breakpoint
ALTER TYPE "public"."change_set_status" ADD VALUE 'proposed';--> statement-breakpoint
ALTER TYPE "public"."change_set_status" ADD VALUE 'applying';--> statement-breakpoint
ALTER TYPE "public"."change_set_status" ADD VALUE 'reverting';--> statement-breakpoint
CREATE TABLE "agent_reviews" (
	"id" text PRIMARY KEY NOT NULL,
	"project_id" text NOT NULL,
	"pull_request_id" text NOT NULL,
	"task_id" text,
	"agent_name" text,
	"review_id" bigint NOT NULL,
	"html_url" text,
	"commit_id" text,
	"body" text NOT NULL,
	"comments" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"endorsed_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "board_items" (
	"id" text PRIMARY KEY NOT NULL,
	"board_key" text NOT NULL,
	"project_id" text NOT NULL,
	"issue_number" integer NOT NULL,
	"content_node_id" text NOT NULL,
	"item_id" text,
	"desired" jsonb,
	"shown" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"removed" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "boards" (
	"key" text PRIMARY KEY NOT NULL,
	"org" text NOT NULL,
	"number" integer NOT NULL,
	"project_node_id" text,
	"shape" jsonb,
	"problem" text,
	"checked_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "accounts" ADD COLUMN "settings" text;--> statement-breakpoint
ALTER TABLE "accounts" ADD COLUMN "invalid_reason" text;--> statement-breakpoint
ALTER TABLE "accounts" ADD COLUMN "invalid_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "agents" ADD COLUMN "head_sha" text;--> statement-breakpoint
ALTER TABLE "agents" ADD COLUMN "log_tail" text;--> statement-breakpoint
ALTER TABLE "agents" ADD COLUMN "log_tail_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "agents" ADD COLUMN "diff_stat" text;--> statement-breakpoint
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
ALTER TABLE "check_runs" ADD COLUMN "status" text;--> statement-breakpoint
ALTER TABLE "pages" ADD COLUMN "path" text;--> statement-breakpoint
ALTER TABLE "pages" ADD COLUMN "blob_sha" text;--> statement-breakpoint
ALTER TABLE "pages" ADD COLUMN "change_set_id" text;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "verdict" text;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "findings" jsonb;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "fixes_task_id" text;--> statement-breakpoint
ALTER TABLE "agent_reviews" ADD CONSTRAINT "agent_reviews_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agent_reviews" ADD CONSTRAINT "agent_reviews_pull_request_id_pull_requests_id_fk" FOREIGN KEY ("pull_request_id") REFERENCES "public"."pull_requests"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agent_reviews" ADD CONSTRAINT "agent_reviews_task_id_tasks_id_fk" FOREIGN KEY ("task_id") REFERENCES "public"."tasks"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "board_items" ADD CONSTRAINT "board_items_board_key_boards_key_fk" FOREIGN KEY ("board_key") REFERENCES "public"."boards"("key") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "board_items" ADD CONSTRAINT "board_items_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "agent_reviews_review_unique" ON "agent_reviews" USING btree ("project_id","review_id");--> statement-breakpoint
CREATE INDEX "agent_reviews_pull_request_idx" ON "agent_reviews" USING btree ("pull_request_id");--> statement-breakpoint
CREATE UNIQUE INDEX "board_items_content_unique" ON "board_items" USING btree ("board_key","content_node_id");--> statement-breakpoint
CREATE INDEX "board_items_project_idx" ON "board_items" USING btree ("project_id");--> statement-breakpoint
CREATE INDEX "board_items_item_idx" ON "board_items" USING btree ("item_id");--> statement-breakpoint
ALTER TABLE "change_sets" ADD CONSTRAINT "change_sets_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "change_sets" ADD CONSTRAINT "change_sets_task_id_tasks_id_fk" FOREIGN KEY ("task_id") REFERENCES "public"."tasks"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_fixes_task_id_tasks_id_fk" FOREIGN KEY ("fixes_task_id") REFERENCES "public"."tasks"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "change_set_entries_key_unique" ON "change_set_entries" USING btree ("change_set_id","key");