CREATE TABLE "refine_reviews" (
	"id" text PRIMARY KEY NOT NULL,
	"project_id" text NOT NULL,
	"task_id" text NOT NULL,
	"pull_request_id" text NOT NULL,
	"review_id" bigint NOT NULL,
	"reviewer" text NOT NULL,
	"body" text NOT NULL,
	"html_url" text,
	"commit_id" text,
	"comments" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"dismissed" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "pull_request_id" text;--> statement-breakpoint
ALTER TABLE "refine_reviews" ADD CONSTRAINT "refine_reviews_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "refine_reviews" ADD CONSTRAINT "refine_reviews_task_id_tasks_id_fk" FOREIGN KEY ("task_id") REFERENCES "public"."tasks"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "refine_reviews" ADD CONSTRAINT "refine_reviews_pull_request_id_pull_requests_id_fk" FOREIGN KEY ("pull_request_id") REFERENCES "public"."pull_requests"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "refine_reviews_review_unique" ON "refine_reviews" USING btree ("project_id","review_id");--> statement-breakpoint
CREATE INDEX "refine_reviews_task_id_idx" ON "refine_reviews" USING btree ("task_id");--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_pull_request_id_pull_requests_id_fk" FOREIGN KEY ("pull_request_id") REFERENCES "public"."pull_requests"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "tasks_pull_request_id_idx" ON "tasks" USING btree ("pull_request_id");