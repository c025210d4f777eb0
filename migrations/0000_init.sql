CREATE TYPE "public"."agent_mode" AS ENUM('execute', 'discuss', 'plan', 'detail', 'refine', 'research', 'verify', 'merge');--> statement-breakpoint
CREATE TYPE "public"."agent_status" AS ENUM('idle', 'running', 'waiting_for_input', 'stopped', 'crashed');--> statement-breakpoint
CREATE TYPE "public"."change_set_action" AS ENUM('create', 'update', 'delete');--> statement-breakpoint
CREATE TYPE "public"."change_set_entity_type" AS ENUM('page', 'phase', 'task', 'phase_dependency');--> statement-breakpoint
CREATE TYPE "public"."change_set_mode" AS ENUM('plan', 'detail', 'refine');--> statement-breakpoint
CREATE TYPE "public"."change_set_status" AS ENUM('applied', 'reverted');--> statement-breakpoint
CREATE TYPE "public"."conversation_status" AS ENUM('pending', 'answered');--> statement-breakpoint
CREATE TYPE "public"."delivery_status" AS ENUM('pending', 'processing', 'done', 'ignored', 'failed', 'dead');--> statement-breakpoint
CREATE TYPE "public"."execution_mode" AS ENUM('yolo', 'review_per_phase');--> statement-breakpoint
CREATE TYPE "public"."initiative_status" AS ENUM('active', 'completed', 'archived');--> statement-breakpoint
CREATE TYPE "public"."message_party" AS ENUM('agent', 'user');--> statement-breakpoint
CREATE TYPE "public"."message_status" AS ENUM('pending', 'read', 'responded');--> statement-breakpoint
CREATE TYPE "public"."message_type" AS ENUM('question', 'info', 'error', 'response');--> statement-breakpoint
CREATE TYPE "public"."outbox_status" AS ENUM('pending', 'processing', 'done', 'dead');--> statement-breakpoint
CREATE TYPE "public"."phase_status" AS ENUM('pending', 'approved', 'in_progress', 'completed', 'blocked', 'pending_review');--> statement-breakpoint
CREATE TYPE "public"."task_category" AS ENUM('execute', 'research', 'discuss', 'plan', 'detail', 'refine', 'verify', 'merge', 'review');--> statement-breakpoint
CREATE TYPE "public"."task_priority" AS ENUM('low', 'medium', 'high');--> statement-breakpoint
CREATE TYPE "public"."task_status" AS ENUM('pending_approval', 'pending', 'in_progress', 'completed', 'blocked', 'failed', 'cancelled');--> statement-breakpoint
CREATE TYPE "public"."task_type" AS ENUM('auto', 'checkpoint:human-verify', 'checkpoint:decision', 'checkpoint:human-action');--> statement-breakpoint
CREATE TABLE "accounts" (
	"id" text PRIMARY KEY NOT NULL,
	"email" text NOT NULL,
	"provider" text DEFAULT 'claude' NOT NULL,
	"config_json" text,
	"credentials" text,
	"is_exhausted" boolean DEFAULT false NOT NULL,
	"exhausted_until" timestamp with time zone,
	"last_used_at" timestamp with time zone,
	"sort_order" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "agent_log_chunks" (
	"id" text PRIMARY KEY NOT NULL,
	"agent_id" text NOT NULL,
	"agent_name" text NOT NULL,
	"session_number" integer DEFAULT 1 NOT NULL,
	"content" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"seq" bigserial NOT NULL
);
--> statement-breakpoint
CREATE TABLE "agents" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"task_id" text,
	"initiative_id" text,
	"session_id" text,
	"worktree_id" text NOT NULL,
	"provider" text DEFAULT 'claude' NOT NULL,
	"account_id" text,
	"status" "agent_status" DEFAULT 'idle' NOT NULL,
	"mode" "agent_mode" DEFAULT 'execute' NOT NULL,
	"pid" integer,
	"exit_code" integer,
	"output_file_path" text,
	"result" text,
	"pending_questions" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"user_dismissed_at" timestamp with time zone,
	"runner_id" text,
	"host" text,
	"attempt" integer DEFAULT 0 NOT NULL,
	"heartbeat_at" timestamp with time zone,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"usage" jsonb,
	"cost_usd" text,
	CONSTRAINT "agents_name_unique" UNIQUE("name")
);
--> statement-breakpoint
CREATE TABLE "change_set_entries" (
	"id" text PRIMARY KEY NOT NULL,
	"change_set_id" text NOT NULL,
	"entity_type" "change_set_entity_type" NOT NULL,
	"entity_id" text NOT NULL,
	"action" "change_set_action" NOT NULL,
	"previous_state" text,
	"new_state" text,
	"sort_order" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "change_sets" (
	"id" text PRIMARY KEY NOT NULL,
	"agent_id" text,
	"agent_name" text NOT NULL,
	"initiative_id" text NOT NULL,
	"mode" "change_set_mode" NOT NULL,
	"summary" text,
	"status" "change_set_status" DEFAULT 'applied' NOT NULL,
	"reverted_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "check_runs" (
	"id" text PRIMARY KEY NOT NULL,
	"project_id" text NOT NULL,
	"head_sha" text NOT NULL,
	"name" text NOT NULL,
	"check_run_id" bigint NOT NULL,
	"output_hash" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "conversations" (
	"id" text PRIMARY KEY NOT NULL,
	"from_agent_id" text NOT NULL,
	"to_agent_id" text NOT NULL,
	"initiative_id" text,
	"phase_id" text,
	"task_id" text,
	"question" text NOT NULL,
	"answer" text,
	"status" "conversation_status" DEFAULT 'pending' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "github_comments" (
	"id" text PRIMARY KEY NOT NULL,
	"project_id" text NOT NULL,
	"issue_number" integer NOT NULL,
	"marker" text NOT NULL,
	"comment_id" bigint NOT NULL,
	"body_hash" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "initiative_projects" (
	"id" text PRIMARY KEY NOT NULL,
	"initiative_id" text NOT NULL,
	"project_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "initiatives" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"status" "initiative_status" DEFAULT 'active' NOT NULL,
	"merge_requires_approval" boolean DEFAULT true NOT NULL,
	"branch" text,
	"execution_mode" "execution_mode" DEFAULT 'review_per_phase' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"project_id" text,
	"milestone_number" integer,
	"milestone_id" bigint,
	"milestone_node_id" text,
	"description" text,
	"settings" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"requires_approval" boolean,
	"pr_number" integer,
	"head_sha" text
);
--> statement-breakpoint
CREATE TABLE "issue_links" (
	"id" text PRIMARY KEY NOT NULL,
	"project_id" text NOT NULL,
	"kind" text NOT NULL,
	"source" text NOT NULL,
	"from_number" integer NOT NULL,
	"to_repo" text NOT NULL,
	"to_number" integer NOT NULL,
	"to_issue_id" bigint,
	"to_state" text DEFAULT 'open' NOT NULL,
	"verified" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "messages" (
	"id" text PRIMARY KEY NOT NULL,
	"sender_type" "message_party" NOT NULL,
	"sender_id" text,
	"recipient_type" "message_party" NOT NULL,
	"recipient_id" text,
	"type" "message_type" DEFAULT 'info' NOT NULL,
	"content" text NOT NULL,
	"requires_response" boolean DEFAULT false NOT NULL,
	"status" "message_status" DEFAULT 'pending' NOT NULL,
	"parent_message_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"task_id" text,
	"comment_id" bigint,
	"author" text
);
--> statement-breakpoint
CREATE TABLE "outbox" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"target_key" text NOT NULL,
	"operation" text NOT NULL,
	"installation_id" bigint,
	"payload" jsonb NOT NULL,
	"status" "outbox_status" DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"run_after" timestamp with time zone DEFAULT now() NOT NULL,
	"locked_until" timestamp with time zone,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "pages" (
	"id" text PRIMARY KEY NOT NULL,
	"initiative_id" text NOT NULL,
	"parent_page_id" text,
	"title" text NOT NULL,
	"content" text,
	"sort_order" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "phase_dependencies" (
	"id" text PRIMARY KEY NOT NULL,
	"phase_id" text NOT NULL,
	"depends_on_phase_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "phases" (
	"id" text PRIMARY KEY NOT NULL,
	"initiative_id" text NOT NULL,
	"name" text NOT NULL,
	"content" text,
	"status" "phase_status" DEFAULT 'pending' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"project_id" text,
	"issue_number" integer,
	"issue_id" bigint,
	"issue_node_id" text,
	"branch" text,
	"pr_number" integer,
	"pr_node_id" text,
	"head_sha" text,
	"approved_sha" text,
	"issue_state" text DEFAULT 'open' NOT NULL,
	"labels" jsonb DEFAULT '[]'::jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "projects" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"url" text NOT NULL,
	"default_branch" text DEFAULT 'main' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"installation_id" bigint,
	"repository_id" bigint,
	"repository_node_id" text,
	"owner" text,
	"repo" text,
	"private" boolean DEFAULT false NOT NULL,
	"installed" boolean DEFAULT true NOT NULL,
	"last_reconciled_at" timestamp with time zone,
	"config" jsonb,
	CONSTRAINT "projects_name_unique" UNIQUE("name"),
	CONSTRAINT "projects_url_unique" UNIQUE("url"),
	CONSTRAINT "projects_repository_id_unique" UNIQUE("repository_id")
);
--> statement-breakpoint
CREATE TABLE "pull_requests" (
	"id" text PRIMARY KEY NOT NULL,
	"project_id" text NOT NULL,
	"kind" text NOT NULL,
	"subject_id" text NOT NULL,
	"head" text NOT NULL,
	"base" text NOT NULL,
	"number" integer,
	"node_id" text,
	"head_sha" text,
	"state" text DEFAULT 'open' NOT NULL,
	"draft" boolean DEFAULT true NOT NULL,
	"merged" boolean DEFAULT false NOT NULL,
	"merged_sha" text,
	"title" text,
	"body_hash" text,
	"approved_sha" text,
	"approved_by" text,
	"merge_blocked_reason" text,
	"review_requested" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "repo_labels" (
	"project_id" text NOT NULL,
	"name" text NOT NULL,
	"color" text NOT NULL,
	"description" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "task_dependencies" (
	"id" text PRIMARY KEY NOT NULL,
	"task_id" text NOT NULL,
	"depends_on_task_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tasks" (
	"id" text PRIMARY KEY NOT NULL,
	"phase_id" text,
	"initiative_id" text,
	"parent_task_id" text,
	"name" text NOT NULL,
	"description" text,
	"type" "task_type" DEFAULT 'auto' NOT NULL,
	"category" "task_category" DEFAULT 'execute' NOT NULL,
	"priority" "task_priority" DEFAULT 'medium' NOT NULL,
	"status" "task_status" DEFAULT 'pending' NOT NULL,
	"requires_approval" boolean,
	"order" integer DEFAULT 0 NOT NULL,
	"summary" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"project_id" text,
	"issue_number" integer,
	"issue_id" bigint,
	"issue_node_id" text,
	"issue_state" text DEFAULT 'open' NOT NULL,
	"labels" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"branch" text,
	"pr_number" integer,
	"head_sha" text,
	"triggered_by" text,
	"attempt" integer DEFAULT 0 NOT NULL,
	"retry_count" integer DEFAULT 0 NOT NULL,
	"run_after" timestamp with time zone,
	"claimed_by" text,
	"lease_expires_at" timestamp with time zone,
	"last_error" text,
	"blocked_reason" text,
	"critical_path" integer DEFAULT 1 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "webhook_deliveries" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"delivery_id" text NOT NULL,
	"event" text NOT NULL,
	"action" text,
	"installation_id" bigint,
	"queue_key" text NOT NULL,
	"payload" json NOT NULL,
	"status" "delivery_status" DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"run_after" timestamp with time zone DEFAULT now() NOT NULL,
	"locked_until" timestamp with time zone,
	"error" text,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"processed_at" timestamp with time zone,
	CONSTRAINT "webhook_deliveries_delivery_id_unique" UNIQUE("delivery_id")
);
--> statement-breakpoint
ALTER TABLE "agents" ADD CONSTRAINT "agents_task_id_tasks_id_fk" FOREIGN KEY ("task_id") REFERENCES "public"."tasks"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agents" ADD CONSTRAINT "agents_initiative_id_initiatives_id_fk" FOREIGN KEY ("initiative_id") REFERENCES "public"."initiatives"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agents" ADD CONSTRAINT "agents_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "change_set_entries" ADD CONSTRAINT "change_set_entries_change_set_id_change_sets_id_fk" FOREIGN KEY ("change_set_id") REFERENCES "public"."change_sets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "change_sets" ADD CONSTRAINT "change_sets_agent_id_agents_id_fk" FOREIGN KEY ("agent_id") REFERENCES "public"."agents"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "change_sets" ADD CONSTRAINT "change_sets_initiative_id_initiatives_id_fk" FOREIGN KEY ("initiative_id") REFERENCES "public"."initiatives"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "check_runs" ADD CONSTRAINT "check_runs_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "conversations" ADD CONSTRAINT "conversations_from_agent_id_agents_id_fk" FOREIGN KEY ("from_agent_id") REFERENCES "public"."agents"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "conversations" ADD CONSTRAINT "conversations_to_agent_id_agents_id_fk" FOREIGN KEY ("to_agent_id") REFERENCES "public"."agents"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "conversations" ADD CONSTRAINT "conversations_initiative_id_initiatives_id_fk" FOREIGN KEY ("initiative_id") REFERENCES "public"."initiatives"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "conversations" ADD CONSTRAINT "conversations_phase_id_phases_id_fk" FOREIGN KEY ("phase_id") REFERENCES "public"."phases"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "conversations" ADD CONSTRAINT "conversations_task_id_tasks_id_fk" FOREIGN KEY ("task_id") REFERENCES "public"."tasks"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "github_comments" ADD CONSTRAINT "github_comments_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "initiative_projects" ADD CONSTRAINT "initiative_projects_initiative_id_initiatives_id_fk" FOREIGN KEY ("initiative_id") REFERENCES "public"."initiatives"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "initiative_projects" ADD CONSTRAINT "initiative_projects_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "initiatives" ADD CONSTRAINT "initiatives_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "issue_links" ADD CONSTRAINT "issue_links_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "messages" ADD CONSTRAINT "messages_sender_id_agents_id_fk" FOREIGN KEY ("sender_id") REFERENCES "public"."agents"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "messages" ADD CONSTRAINT "messages_recipient_id_agents_id_fk" FOREIGN KEY ("recipient_id") REFERENCES "public"."agents"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "messages" ADD CONSTRAINT "messages_parent_message_id_messages_id_fk" FOREIGN KEY ("parent_message_id") REFERENCES "public"."messages"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "messages" ADD CONSTRAINT "messages_task_id_tasks_id_fk" FOREIGN KEY ("task_id") REFERENCES "public"."tasks"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pages" ADD CONSTRAINT "pages_initiative_id_initiatives_id_fk" FOREIGN KEY ("initiative_id") REFERENCES "public"."initiatives"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pages" ADD CONSTRAINT "pages_parent_page_id_pages_id_fk" FOREIGN KEY ("parent_page_id") REFERENCES "public"."pages"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "phase_dependencies" ADD CONSTRAINT "phase_dependencies_phase_id_phases_id_fk" FOREIGN KEY ("phase_id") REFERENCES "public"."phases"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "phase_dependencies" ADD CONSTRAINT "phase_dependencies_depends_on_phase_id_phases_id_fk" FOREIGN KEY ("depends_on_phase_id") REFERENCES "public"."phases"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "phases" ADD CONSTRAINT "phases_initiative_id_initiatives_id_fk" FOREIGN KEY ("initiative_id") REFERENCES "public"."initiatives"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "phases" ADD CONSTRAINT "phases_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pull_requests" ADD CONSTRAINT "pull_requests_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "repo_labels" ADD CONSTRAINT "repo_labels_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "task_dependencies" ADD CONSTRAINT "task_dependencies_task_id_tasks_id_fk" FOREIGN KEY ("task_id") REFERENCES "public"."tasks"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "task_dependencies" ADD CONSTRAINT "task_dependencies_depends_on_task_id_tasks_id_fk" FOREIGN KEY ("depends_on_task_id") REFERENCES "public"."tasks"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_phase_id_phases_id_fk" FOREIGN KEY ("phase_id") REFERENCES "public"."phases"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_initiative_id_initiatives_id_fk" FOREIGN KEY ("initiative_id") REFERENCES "public"."initiatives"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_parent_task_id_tasks_id_fk" FOREIGN KEY ("parent_task_id") REFERENCES "public"."tasks"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "agent_log_chunks_agent_id_idx" ON "agent_log_chunks" USING btree ("agent_id");--> statement-breakpoint
CREATE INDEX "agents_task_id_idx" ON "agents" USING btree ("task_id");--> statement-breakpoint
CREATE INDEX "agents_status_idx" ON "agents" USING btree ("status");--> statement-breakpoint
CREATE INDEX "change_set_entries_change_set_id_idx" ON "change_set_entries" USING btree ("change_set_id");--> statement-breakpoint
CREATE INDEX "change_sets_initiative_id_idx" ON "change_sets" USING btree ("initiative_id");--> statement-breakpoint
CREATE UNIQUE INDEX "check_runs_head_name_unique" ON "check_runs" USING btree ("project_id","head_sha","name");--> statement-breakpoint
CREATE INDEX "conversations_to_agent_status_idx" ON "conversations" USING btree ("to_agent_id","status");--> statement-breakpoint
CREATE INDEX "conversations_from_agent_idx" ON "conversations" USING btree ("from_agent_id");--> statement-breakpoint
CREATE UNIQUE INDEX "github_comments_marker_unique" ON "github_comments" USING btree ("project_id","issue_number","marker");--> statement-breakpoint
CREATE UNIQUE INDEX "initiative_project_unique" ON "initiative_projects" USING btree ("initiative_id","project_id");--> statement-breakpoint
CREATE UNIQUE INDEX "initiatives_project_milestone_unique" ON "initiatives" USING btree ("project_id","milestone_number");--> statement-breakpoint
CREATE UNIQUE INDEX "issue_links_unique" ON "issue_links" USING btree ("project_id","kind","source","from_number","to_repo","to_number");--> statement-breakpoint
CREATE INDEX "issue_links_to_idx" ON "issue_links" USING btree ("to_repo","to_number");--> statement-breakpoint
CREATE INDEX "messages_task_id_idx" ON "messages" USING btree ("task_id");--> statement-breakpoint
CREATE UNIQUE INDEX "outbox_pending_target_unique" ON "outbox" USING btree ("target_key") WHERE "outbox"."status" = 'pending';--> statement-breakpoint
CREATE INDEX "outbox_claim_idx" ON "outbox" USING btree ("run_after","seq") WHERE "outbox"."status" = 'pending';--> statement-breakpoint
CREATE UNIQUE INDEX "phase_dependencies_unique" ON "phase_dependencies" USING btree ("phase_id","depends_on_phase_id");--> statement-breakpoint
CREATE UNIQUE INDEX "phases_project_issue_unique" ON "phases" USING btree ("project_id","issue_number");--> statement-breakpoint
CREATE INDEX "phases_initiative_id_idx" ON "phases" USING btree ("initiative_id");--> statement-breakpoint
CREATE INDEX "projects_installation_id_idx" ON "projects" USING btree ("installation_id");--> statement-breakpoint
CREATE UNIQUE INDEX "pull_requests_head_base_unique" ON "pull_requests" USING btree ("project_id","head","base");--> statement-breakpoint
CREATE INDEX "pull_requests_number_idx" ON "pull_requests" USING btree ("project_id","number");--> statement-breakpoint
CREATE UNIQUE INDEX "repo_labels_unique" ON "repo_labels" USING btree ("project_id","name");--> statement-breakpoint
CREATE UNIQUE INDEX "task_dependencies_unique" ON "task_dependencies" USING btree ("task_id","depends_on_task_id");--> statement-breakpoint
CREATE INDEX "task_dependencies_depends_on_idx" ON "task_dependencies" USING btree ("depends_on_task_id");--> statement-breakpoint
CREATE UNIQUE INDEX "tasks_project_issue_unique" ON "tasks" USING btree ("project_id","issue_number");--> statement-breakpoint
CREATE INDEX "tasks_status_idx" ON "tasks" USING btree ("status");--> statement-breakpoint
CREATE INDEX "tasks_dispatch_idx" ON "tasks" USING btree ("priority","critical_path","order") WHERE "tasks"."status" = 'pending';--> statement-breakpoint
CREATE INDEX "tasks_phase_id_idx" ON "tasks" USING btree ("phase_id");--> statement-breakpoint
CREATE INDEX "tasks_initiative_id_idx" ON "tasks" USING btree ("initiative_id");--> statement-breakpoint
CREATE INDEX "webhook_deliveries_claim_idx" ON "webhook_deliveries" USING btree ("seq") WHERE "webhook_deliveries"."status" = 'pending';--> statement-breakpoint
CREATE INDEX "webhook_deliveries_processing_idx" ON "webhook_deliveries" USING btree ("queue_key") WHERE "webhook_deliveries"."status" = 'processing';