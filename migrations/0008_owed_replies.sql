CREATE TABLE "owed_replies" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"project_id" text NOT NULL,
	"issue_number" integer NOT NULL,
	"is_pull_request" boolean DEFAULT false NOT NULL,
	"requested_by" text NOT NULL,
	"parts" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "owed_replies" ADD CONSTRAINT "owed_replies_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "owed_replies_project_idx" ON "owed_replies" USING btree ("project_id","issue_number");