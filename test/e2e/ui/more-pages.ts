import { readFileSync } from "node:fs";
import type { Page } from "playwright-core";
import { expect } from "vitest";
import type { TestApp } from "../../helpers/app.js";
import type { Watch } from "./browser.js";

export interface DriveContext {
  page: Page;
  t: TestApp;
  fields: Set<string>;
  api: <T>(query: string, variables?: Record<string, unknown>, key?: string) => Promise<T>;
  open: (title: string, heading?: string) => Promise<void>;
  shot: (page: Page, name: string) => Promise<void>;
  watch: Watch;
}

const WIDE = () => ({ from: new Date(Date.now() - 48 * 3600_000).toISOString(), to: new Date(Date.now() + 3600_000).toISOString() });

/** The dashboard's dollar format for amounts under a cent (6 decimals, zeros trimmed). */
const usd = (v: number) => (v >= 0.01 ? `$${v.toFixed(2)}` : v === 0 ? "$0.00" : `$${v.toFixed(6).replace(/0+$/, "")}`);

/** Pages whose API the gateway may not serve yet: a clear "not yet" state is all they can show then. */
export async function checkMissing(c: DriveContext, title: string, path: string, needs: string): Promise<boolean> {
  if (c.fields.has(needs)) return false;
  await c.page.goto(path);
  await c.page.getByText("This gateway does not serve this page's API yet").waitFor();
  await c.shot(c.page, `missing-${title.toLowerCase()}`);
  return true;
}

export async function driveOverview(c: DriveContext, expectedRequests: number): Promise<void> {
  if (await checkMissing(c, "Overview", "/ui/", "Query.usage")) return;
  // Usage is written in batches and rolled up: wait until the API counts what the page must show.
  const total = async () => (await c.api<{ usage: { requests: number; costUsd: number }[] }>(`query($from: DateTime!, $to: DateTime!) { usage(from: $from, to: $to) { requests costUsd } }`, WIDE())).usage[0];
  await expect.poll(async () => (await total())?.requests ?? 0, { timeout: 15_000 }).toBeGreaterThanOrEqual(expectedRequests);
  const t = (await total())!;
  await c.open("Overview");
  await c.page.getByRole("button", { name: "Refresh" }).click();
  await expect.poll(() => c.page.getByTestId("kpi-requests").textContent()).toBe(String(t.requests));
  expect(await c.page.getByTestId("kpi-spend").textContent()).toBe(usd(t.costUsd));
  await c.page.locator("canvas").first().waitFor();
  await expect.poll(() => c.page.getByTestId("ticker").textContent()).toContain("local/gpt-4o-mini");
  // Charts name their unit and time zone (the browser's here) for people and screen readers alike.
  await c.page.getByRole("img", { name: /^Spend per hour \(USD per hour; times in Europe\/Berlin\)/ }).waitFor();
  await c.shot(c.page, "08-overview");
}

export async function driveCosts(c: DriveContext): Promise<void> {
  if (await checkMissing(c, "Costs", "/ui/costs", "Query.usage")) return;
  const byModel = await c.api<{ usage: { model: string; costMicroUsd: number; requests: number }[] }>(`query($from: DateTime!, $to: DateTime!) { usage(from: $from, to: $to, groupBy: [MODEL]) { model costMicroUsd requests } }`, WIDE());
  const totalMicro = byModel.usage.reduce((a, b) => a + b.costMicroUsd, 0);
  await c.open("Costs");
  await expect.poll(() => c.page.getByTestId("costs-total").textContent()).toBe(usd(totalMicro / 1e6));
  for (const m of byModel.usage) {
    expect(await c.page.locator(`tr[data-group="${m.model}"] [data-field="cost"]`).textContent()).toBe(usd(m.costMicroUsd / 1e6));
  }
  await c.page.locator("canvas").first().waitFor();
  await c.shot(c.page, "09-costs-by-model");
  await c.page.getByLabel("Group by").selectOption("USER");
  await c.page.locator('tr[data-group="admin"]').waitFor();
  const [download] = await Promise.all([c.page.waitForEvent("download"), c.page.getByRole("button", { name: "Export CSV" }).click()]);
  const csv = readFileSync(await download.path(), "utf8").trim().split("\r\n");
  expect(csv[0]).toBe("hour_start_utc,user,requests,errors,input_tokens,output_tokens,cost_usd");
  const csvMicro = csv.slice(1).reduce((a, line) => a + Math.round(Number(line.split(",").at(-1)) * 1e6), 0);
  expect(csvMicro).toBe(totalMicro);
  await c.shot(c.page, "10-costs-by-user");
}

