ALTER TYPE "public"."agent_mode" ADD VALUE 'review';--> statement-breakpoint
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
ALTER TABLE "tasks" ADD COLUMN "verdict" text;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "findings" jsonb;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "fixes_task_id" text;--> statement-breakpoint
ALTER TABLE "agent_reviews" ADD CONSTRAINT "agent_reviews_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agent_reviews" ADD CONSTRAINT "agent_reviews_pull_request_id_pull_requests_id_fk" FOREIGN KEY ("pull_request_id") REFERENCES "public"."pull_requests"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agent_reviews" ADD CONSTRAINT "agent_reviews_task_id_tasks_id_fk" FOREIGN KEY ("task_id") REFERENCES "public"."tasks"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "agent_reviews_review_unique" ON "agent_reviews" USING btree ("project_id","review_id");--> statement-breakpoint
CREATE INDEX "agent_reviews_pull_request_idx" ON "agent_reviews" USING btree ("pull_request_id");--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_fixes_task_id_tasks_id_fk" FOREIGN KEY ("fixes_task_id") REFERENCES "public"."tasks"("id") ON DELETE set null ON UPDATE no action;