-- Budget holds and rate-limit windows on the request path (src/core/policy/sql.ts calls these).
-- Functions because PL/pgSQL caches their plans per connection: the same work as one big CTE
-- statement without planning it on every request (which dominated its cost, on PGlite above all).
-- Lock order everywhere: budget_holds row -> rate_limits rows (by id) -> budgets rows (by id).
-- A row read with FOR UPDATE is the latest committed version (READ COMMITTED re-reads it once the
-- lock is granted), and each later statement of a VOLATILE function takes a fresh snapshot, so
-- every check sees all holds committed before it got its locks.

CREATE OR REPLACE FUNCTION sb_policy_next_reset(p_period text, p_tz text, p_resets timestamptz) RETURNS timestamptz
LANGUAGE sql STABLE AS $$
  SELECT CASE
    WHEN p_resets IS NULL OR p_resets > now() THEN p_resets
    WHEN p_period = 'DAY' THEN (date_trunc('day', now() AT TIME ZONE p_tz) + interval '1 day') AT TIME ZONE p_tz
    WHEN p_period = 'MONTH' THEN (date_trunc('month', now() AT TIME ZONE p_tz) + interval '1 month') AT TIME ZONE p_tz
  END
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION sb_policy_admit(
  p_budget_ids text[], p_limit_ids text[], p_slot bigint, p_tokens bigint,
  p_min bigint, p_desired bigint, p_hold text, p_instance text, p_ttl_ms bigint, p_apply boolean
) RETURNS TABLE (ok boolean, would boolean, lim_ok boolean, granted bigint, budgets json, limits json)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  v_lim_ok boolean := true;
  v_limits json;
  v_granted bigint := p_desired;
  v_budgets json;
  v_would boolean;
BEGIN
  -- Each read locks the rows it reads (when applying): limits first, then budgets, each in id order.
  IF cardinality(p_limit_ids) > 0 THEN
    IF p_apply THEN
      SELECT coalesce(bool_and(w.fits), true), json_agg(w.state) INTO v_lim_ok, v_limits
      FROM (
        SELECT (l.requests_per_minute IS NULL OR u.reqs + 1 <= l.requests_per_minute)
               AND (l.tokens_per_minute IS NULL OR u.toks + p_tokens <= l.tokens_per_minute) AS fits,
               json_build_object('id', l.id, 'rpm', l.requests_per_minute, 'tpm', l.tokens_per_minute,
                                 'slots', l.win_slots, 'reqs', l.win_requests, 'toks', l.win_tokens) AS state
        FROM (SELECT * FROM rate_limits WHERE id = ANY(p_limit_ids) ORDER BY id FOR UPDATE) l
        CROSS JOIN LATERAL (
          SELECT coalesce(sum(x.r), 0) AS reqs, coalesce(sum(x.t), 0) AS toks
          FROM unnest(l.win_slots, l.win_requests, l.win_tokens) AS x(s, r, t) WHERE x.s > p_slot - 60
        ) u
      ) w;
    ELSE
      SELECT coalesce(bool_and(w.fits), true), json_agg(w.state) INTO v_lim_ok, v_limits
      FROM (
        SELECT (l.requests_per_minute IS NULL OR u.reqs + 1 <= l.requests_per_minute)
               AND (l.tokens_per_minute IS NULL OR u.toks + p_tokens <= l.tokens_per_minute) AS fits,
               json_build_object('id', l.id, 'rpm', l.requests_per_minute, 'tpm', l.tokens_per_minute,
                                 'slots', l.win_slots, 'reqs', l.win_requests, 'toks', l.win_tokens) AS state
        FROM rate_limits l
        CROSS JOIN LATERAL (
          SELECT coalesce(sum(x.r), 0) AS reqs, coalesce(sum(x.t), 0) AS toks
          FROM unnest(l.win_slots, l.win_requests, l.win_tokens) AS x(s, r, t) WHERE x.s > p_slot - 60
        ) u
        WHERE l.id = ANY(p_limit_ids)
      ) w;
    END IF;
  END IF;

  IF cardinality(p_budget_ids) > 0 THEN
    IF p_apply THEN
      SELECT least(p_desired, coalesce(min(x.limit_micros - x.spent - x.reserved_micros) FILTER (WHERE x.action = 'BLOCK'), p_desired)),
        json_agg(json_build_object('id', x.id, 'action', x.action, 'limit', x.limit_micros, 'spent', x.spent, 'reserved', x.reserved_micros))
        INTO v_granted, v_budgets
        FROM (
          SELECT b.id, b.action, b.limit_micros, b.reserved_micros,
            CASE WHEN b.resets_at IS NOT NULL AND b.resets_at <= now() THEN 0 ELSE b.spent_micros END AS spent
          FROM budgets b WHERE b.id = ANY(p_budget_ids) ORDER BY b.id FOR UPDATE
        ) x;
    ELSE
      SELECT least(p_desired, coalesce(min(x.limit_micros - x.spent - x.reserved_micros) FILTER (WHERE x.action = 'BLOCK'), p_desired)),
        json_agg(json_build_object('id', x.id, 'action', x.action, 'limit', x.limit_micros, 'spent', x.spent, 'reserved', x.reserved_micros))
        INTO v_granted, v_budgets
        FROM (
          SELECT b.id, b.action, b.limit_micros, b.reserved_micros,
            CASE WHEN b.resets_at IS NOT NULL AND b.resets_at <= now() THEN 0 ELSE b.spent_micros END AS spent
          FROM budgets b WHERE b.id = ANY(p_budget_ids)
        ) x;
    END IF;
    v_granted := coalesce(v_granted, p_desired);
  END IF;

  v_would := v_lim_ok AND v_granted >= p_min;
  IF v_would AND p_apply THEN
    IF cardinality(p_limit_ids) > 0 THEN
      UPDATE rate_limits l SET (win_slots, win_requests, win_tokens) = (
        SELECT coalesce(array_agg(y.s ORDER BY y.s), '{}'), coalesce(array_agg(y.r ORDER BY y.s), '{}'), coalesce(array_agg(y.t ORDER BY y.s), '{}')
        FROM (
          SELECT x.s, sum(x.r) AS r, sum(x.t) AS t FROM (
            SELECT u.s, u.r, u.t FROM unnest(l.win_slots, l.win_requests, l.win_tokens) AS u(s, r, t) WHERE u.s > p_slot - 60
            UNION ALL SELECT p_slot, 1::bigint, p_tokens
          ) x GROUP BY x.s
        ) y
      )
      WHERE l.id = ANY(p_limit_ids);
    END IF;
    IF cardinality(p_budget_ids) > 0 THEN
      UPDATE budgets b SET
        spent_micros = CASE WHEN b.resets_at IS NOT NULL AND b.resets_at <= now() THEN 0 ELSE b.spent_micros END,
        reserved_micros = b.reserved_micros + v_granted,
        resets_at = sb_policy_next_reset(b.period, b.time_zone, b.resets_at)
      WHERE b.id = ANY(p_budget_ids);
      INSERT INTO budget_holds (id, instance_id, budget_ids, amount_micros, expires_at)
      VALUES (p_hold, p_instance, p_budget_ids, v_granted, now() + p_ttl_ms * interval '1 millisecond');
    END IF;
  END IF;

  RETURN QUERY SELECT v_would AND p_apply, v_would, v_lim_ok, v_granted, v_budgets, v_limits;
