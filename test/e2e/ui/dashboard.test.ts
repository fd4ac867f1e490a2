import { writeFileSync } from "node:fs";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { buildUi } from "../../../scripts/ui-build.js";
import { startFakeOpenAI, type FakeOpenAI } from "../../fakes/openai.js";
import { gql, startTestApp, type TestApp } from "../../helpers/app.js";
import { SCREENSHOTS, Watch, countJs, hasChromium, launch, newContext, shot, unlabelledControls } from "./browser.js";
import { driveBudgets, driveCosts, driveOverview, driveRequests, driveRouting, type DriveContext } from "./more-pages.js";

const UPSTREAM_KEY = "sk-upstream-ui-0123456789abcdef";
const MODEL = "local/gpt-4o-mini";
const ANSWER = "Streaming works: one token after another reaches the dashboard.";

function config(url: string) {
  return {
    providers: { local: { kind: "openai-compatible", baseUrl: url, apiKey: UPSTREAM_KEY, models: ["gpt-4o-mini", "gpt-4o"] } },
    models: [
      { id: MODEL, inputPricePerMTok: 0.15, outputPricePerMTok: 0.6, contextWindow: 128000, maxOutputTokens: 16384, capabilities: ["chat", "streaming", "tools"] },
      { id: "local/gpt-4o", inputPricePerMTok: 2.5, outputPricePerMTok: 10, contextWindow: 128000, maxOutputTokens: 16384, capabilities: ["chat", "streaming", "tools", "vision"] },
    ],
    aliases: { fast: MODEL },
  };
}

if (!hasChromium()) {
  console.warn("[ui e2e] SKIPPED: /usr/bin/chromium is absent. Install it with `apt-get update && apt-get install -y chromium` (.ci/run does).");
}

