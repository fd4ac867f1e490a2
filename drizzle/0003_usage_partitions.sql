-- Written by hand (drizzle-kit does not generate partitioned tables).
-- On PostgreSQL, usage_records and request_bodies become tables partitioned by day on created_at, so
-- retention drops whole days (DETACH PARTITION … CONCURRENTLY, then DROP) instead of deleting rows.
-- Daily partitions are created ahead of time by the app (core/observability/retention.ts); there is
-- deliberately no DEFAULT partition, since it would forbid DETACH … CONCURRENTLY. Rows that existed
-- before this migration move to one "legacy" partition ending tomorrow (UTC), pruned by batched deletes.
-- The primary keys become (id, created_at), as a partitioned table's unique keys must hold the partition key.
-- PGlite keeps the plain tables: its retention uses batched deletes.
DO $$
DECLARE
  tomorrow timestamptz := (date_trunc('day', now() AT TIME ZONE 'UTC') + interval '1 day') AT TIME ZONE 'UTC';
BEGIN
  IF position('PGlite' in version()) > 0 THEN
    RETURN;
  END IF;

  ALTER TABLE usage_records RENAME TO usage_records_unpartitioned;
  ALTER TABLE usage_records_unpartitioned RENAME CONSTRAINT usage_records_pkey TO usage_records_unpartitioned_pkey;
  ALTER INDEX usage_created_idx RENAME TO usage_created_idx_unpartitioned;
  ALTER INDEX usage_key_created_idx RENAME TO usage_key_created_idx_unpartitioned;
  ALTER INDEX usage_user_created_idx RENAME TO usage_user_created_idx_unpartitioned;
  CREATE TABLE usage_records (LIKE usage_records_unpartitioned INCLUDING DEFAULTS) PARTITION BY RANGE (created_at);
  ALTER TABLE usage_records ADD CONSTRAINT usage_records_pkey PRIMARY KEY (id, created_at);
  CREATE INDEX usage_created_idx ON usage_records USING btree (created_at);
  CREATE INDEX usage_key_created_idx ON usage_records USING btree (key_id, created_at);
  CREATE INDEX usage_user_created_idx ON usage_records USING btree (user_id, created_at);
  IF EXISTS (SELECT 1 FROM usage_records_unpartitioned) THEN
    EXECUTE format('CREATE TABLE usage_records_legacy PARTITION OF usage_records FOR VALUES FROM (MINVALUE) TO (%L)', tomorrow);
    INSERT INTO usage_records SELECT * FROM usage_records_unpartitioned;
  END IF;
  DROP TABLE usage_records_unpartitioned;

  ALTER TABLE request_bodies RENAME TO request_bodies_unpartitioned;
  ALTER TABLE request_bodies_unpartitioned RENAME CONSTRAINT request_bodies_pkey TO request_bodies_unpartitioned_pkey;
  ALTER INDEX request_bodies_created_idx RENAME TO request_bodies_created_idx_unpartitioned;
  CREATE TABLE request_bodies (LIKE request_bodies_unpartitioned INCLUDING DEFAULTS) PARTITION BY RANGE (created_at);
  ALTER TABLE request_bodies ADD CONSTRAINT request_bodies_pkey PRIMARY KEY (id, created_at);
  CREATE INDEX request_bodies_created_idx ON request_bodies USING btree (created_at);
  IF EXISTS (SELECT 1 FROM request_bodies_unpartitioned) THEN
    EXECUTE format('CREATE TABLE request_bodies_legacy PARTITION OF request_bodies FOR VALUES FROM (MINVALUE) TO (%L)', tomorrow);
    INSERT INTO request_bodies SELECT * FROM request_bodies_unpartitioned;
  END IF;
  DROP TABLE request_bodies_unpartitioned;
END $$;
