CREATE TABLE "issue_texts" (
	"project_id" text NOT NULL,
	"issue_number" integer NOT NULL,
	"title" text NOT NULL,
	"body" text,
	"edited_at" timestamp with time zone NOT NULL,
	CONSTRAINT "issue_texts_project_id_issue_number_pk" PRIMARY KEY("project_id","issue_number")
);
--> statement-breakpoint
ALTER TABLE "issue_texts" ADD CONSTRAINT "issue_texts_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;