describe.skipIf(!hasChromium())("dashboard in headless Chromium", { timeout: 90_000 }, () => {
  let fake: FakeOpenAI;
  let t: TestApp;
  let browser: Browser;
  let ctx: BrowserContext;
  let page: Page;
  let watch: Watch;
  let fields: Set<string>;
  const timings: Record<string, number> = {};
  let firstLoadJs = 0;
  let memberSecret = "";
  /** Completions made so far (each leaves one request-log record). */
  let made = 0;

  const api = async <T>(query: string, variables?: Record<string, unknown>, key = t.adminKey): Promise<T> => {
    const r = await gql<T>(t, key, query, variables);
    expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
    return r.data!;
  };

  /** Client-side navigation by the sidebar link, timed until the page's heading shows. */
  async function open(title: string, heading = title): Promise<void> {
    const t0 = performance.now();
    await page.getByRole("navigation", { name: "Pages", exact: true }).getByRole("link", { name: title, exact: true }).click();
    await page.getByRole("heading", { level: 1, name: heading }).waitFor();
    await page.locator(".loading").first().waitFor({ state: "detached", timeout: 15_000 }).catch(() => undefined);
    timings[title] = Math.round(performance.now() - t0);
    expect(await unlabelledControls(page), `unlabelled controls on ${title}`).toEqual([]);
  }

  beforeAll(async () => {
    buildUi({ ifStale: true });
    fake = await startFakeOpenAI({ apiKey: UPSTREAM_KEY, models: ["gpt-4o-mini", "gpt-4o"], scenario: { content: ANSWER, itlMs: 15, usage: { promptTokens: 1000, completionTokens: 2000 } } });
    t = await startTestApp({ file: config(fake.url) });
    const intro = await api<{ q: { fields: { name: string }[] }; m: { fields: { name: string }[] }; s: { fields: { name: string }[] } }>(
      `{ q: __type(name: "Query") { fields { name } } m: __type(name: "Mutation") { fields { name } } s: __type(name: "Subscription") { fields { name } } }`,
    );
    fields = new Set([...intro.q.fields.map((f) => `Query.${f.name}`), ...intro.m.fields.map((f) => `Mutation.${f.name}`), ...intro.s.fields.map((f) => `Subscription.${f.name}`)]);
    browser = await launch();
    ctx = await newContext(browser, t.url);
    page = await ctx.newPage();
    // Fail on the locator that did not show up, well before the test's own timeout.
    page.setDefaultTimeout(15_000);
    watch = new Watch(page);
  }, 180_000);

  // A failed step can leave a modal open; close it so the next test starts from the page itself.
  afterEach(async () => {
    for (let i = 0; i < 3 && page && (await page.locator("dialog[open]").count()) > 0; i++) await page.keyboard.press("Escape");
  });

  afterAll(async () => {
    await ctx?.close();
    await browser?.close();
    await t?.close();
    await fake?.close();
    if (Object.keys(timings).length) {
      writeFileSync(`${SCREENSHOTS}timings.json`, JSON.stringify({ firstLoadJsGzipBytes: firstLoadJs, pageMs: timings }, null, 2) + "\n");
      console.info(`[ui e2e] first load: ${(firstLoadJs / 1024).toFixed(1)} KB gzipped JS; page times (ms): ${JSON.stringify(timings)}`);
    }
  }, 60_000);

  it("serves hashed assets for a year, index.html revalidated, client routes as index.html", async () => {
    const index = await fetch(`${t.url}/ui/budgets`);
    expect(index.status).toBe(200);
    expect(index.headers.get("cache-control")).toBe("no-cache");
    const html = await index.text();
    const asset = /src="(\/ui\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(asset).toBeTruthy();
    const js = await fetch(`${t.url}${asset}`);
    expect(js.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(js.headers.get("content-type")).toMatch(/javascript/);
    expect((await fetch(`${t.url}/ui/assets/missing-123.js`)).status).toBe(404);
    expect((await fetch(`${t.url}/ui`, { redirect: "manual" })).headers.get("location")).toBe("/ui/");
    const etag = index.headers.get("etag")!;
    expect((await fetch(`${t.url}/ui/`, { headers: { "if-none-match": etag } })).status).toBe(304);
  });

  it("signs in by pasting a key, refusing a wrong one with a message that says what to do", async () => {
    const js = countJs(page);
    const t0 = performance.now();
    await page.goto("/ui/");
    await page.getByLabel("API key").waitFor();
    timings["sign-in (cold load)"] = Math.round(performance.now() - t0);
    await shot(page, "01-sign-in");
    await page.getByLabel("API key").fill("sb-this-is-not-a-key");
    await watch.expecting(
      (p) => (p.kind === "http" && p.text.startsWith("401 POST")) || (p.kind === "console" && p.text.includes("status of 401")),
      async () => {
        await page.getByRole("button", { name: "Sign in" }).click();
        await expect.poll(() => page.getByRole("alert").textContent()).toContain("did not accept this key");
      },
    );
    await shot(page, "02-sign-in-refused");
    await page.getByLabel("API key").fill(t.adminKey);
    const t1 = performance.now();
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("navigation", { name: "Pages", exact: true }).waitFor();
    await page.getByRole("heading", { level: 1 }).first().waitFor();
    timings["signed in → first page"] = Math.round(performance.now() - t1);
    expect(await page.getByTestId("whoami-role").textContent()).toBe("ADMIN");
    expect(await page.evaluate('sessionStorage.getItem("switchboard.apiKey")')).toBe(t.adminKey);
    firstLoadJs = js.bytes;
    expect(firstLoadJs).toBeGreaterThan(0);
    expect(firstLoadJs).toBeLessThan(300 * 1024);
    expect(watch.take()).toEqual([]);
  });

  it("Keys: creates a key whose secret is shown once and copied, and revokes another", async () => {
    await open("Keys");
    await page.getByRole("button", { name: "New key" }).click();
    const dialog = page.getByRole("dialog", { name: "New API key" });
    await dialog.getByLabel("Name").fill("e2e-member");
    await dialog.getByLabel("Role").selectOption("MEMBER");
    await dialog.getByLabel("Owner user").fill("alice");
    await dialog.getByLabel("Team").fill("payments");
    await dialog.getByRole("button", { name: "Create key" }).click();
    const secretBox = page.getByTestId("new-key-secret");
    await secretBox.waitFor();
    memberSecret = await secretBox.inputValue();
    expect(memberSecret).toMatch(/^sb-/);
    await shot(page, "03-keys-secret-once");
    await page.getByRole("button", { name: "Copy secret" }).click();
    expect(await page.evaluate("navigator.clipboard.readText()")).toBe(memberSecret);
    await page.getByRole("button", { name: "Done" }).click();
    const me = await api<{ me: { userId: string; teamId: string; role: string } }>(`{ me { userId teamId role } }`, undefined, memberSecret);
    expect(me.me).toEqual({ userId: "alice", teamId: "payments", role: "MEMBER" });

    const keys = await api<{ apiKeys: { id: string; name: string; prefix: string }[] }>(`{ apiKeys { id name prefix } }`);
    const created = keys.apiKeys.find((k) => k.name === "e2e-member")!;
    const row = page.locator(`tr[data-key-id="${created.id}"]`);
    await expect.poll(() => row.textContent()).toContain("alice");
    expect(await row.textContent()).toContain(created.prefix);

    // a second key, revoked through the page
    const temp = await api<{ createApiKey: { key: { id: string } } }>(`mutation { createApiKey(input: { name: "e2e-temp", userId: "bob" }) { key { id } } }`);
    await page.getByLabel("Show revoked keys").check();
    const tempRow = page.locator(`tr[data-key-id="${temp.createApiKey.key.id}"]`);
    await tempRow.getByRole("button", { name: "Revoke key e2e-temp" }).click();
    await page.getByRole("dialog", { name: "Revoke?" }).getByRole("button", { name: "Revoke" }).click();
    await expect.poll(() => tempRow.textContent()).toContain("revoked");
    const after = await api<{ apiKeys: { id: string; revokedAt: string | null }[] }>(`{ apiKeys(includeRevoked: true) { id revokedAt } }`);
    expect(after.apiKeys.find((k) => k.id === temp.createApiKey.key.id)?.revokedAt).toBeTruthy();
    await shot(page, "04-keys");
    expect(watch.take()).toEqual([]);
  });

  it("Models: shows the catalogue as the API has it, edits a price, toggles a model and sets an alias", async () => {
    await open("Models");
    const row = page.locator(`tr[data-model-id="${MODEL}"]`);
    await expect.poll(() => row.locator('[data-field="input-price"]').textContent()).toBe("$0.15");
    await shot(page, "05-models");
    await row.getByRole("button", { name: `Edit ${MODEL}` }).click();
    const dialog = page.getByRole("dialog", { name: `Edit ${MODEL}` });
    await dialog.getByLabel("Input price ($/MTok)", { exact: true }).fill("0.25");
    await shot(page, "06-models-edit");
    await dialog.getByRole("button", { name: "Save" }).click();
    await expect.poll(() => row.locator('[data-field="input-price"]').textContent()).toBe("$0.25");
    const m = await api<{ model: { inputPricePerMTok: number; outputPricePerMTok: number } }>(`{ model(id: "${MODEL}") { inputPricePerMTok outputPricePerMTok } }`);
    expect(m.model).toEqual({ inputPricePerMTok: 0.25, outputPricePerMTok: 0.6 });

    const other = page.locator('tr[data-model-id="local/gpt-4o"]');
    await other.getByRole("switch", { name: "local/gpt-4o enabled" }).uncheck();
    await expect.poll(async () => (await api<{ model: { enabled: boolean } }>(`{ model(id: "local/gpt-4o") { enabled } }`)).model.enabled).toBe(false);
    await other.getByRole("switch", { name: "local/gpt-4o enabled" }).check();
    await expect.poll(async () => (await api<{ model: { enabled: boolean } }>(`{ model(id: "local/gpt-4o") { enabled } }`)).model.enabled).toBe(true);

    const aliasForm = page.getByRole("form", { name: "Add or change an alias" });
    await aliasForm.getByLabel("Alias").fill("smart");
    await aliasForm.getByLabel("Model").selectOption("local/gpt-4o");
    await aliasForm.getByRole("button", { name: "Set alias" }).click();
    await expect.poll(async () => (await api<{ aliases: { name: string; target: string }[] }>(`{ aliases { name target } }`)).aliases).toContainEqual({ name: "smart", target: "local/gpt-4o" });
    await page.getByRole("cell", { name: "smart", exact: true }).waitFor();
    expect(watch.take()).toEqual([]);
  });

  it("Playground: streams tokens over the subscription with live TTFT/ITL, then cost and guardrails", async () => {
    await open("Playground");
    await page.getByLabel("Model or router name").fill(MODEL);
    await page.getByRole("textbox", { name: /^Prompt/ }).fill("Say something about streams.");
    await page.getByRole("button", { name: "Send" }).click();
    await page.getByTestId("pg-done").waitFor({ timeout: 20_000 });
    made++;
    expect(await page.getByTestId("pg-output").textContent()).toBe(ANSWER);
    // 1000 input tokens at the edited $0.25/MTok + 2000 output tokens at $0.60/MTok
    expect(await page.getByTestId("pg-cost").textContent()).toBe("$0.00145");
    expect(await page.getByTestId("pg-guardrails").textContent()).toMatch(/redaction/);
    const live = await page.getByLabel("Live timings (measured in this browser)").textContent();
    expect(live).toMatch(/TTFT \(live\)\d/);
    await shot(page, "07-playground");
    expect(fake.requests.at(-1)?.body?.["stream"]).toBe(true);

    if (fields.has("Query.inspect")) {
      const text = "Write to jane.doe@example.com about the invoice.";
      await page.getByRole("textbox", { name: /^Prompt/ }).fill(text);
      await page.getByRole("button", { name: "Check guardrails" }).click();
      const report = await api<{ inspect: { findings: { type: string }[]; redacted: string } }>(`query($text: String!) { inspect(text: $text) { findings { type } redacted } }`, { text });
      const dialog = page.getByRole("dialog", { name: "Guardrail check" });
      await expect.poll(() => dialog.getByTestId("inspect-result").textContent()).toContain(report.inspect.redacted);
      for (const f of report.inspect.findings) expect(await dialog.textContent()).toContain(f.type);
      await shot(page, "07b-playground-guardrails");
      await dialog.getByRole("button", { name: "Close" }).click();
    }
    expect(watch.take()).toEqual([]);
  });

  const drive = (): DriveContext => ({ page, t, fields, api, open, shot, watch });
  const completeAsAdmin = async () => {
    made++;
    await api(`mutation { complete(input: { model: "${MODEL}", messages: [{ role: USER, content: "one more" }], tags: ["e2e"] }) { id } }`);
  };

  it("Overview: KPIs, charts and the live ticker match the usage API", async () => {
    await driveOverview(drive(), 1);
    // The ticker is live: a request made while the page is open shows up without a refresh.
    made++;
    const { complete } = await api<{ complete: { id: string } }>(`mutation { complete(input: { model: "${MODEL}", messages: [{ role: USER, content: "live ticker" }], tags: ["e2e"] }) { id } }`);
    await page.getByTestId("ticker").locator(`tr[data-id="${complete.id}"]`).waitFor();
    expect(watch.take()).toEqual([]);
  });

  it("Costs: spend by dimension matches the usage API to the micro-dollar, CSV included", async () => {
    await driveCosts(drive());
    expect(watch.take()).toEqual([]);
  });

  it("Budgets: creates, edits and deletes budgets and rate limits; alerts arrive live", async () => {
    await driveBudgets(drive(), completeAsAdmin);
    expect(watch.take()).toEqual([]);
  });

  it("Routing: rule CRUD with the API's validation messages, and the explainRoute tester", async () => {
    await driveRouting(drive());
    expect(watch.take()).toEqual([]);
  });

  it("Requests: the log pages by cursor, filters, and opens a detail drawer", async () => {
    // Enough requests for a second page of 25.
    await Promise.all(Array.from({ length: 26 }, () => completeAsAdmin()));
    await driveRequests(drive(), made);
    expect(watch.take()).toEqual([]);
  });

  it("is usable from the keyboard: skip link, navigation, dialogs that close with Escape", async () => {
    const focused = () => page.evaluate<string>("document.activeElement?.textContent?.trim() ?? ''");
    await page.goto("/ui/keys");
    await page.getByRole("heading", { level: 1, name: "Keys" }).waitFor();
    await page.keyboard.press("Tab");
    expect(await focused()).toBe("Skip to content");
    await page.keyboard.press("Tab");
    expect(await focused()).toBe("Overview");
    for (let i = 0; i < 10 && (await focused()) !== "Models"; i++) await page.keyboard.press("Tab");
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { level: 1, name: "Models" }).waitFor();
    for (let i = 0; i < 10 && (await focused()) !== "Keys"; i++) await page.keyboard.press("Shift+Tab");
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { level: 1, name: "Keys" }).waitFor();
    await page.getByRole("button", { name: "New key" }).focus();
    await page.keyboard.press("Enter");
    const dialog = page.getByRole("dialog", { name: "New API key" });
    await dialog.waitFor();
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "hidden" });
    expect(await focused()).toBe("New key");
    expect(watch.take()).toEqual([]);
  });

  it("shows members only their own data and hides admin pages", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByLabel("API key").waitFor();
    expect(await page.evaluate('sessionStorage.getItem("switchboard.apiKey")')).toBeNull();
    await page.getByLabel("API key").fill(memberSecret);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("navigation", { name: "Pages", exact: true }).waitFor();
    expect(await page.getByTestId("whoami-role").textContent()).toBe("MEMBER");
    const nav = page.getByRole("navigation", { name: "Pages", exact: true });
    expect(await nav.getByRole("link", { name: "Routing" }).count()).toBe(0);
    await open("Keys");
    const rows = page.locator("tbody tr");
    await expect.poll(() => rows.count()).toBeGreaterThan(0);
    for (const text of await rows.allTextContents()) expect(text).toContain("alice");
    await open("Models");
    expect(await page.getByRole("button", { name: /^Edit / }).count()).toBe(0);
    await shot(page, "20-member-models");
    await page.goto("/ui/routing");
    await page.getByText("The Routing page is for admins").waitFor();
    await shot(page, "21-member-routing-refused");
    expect(watch.take()).toEqual([]);
  });
});