END
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION sb_policy_extend(p_hold text, p_min bigint, p_desired bigint, p_ttl_ms bigint)
RETURNS TABLE (ok boolean, held boolean, granted bigint, budgets json)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  v_ids text[];
  v_granted bigint;
  v_budgets json;
BEGIN
  SELECT h.budget_ids INTO v_ids FROM budget_holds h WHERE h.id = p_hold FOR UPDATE;
  IF NOT FOUND THEN
    RETURN QUERY SELECT false, false, 0::bigint, NULL::json;
    RETURN;
  END IF;
  SELECT
    least(p_desired, coalesce(min(x.limit_micros - x.spent - x.reserved_micros) FILTER (WHERE x.action = 'BLOCK'), p_desired)),
    json_agg(json_build_object('id', x.id, 'action', x.action, 'limit', x.limit_micros, 'spent', x.spent, 'reserved', x.reserved_micros))
    INTO v_granted, v_budgets
    FROM (
      SELECT b.id, b.action, b.limit_micros, b.reserved_micros,
        CASE WHEN b.resets_at IS NOT NULL AND b.resets_at <= now() THEN 0 ELSE b.spent_micros END AS spent
      FROM budgets b WHERE b.id = ANY(v_ids) ORDER BY b.id FOR UPDATE
    ) x;
  v_granted := coalesce(v_granted, p_desired);
  IF v_granted >= p_min THEN
    UPDATE budget_holds SET amount_micros = amount_micros + v_granted,
      expires_at = greatest(expires_at, now() + p_ttl_ms * interval '1 millisecond')
    WHERE id = p_hold;
    UPDATE budgets b SET
      spent_micros = CASE WHEN b.resets_at IS NOT NULL AND b.resets_at <= now() THEN 0 ELSE b.spent_micros END,
      reserved_micros = b.reserved_micros + v_granted,
      resets_at = sb_policy_next_reset(b.period, b.time_zone, b.resets_at)
    WHERE b.id = ANY(v_ids);
  END IF;
  RETURN QUERY SELECT v_granted >= p_min, true, v_granted, v_budgets;
END
$$;
