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
ALTER TABLE "board_items" ADD CONSTRAINT "board_items_board_key_boards_key_fk" FOREIGN KEY ("board_key") REFERENCES "public"."boards"("key") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "board_items" ADD CONSTRAINT "board_items_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "board_items_content_unique" ON "board_items" USING btree ("board_key","content_node_id");--> statement-breakpoint
CREATE INDEX "board_items_project_idx" ON "board_items" USING btree ("project_id");--> statement-breakpoint
CREATE INDEX "board_items_item_idx" ON "board_items" USING btree ("item_id");