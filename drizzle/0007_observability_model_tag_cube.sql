-- The INSERT at the end (added by hand) fills the new cube from usage_rollup_tag for rows written before it existed.
CREATE TABLE "usage_rollup_model_tag" (
	"grain" text NOT NULL,
	"bucket" timestamp with time zone NOT NULL,
	"model" text NOT NULL,
	"provider" text NOT NULL,
	"status" text NOT NULL,
	"tag" text NOT NULL,
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
	"ttft_hist" bigint[] NOT NULL,
	"itl_hist" bigint[] NOT NULL,
	"latency_hist" bigint[] NOT NULL,
	CONSTRAINT "usage_rollup_model_tag_pk" PRIMARY KEY("grain","bucket","tag","model","provider","status")
);--> statement-breakpoint
INSERT INTO "usage_rollup_model_tag" ("grain", "bucket", "model", "provider", "status", "tag", "requests", "errors", "cancelled", "input_tokens", "output_tokens", "cached_input_tokens", "reasoning_tokens", "cost_micro_usd", "ttft_count", "ttft_sum_ms", "itl_count", "itl_sum_ms", "latency_sum_ms", "ttft_hist", "itl_hist", "latency_hist")
SELECT s."grain", s."bucket", s."model", s."provider", s."status", s."tag", s."requests", s."errors", s."cancelled", s."input_tokens", s."output_tokens", s."cached_input_tokens", s."reasoning_tokens", s."cost_micro_usd", s."ttft_count", s."ttft_sum_ms", s."itl_count", s."itl_sum_ms", s."latency_sum_ms", coalesce((SELECT array_agg((b << 32) | c ORDER BY b) FROM (SELECT x >> 32 AS b, sum(x & 4294967295)::bigint AS c FROM "usage_rollup_tag" t2, unnest(t2."ttft_hist") AS x WHERE t2."grain" = s."grain" AND t2."bucket" = s."bucket" AND t2."model" = s."model" AND t2."provider" = s."provider" AND t2."status" = s."status" AND t2."tag" = s."tag" GROUP BY 1) g), '{}'::bigint[]), coalesce((SELECT array_agg((b << 32) | c ORDER BY b) FROM (SELECT x >> 32 AS b, sum(x & 4294967295)::bigint AS c FROM "usage_rollup_tag" t2, unnest(t2."itl_hist") AS x WHERE t2."grain" = s."grain" AND t2."bucket" = s."bucket" AND t2."model" = s."model" AND t2."provider" = s."provider" AND t2."status" = s."status" AND t2."tag" = s."tag" GROUP BY 1) g), '{}'::bigint[]), coalesce((SELECT array_agg((b << 32) | c ORDER BY b) FROM (SELECT x >> 32 AS b, sum(x & 4294967295)::bigint AS c FROM "usage_rollup_tag" t2, unnest(t2."latency_hist") AS x WHERE t2."grain" = s."grain" AND t2."bucket" = s."bucket" AND t2."model" = s."model" AND t2."provider" = s."provider" AND t2."status" = s."status" AND t2."tag" = s."tag" GROUP BY 1) g), '{}'::bigint[])
FROM (SELECT "grain", "bucket", "model", "provider", "status", "tag", sum("requests") AS "requests", sum("errors") AS "errors", sum("cancelled") AS "cancelled", sum("input_tokens") AS "input_tokens", sum("output_tokens") AS "output_tokens", sum("cached_input_tokens") AS "cached_input_tokens", sum("reasoning_tokens") AS "reasoning_tokens", sum("cost_micro_usd") AS "cost_micro_usd", sum("ttft_count") AS "ttft_count", sum("ttft_sum_ms") AS "ttft_sum_ms", sum("itl_count") AS "itl_count", sum("itl_sum_ms") AS "itl_sum_ms", sum("latency_sum_ms") AS "latency_sum_ms" FROM "usage_rollup_tag" GROUP BY "grain", "bucket", "model", "provider", "status", "tag") s;
