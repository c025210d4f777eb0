CREATE TABLE "reconcile_due" (
	"project_id" text NOT NULL,
	"scope" text NOT NULL,
	"due_at" timestamp with time zone DEFAULT now() NOT NULL,
	"generation" integer DEFAULT 1 NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"locked_until" timestamp with time zone,
	"last_error" text,
	CONSTRAINT "reconcile_due_project_id_scope_pk" PRIMARY KEY("project_id","scope")
);
--> statement-breakpoint
ALTER TABLE "initiatives" ADD COLUMN "settings_error" text;--> statement-breakpoint
ALTER TABLE "pull_requests" ADD COLUMN "conflict_sha" text;--> statement-breakpoint
ALTER TABLE "reconcile_due" ADD CONSTRAINT "reconcile_due_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "reconcile_due_claim_idx" ON "reconcile_due" USING btree ("due_at");