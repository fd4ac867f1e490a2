-- Histograms become sparse: one bigint per non-empty bucket, (bucket << 32) | count. The UPDATEs below
-- (added by hand) convert rows written in the dense layout of 0002.
ALTER TABLE "usage_rollup_model" ALTER COLUMN "ttft_hist" SET DATA TYPE bigint[];--> statement-breakpoint
ALTER TABLE "usage_rollup_model" ALTER COLUMN "itl_hist" SET DATA TYPE bigint[];--> statement-breakpoint
ALTER TABLE "usage_rollup_model" ALTER COLUMN "latency_hist" SET DATA TYPE bigint[];--> statement-breakpoint
ALTER TABLE "usage_rollup_principal" ALTER COLUMN "ttft_hist" SET DATA TYPE bigint[];--> statement-breakpoint
ALTER TABLE "usage_rollup_principal" ALTER COLUMN "itl_hist" SET DATA TYPE bigint[];--> statement-breakpoint
ALTER TABLE "usage_rollup_principal" ALTER COLUMN "latency_hist" SET DATA TYPE bigint[];--> statement-breakpoint
ALTER TABLE "usage_rollup_tag" ALTER COLUMN "ttft_hist" SET DATA TYPE bigint[];--> statement-breakpoint
ALTER TABLE "usage_rollup_tag" ALTER COLUMN "itl_hist" SET DATA TYPE bigint[];--> statement-breakpoint
ALTER TABLE "usage_rollup_tag" ALTER COLUMN "latency_hist" SET DATA TYPE bigint[];--> statement-breakpoint
UPDATE "usage_rollup_model" SET "ttft_hist" = (SELECT coalesce(array_agg(((n - 1) << 32) | c order by n), '{}'::bigint[]) FROM unnest("ttft_hist") WITH ORDINALITY AS u(c, n) WHERE c > 0), "itl_hist" = (SELECT coalesce(array_agg(((n - 1) << 32) | c order by n), '{}'::bigint[]) FROM unnest("itl_hist") WITH ORDINALITY AS u(c, n) WHERE c > 0), "latency_hist" = (SELECT coalesce(array_agg(((n - 1) << 32) | c order by n), '{}'::bigint[]) FROM unnest("latency_hist") WITH ORDINALITY AS u(c, n) WHERE c > 0);--> statement-breakpoint
UPDATE "usage_rollup_principal" SET "ttft_hist" = (SELECT coalesce(array_agg(((n - 1) << 32) | c order by n), '{}'::bigint[]) FROM unnest("ttft_hist") WITH ORDINALITY AS u(c, n) WHERE c > 0), "itl_hist" = (SELECT coalesce(array_agg(((n - 1) << 32) | c order by n), '{}'::bigint[]) FROM unnest("itl_hist") WITH ORDINALITY AS u(c, n) WHERE c > 0), "latency_hist" = (SELECT coalesce(array_agg(((n - 1) << 32) | c order by n), '{}'::bigint[]) FROM unnest("latency_hist") WITH ORDINALITY AS u(c, n) WHERE c > 0);--> statement-breakpoint
UPDATE "usage_rollup_tag" SET "ttft_hist" = (SELECT coalesce(array_agg(((n - 1) << 32) | c order by n), '{}'::bigint[]) FROM unnest("ttft_hist") WITH ORDINALITY AS u(c, n) WHERE c > 0), "itl_hist" = (SELECT coalesce(array_agg(((n - 1) << 32) | c order by n), '{}'::bigint[]) FROM unnest("itl_hist") WITH ORDINALITY AS u(c, n) WHERE c > 0), "latency_hist" = (SELECT coalesce(array_agg(((n - 1) << 32) | c order by n), '{}'::bigint[]) FROM unnest("latency_hist") WITH ORDINALITY AS u(c, n) WHERE c > 0);
