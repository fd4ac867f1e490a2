import { existsSync, mkdirSync } from "node:fs";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";
export const hasChromium = (): boolean => existsSync(CHROMIUM);
export const SCREENSHOTS = new URL("../screenshots/", import.meta.url).pathname;

const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

export function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 60_000 });
}

export interface Problem {
  kind: "console" | "pageerror" | "requestfailed" | "http";
  text: string;
}

/**
 * Records every console error, uncaught exception, failed request and HTTP error status of a page.
 * A step that expects one (a wrong key answered 401) wraps itself in `expecting`.
 */
export class Watch {
  readonly problems: Problem[] = [];
  private allowed: ((p: Problem) => boolean)[] = [];

  constructor(page: Page) {
    page.on("console", (m) => {
      if (m.type() === "error") this.add({ kind: "console", text: `${m.text()} @ ${m.location().url}` });
    });
    page.on("pageerror", (e) => this.add({ kind: "pageerror", text: e.stack ?? e.message }));
    page.on("requestfailed", (r) => this.add({ kind: "requestfailed", text: `${r.method()} ${r.url()}: ${r.failure()?.errorText ?? "failed"}` }));
    page.on("response", (r) => {
      if (r.status() >= 400) this.add({ kind: "http", text: `${r.status()} ${r.request().method()} ${r.url()}` });
    });
  }

  private add(p: Problem): void {
    if (!this.allowed.some((a) => a(p))) this.problems.push(p);
  }

  async expecting<T>(allow: (p: Problem) => boolean, fn: () => Promise<T>): Promise<T> {
    this.allowed.push(allow);
    try {
      return await fn();
    } finally {
      this.allowed = this.allowed.filter((a) => a !== allow);
    }
  }

  take(): Problem[] {
    return this.problems.splice(0);
  }
}

export async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  // Let fonts, charts and transitions settle so the picture shows what a person would see.
  await page.evaluate("new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))");
  await page.screenshot({ path: `${SCREENSHOTS}${name}.png`, fullPage: true });
}

export async function newContext(browser: Browser, baseURL: string): Promise<BrowserContext> {
  const ctx = await browser.newContext({ baseURL, viewport: { width: 1360, height: 900 }, timezoneId: "Europe/Berlin", locale: "en-GB", colorScheme: "light" });
  await ctx.grantPermissions(["clipboard-read", "clipboard-write"], { origin: baseURL });
  return ctx;
}

/** Gzipped bytes of JavaScript the browser received (the gateway gzips; content-length is the wire size). */
export function countJs(page: Page): { bytes: number } {
  const acc = { bytes: 0 };
  page.on("response", (r) => {
    if (!r.url().endsWith(".js")) return;
    void r
      .headerValue("content-length")
      .then((v) => {
        acc.bytes += Number(v ?? 0);
      })
      .catch(() => undefined);
  });
  return acc;
}

/**
 * Form controls and buttons without an accessible name (no label, aria-label, aria-labelledby or text).
 * A plain string so the bundler's helpers never leak into the page.
 */
export function unlabelledControls(page: Page): Promise<string[]> {
  return page.evaluate(`(() => {
    const bad = [];
    for (const el of document.querySelectorAll("input, select, textarea, button")) {
      if (el.type === "hidden" || el.closest("[hidden], dialog:not([open])")) continue;
      const named = el.getAttribute("aria-label") || el.getAttribute("aria-labelledby") || (el.labels && el.labels.length > 0) || (el.tagName === "BUTTON" && el.textContent.trim());
      if (!named) bad.push(el.outerHTML.slice(0, 120));
    }
    return bad;
  })()`);
}