export async function driveBudgets(c: DriveContext, completeAsAdmin: () => Promise<void>): Promise<void> {
  if (await checkMissing(c, "Budgets", "/ui/budgets", "Query.budgets")) return;
  await c.open("Budgets");
  await c.page.getByText("No alerts since you opened this page.").waitFor();

  await c.page.getByRole("button", { name: "New budget" }).click();
  let dialog = c.page.getByRole("dialog", { name: "New budget" });
  await dialog.getByLabel("Applies to").selectOption("TEAM");
  await dialog.getByLabel("Subject").fill("payments");
  await dialog.getByLabel(/^Period/).selectOption("MONTH");
  await dialog.getByLabel("Limit (USD)").fill("5");
  await dialog.getByRole("button", { name: "Save budget" }).click();
  const list = async () => (await c.api<{ budgets: { id: string; scope: string; subject: string | null; limitUsd: number; period: string }[] }>(`{ budgets { id scope subject limitUsd period } }`)).budgets;
  await expect.poll(async () => (await list()).find((b) => b.subject === "payments")?.limitUsd).toBe(5);
  const team = (await list()).find((b) => b.subject === "payments")!;
  const row = c.page.locator(`tr[data-budget-id="${team.id}"]`);
  await expect.poll(() => row.locator('[data-field="limit"]').textContent()).toBe("$5.00");

  await row.getByRole("button", { name: /^Edit budget/ }).click();
  dialog = c.page.getByRole("dialog", { name: "Edit budget" });
  await dialog.getByLabel("Limit (USD)").fill("7.5");
  await dialog.getByRole("button", { name: "Save budget" }).click();
  await expect.poll(async () => (await list()).find((b) => b.id === team.id)?.limitUsd).toBe(7.5);
  await expect.poll(() => row.locator('[data-field="limit"]').textContent()).toBe("$7.50");

  // A global alert-only budget far below one request's cost: the next request crosses every threshold.
  await c.page.getByRole("button", { name: "New budget" }).click();
  dialog = c.page.getByRole("dialog", { name: "New budget" });
  await dialog.getByLabel("Applies to").selectOption("GLOBAL");
  await dialog.getByLabel(/^Period/).selectOption("DAY");
  await dialog.getByLabel("Limit (USD)").fill("0.001");
  await dialog.getByLabel("At the limit").selectOption("ALERT_ONLY");
  await dialog.getByRole("button", { name: "Save budget" }).click();
  await expect.poll(async () => (await list()).some((b) => b.scope === "GLOBAL")).toBe(true);
  await completeAsAdmin();
  await expect.poll(() => c.page.getByTestId("alert-feed").textContent(), { timeout: 15_000 }).toContain("Global");

  await c.page.getByRole("button", { name: "New rate limit" }).click();
  dialog = c.page.getByRole("dialog", { name: "New rate limit" });
  await dialog.getByLabel("Applies to").selectOption("USER");
  await dialog.getByLabel("Subject").fill("alice");
  await dialog.getByLabel("Requests per minute").fill("60");
  await dialog.getByRole("button", { name: "Save rate limit" }).click();
  await expect
    .poll(async () => (await c.api<{ rateLimits: { subject: string; requestsPerMinute: number }[] }>(`{ rateLimits { subject requestsPerMinute } }`)).rateLimits)
    .toContainEqual({ subject: "alice", requestsPerMinute: 60 });
  await c.page.getByTestId("ratelimits-table").getByText("user alice").waitFor();
  await c.shot(c.page, "11-budgets");

  await row.getByRole("button", { name: /^Delete budget/ }).click();
  await c.page.getByRole("dialog", { name: "Delete?" }).getByRole("button", { name: "Delete" }).click();
  await expect.poll(async () => (await list()).some((b) => b.id === team.id)).toBe(false);
  await row.waitFor({ state: "detached" });
}

