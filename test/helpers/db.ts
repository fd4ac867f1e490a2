import { sql } from "drizzle-orm";
import type { TestApp } from "./app.js";

export interface UsageRow {
  id: string;
  key_id: string | null;
  user_id: string | null;
  team_id: string | null;
  transport: string;
  stream: boolean;
  model_requested: string;
  model_served: string | null;
  provider: string | null;
  input_tokens: number;
  output_tokens: number;
  cached_input_tokens: number;
  tokens_estimated: boolean;
  cost_micro_usd: string | number;
  ttft_ms: number | null;
  itl_ms: number | null;
  latency_ms: number;
  status: string;
  error_code: string | null;
  error_message: string | null;
  finish_reason: string | null;
  tags: string[];
  attempts: unknown;
}

/** Usage rows as stored, after the batch writer flushed. */
export async function usageRows(t: TestApp, where = sql`true`): Promise<UsageRow[]> {
  await t.app.services.usage.flush();
  return t.app.services.db.rows<UsageRow>(sql`select * from usage_records where ${where} order by created_at`);
}
