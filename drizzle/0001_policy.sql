CREATE TABLE "routing_rules" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"priority" integer NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"when" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"targets" jsonb NOT NULL,
	"strategy" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "budget_holds" (
	"id" text PRIMARY KEY NOT NULL,
	"instance_id" text NOT NULL,
	"budget_ids" text[] NOT NULL,
	"amount_micros" bigint NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "budgets" (
	"id" text PRIMARY KEY NOT NULL,
	"scope" text NOT NULL,
	"subject" text NOT NULL,
	"period" text NOT NULL,
	"limit_micros" bigint NOT NULL,
	"spent_micros" bigint DEFAULT 0 NOT NULL,
	"reserved_micros" bigint DEFAULT 0 NOT NULL,
	"thresholds" double precision[] DEFAULT '{0.5,0.8,1}'::double precision[] NOT NULL,
	"action" text DEFAULT 'BLOCK' NOT NULL,
	"time_zone" text DEFAULT 'UTC' NOT NULL,
	"resets_at" timestamp with time zone,
	"webhook_url" text,
	"spike_multiplier" double precision,
	"spike_window_minutes" integer,
	"spike_alerted_at" timestamp with time zone,
	"block_alerted_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "budgets_scope_subject_period_key" UNIQUE("scope","subject","period")
);
--> statement-breakpoint
CREATE TABLE "rate_limits" (
	"id" text PRIMARY KEY NOT NULL,
	"scope" text NOT NULL,
	"subject" text NOT NULL,
	"requests_per_minute" integer,
	"tokens_per_minute" bigint,
	"win_slots" bigint[] DEFAULT '{}'::bigint[] NOT NULL,
	"win_requests" bigint[] DEFAULT '{}'::bigint[] NOT NULL,
	"win_tokens" bigint[] DEFAULT '{}'::bigint[] NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "rate_limits_scope_subject_key" UNIQUE("scope","subject")
);
--> statement-breakpoint
CREATE INDEX "routing_rules_priority_idx" ON "routing_rules" USING btree ("priority","created_at");--> statement-breakpoint
CREATE INDEX "budget_holds_expires_idx" ON "budget_holds" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "budget_holds_instance_idx" ON "budget_holds" USING btree ("instance_id");