export async function driveRouting(c: DriveContext): Promise<void> {
  if (await checkMissing(c, "Routing", "/ui/routing", "Query.routingRules")) return;
  await c.open("Routing");
  const rules = async () => (await c.api<{ routingRules: { id: string; name: string; priority: number; enabled: boolean; targets: { model: string }[] }[] }>(`{ routingRules { id name priority enabled targets { model } } }`)).routingRules;

  // The API's validation message shows in the form, which stays open to fix it.
  await c.page.getByRole("button", { name: "New rule" }).click();
  let dialog = c.page.getByRole("dialog", { name: "New routing rule" });
  await dialog.getByLabel("Name", { exact: true }).fill("broken");
  await dialog.getByLabel("Target 1", { exact: true }).fill("nope/unknown-model");
  await dialog.getByRole("button", { name: "Save rule" }).click();
  const problem = dialog.locator('[data-code="BAD_USER_INPUT"]');
  await expect.poll(() => problem.textContent()).toContain("nope/unknown-model");
  await c.shot(c.page, "12-routing-validation");
  await dialog.getByLabel("Name", { exact: true }).fill("code to 4o");
  await dialog.getByLabel("Target 1", { exact: true }).fill("local/gpt-4o");
  await dialog.getByRole("checkbox", { name: "code" }).check();
  await dialog.getByRole("button", { name: "Save rule" }).click();
  await expect.poll(async () => (await rules()).map((r) => r.name)).toEqual(["code to 4o"]);
  const rule = (await rules())[0]!;
  await c.page.locator('tr[data-rule-name="code to 4o"]').waitFor();

  await c.page.getByRole("button", { name: "Edit rule code to 4o" }).click();
  dialog = c.page.getByRole("dialog", { name: "Edit rule code to 4o" });
  await dialog.getByLabel("Priority").fill("5");
  await dialog.getByRole("button", { name: "Save rule" }).click();
  await expect.poll(async () => (await rules())[0]?.priority).toBe(5);

  const form = c.page.getByRole("form", { name: "Explain a route" });
  await form.getByLabel("Requested model or router name").fill("local/gpt-4o-mini");
  const prompt = "def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\n";
  await form.getByLabel("Prompt").fill(prompt);
  await form.getByRole("button", { name: "Explain" }).click();
  const api = await c.api<{ explainRoute: { requestKind: string; rule: { name: string } | null; candidates: { model: string; kept: boolean }[] } }>(
    `query($input: CompletionInput!) { explainRoute(input: $input) { requestKind rule { name } candidates { model kept } } }`,
    { input: { model: "local/gpt-4o-mini", messages: [{ role: "USER", content: prompt }] } },
  );
  await expect.poll(() => c.page.getByTestId("explain-kind").textContent()).toBe(api.explainRoute.requestKind);
  expect(await c.page.getByTestId("explain-rule").textContent()).toContain(api.explainRoute.rule?.name ?? "no rule matched");
  await c.shot(c.page, "13-routing");

  await c.page.getByRole("switch", { name: "Rule code to 4o enabled" }).uncheck();
  await expect.poll(async () => (await rules()).find((r) => r.id === rule.id)?.enabled).toBe(false);
  await c.page.getByRole("button", { name: "Delete rule code to 4o" }).click();
  await c.page.getByRole("dialog", { name: "Delete?" }).getByRole("button", { name: "Delete" }).click();
  await expect.poll(async () => (await rules()).length).toBe(0);
}

export async function driveRequests(c: DriveContext, expectedTotal: number): Promise<void> {
  if (await checkMissing(c, "Requests", "/ui/requests", "Query.requests")) return;
  type Page1 = { requests: { nodes: { id: string; model: string | null; status: string }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } };
  // Records are written in batches: wait until the log holds every request made so far.
  await expect.poll(async () => (await c.api<Page1>(`{ requests(first: 200) { nodes { id } pageInfo { hasNextPage } } }`)).requests.nodes.length, { timeout: 15_000 }).toBe(expectedTotal);
  const page1 = await c.api<Page1>(`{ requests(first: 25) { nodes { id model status } pageInfo { hasNextPage endCursor } } }`);
  await c.open("Requests");
  const rows = c.page.locator("[data-testid=requests-table] tbody tr");
  await expect.poll(() => rows.count()).toBe(page1.requests.nodes.length);
  expect(await rows.first().getAttribute("data-request-id")).toBe(page1.requests.nodes[0]!.id);
  await c.shot(c.page, "14-requests");

  if (page1.requests.pageInfo.hasNextPage) {
    const page2 = await c.api<Page1>(`query($after: String) { requests(first: 25, after: $after) { nodes { id } pageInfo { hasNextPage endCursor } } }`, { after: page1.requests.pageInfo.endCursor });
    await c.page.getByRole("button", { name: "Older →" }).click();
    await expect.poll(() => rows.first().getAttribute("data-request-id")).toBe(page2.requests.nodes[0]!.id);
    await c.page.getByRole("button", { name: "← Newer" }).click();
    await expect.poll(() => rows.first().getAttribute("data-request-id")).toBe(page1.requests.nodes[0]!.id);
  }

  await c.page.getByLabel("Models").fill("local/gpt-4o");
  await c.page.getByRole("button", { name: "Apply filters" }).click();
  const filtered = await c.api<Page1>(`{ requests(first: 25, filter: { models: ["local/gpt-4o"] }) { nodes { id model status } pageInfo { hasNextPage endCursor } } }`);
  if (filtered.requests.nodes.length === 0) await c.page.getByText("No request matches these filters").waitFor();
  else await expect.poll(() => rows.first().getAttribute("data-request-id")).toBe(filtered.requests.nodes[0]!.id);
  await c.page.getByRole("button", { name: "Clear filters" }).click();
  await expect.poll(() => rows.count()).toBe(page1.requests.nodes.length);

  const first = page1.requests.nodes[0]!;
  await rows.first().getByRole("button", { name: /^Details of request/ }).click();
  const drawer = c.page.getByRole("dialog", { name: "Request details" });
  await expect.poll(() => drawer.getByTestId("request-details").textContent()).toContain(first.id);
  await c.shot(c.page, "15-request-drawer");
  await drawer.getByRole("button", { name: "Close" }).click();
}
