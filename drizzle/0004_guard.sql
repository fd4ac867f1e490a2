CREATE TABLE "guardrail_policies" (
	"id" text PRIMARY KEY NOT NULL,
	"scope" text NOT NULL,
	"subject" text DEFAULT '' NOT NULL,
	"pii_input" text,
	"pii_output" text,
	"pii_types" text[],
	"restore_input_pii" boolean,
	"injection" text,
	"injection_threshold" double precision,
	"updated_by" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "guardrail_policies_scope_subject_idx" ON "guardrail_policies" USING btree ("scope","subject");