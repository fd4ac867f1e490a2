CREATE TABLE "request_bodies" (
	"id" text PRIMARY KEY NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"user_id" text,
	"request" jsonb NOT NULL,
	"response" text
);
--> statement-breakpoint
CREATE TABLE "usage_rollup_model" (
	"grain" text NOT NULL,
	"bucket" timestamp with time zone NOT NULL,
	"model" text NOT NULL,
	"provider" text NOT NULL,
	"status" text NOT NULL,
	"requests" bigint NOT NULL,
	"errors" bigint NOT NULL,
	"cancelled" bigint NOT NULL,
	"input_tokens" bigint NOT NULL,
	"output_tokens" bigint NOT NULL,
	"cached_input_tokens" bigint NOT NULL,
	"reasoning_tokens" bigint NOT NULL,
	"cost_micro_usd" bigint NOT NULL,
	"ttft_count" bigint NOT NULL,
	"ttft_sum_ms" double precision NOT NULL,
	"itl_count" bigint NOT NULL,
	"itl_sum_ms" double precision NOT NULL,
	"latency_sum_ms" double precision NOT NULL,
	"ttft_hist" integer[] NOT NULL,
	"itl_hist" integer[] NOT NULL,
	"latency_hist" integer[] NOT NULL,
	CONSTRAINT "usage_rollup_model_pk" PRIMARY KEY("grain","bucket","model","provider","status")
);
--> statement-breakpoint
CREATE TABLE "usage_rollup_principal" (
	"grain" text NOT NULL,
	"bucket" timestamp with time zone NOT NULL,
	"model" text NOT NULL,
	"provider" text NOT NULL,
	"status" text NOT NULL,
	"user_id" text NOT NULL,
	"team_id" text NOT NULL,
	"key_id" text NOT NULL,
	"requests" bigint NOT NULL,
	"errors" bigint NOT NULL,
	"cancelled" bigint NOT NULL,
	"input_tokens" bigint NOT NULL,
	"output_tokens" bigint NOT NULL,
	"cached_input_tokens" bigint NOT NULL,
	"reasoning_tokens" bigint NOT NULL,
	"cost_micro_usd" bigint NOT NULL,
	"ttft_count" bigint NOT NULL,
	"ttft_sum_ms" double precision NOT NULL,
	"itl_count" bigint NOT NULL,
	"itl_sum_ms" double precision NOT NULL,
	"latency_sum_ms" double precision NOT NULL,
	"ttft_hist" integer[] NOT NULL,
	"itl_hist" integer[] NOT NULL,
	"latency_hist" integer[] NOT NULL,
	CONSTRAINT "usage_rollup_principal_pk" PRIMARY KEY("grain","bucket","user_id","team_id","key_id","model","provider","status")
);
--> statement-breakpoint
CREATE TABLE "usage_rollup_tag" (
	"grain" text NOT NULL,
	"bucket" timestamp with time zone NOT NULL,
	"model" text NOT NULL,
	"provider" text NOT NULL,
	"status" text NOT NULL,
	"tag" text NOT NULL,
	"user_id" text NOT NULL,
	"team_id" text NOT NULL,
	"key_id" text NOT NULL,
	"requests" bigint NOT NULL,
	"errors" bigint NOT NULL,
	"cancelled" bigint NOT NULL,
	"input_tokens" bigint NOT NULL,
	"output_tokens" bigint NOT NULL,
	"cached_input_tokens" bigint NOT NULL,
	"reasoning_tokens" bigint NOT NULL,
	"cost_micro_usd" bigint NOT NULL,
	"ttft_count" bigint NOT NULL,
	"ttft_sum_ms" double precision NOT NULL,
	"itl_count" bigint NOT NULL,
	"itl_sum_ms" double precision NOT NULL,
	"latency_sum_ms" double precision NOT NULL,
	"ttft_hist" integer[] NOT NULL,
	"itl_hist" integer[] NOT NULL,
	"latency_hist" integer[] NOT NULL,
	CONSTRAINT "usage_rollup_tag_pk" PRIMARY KEY("grain","bucket","tag","user_id","team_id","key_id","model","provider","status")
);
--> statement-breakpoint
ALTER TABLE "usage_records" ADD COLUMN "tokens_per_second" double precision;--> statement-breakpoint
ALTER TABLE "usage_records" ADD COLUMN "guardrails" jsonb;--> statement-breakpoint
CREATE INDEX "request_bodies_created_idx" ON "request_bodies" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "usage_rollup_principal_user_idx" ON "usage_rollup_principal" USING btree ("grain","user_id","bucket");--> statement-breakpoint
CREATE INDEX "usage_rollup_principal_team_idx" ON "usage_rollup_principal" USING btree ("grain","team_id","bucket");--> statement-breakpoint
CREATE INDEX "usage_rollup_principal_key_idx" ON "usage_rollup_principal" USING btree ("grain","key_id","bucket");--> statement-breakpoint
CREATE INDEX "usage_rollup_tag_tag_idx" ON "usage_rollup_tag" USING btree ("grain","tag","bucket");--> statement-breakpoint
CREATE INDEX "usage_rollup_tag_user_idx" ON "usage_rollup_tag" USING btree ("grain","user_id","bucket");