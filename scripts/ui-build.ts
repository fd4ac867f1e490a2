/**
 * Builds the dashboard (src/ui) into dist/ui.
 *
 *   tsx scripts/ui-build.ts             build now; exit 1 on failure
 *   tsx scripts/ui-build.ts --if-stale  build only when src/ui or the build tools changed since the last build
 *   --soft                              never fail (postinstall/prestart): a broken or impossible UI build
 *                                       prints a warning and the gateway still starts; /ui then says so
 *
 * The build goes to a temporary directory that replaces dist/ui in one rename, so a server that is
 * serving the old files, or a second build running at the same time, never sees a half-written tree.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const UI_SRC = join(ROOT, "src/ui");
const OUT = join(ROOT, "dist/ui");
const STAMP = join(ROOT, "dist/.ui-build.json");
/** Packages whose version changes the output. */
const TOOLS = ["vite", "@vitejs/plugin-react", "react", "react-dom", "urql", "@urql/core", "graphql-ws", "uplot"];

function files(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...files(p));
    else out.push(p);
  }
  return out.sort();
}

function version(pkg: string): string {
  try {
    return (JSON.parse(readFileSync(join(ROOT, "node_modules", pkg, "package.json"), "utf8")) as { version: string }).version;
  } catch {
    return "missing";
  }
}

/** A digest of everything the build reads: the UI sources and the versions of the tools. */
export function uiInputsHash(): string {
  const h = createHash("sha256");
  for (const f of files(UI_SRC)) h.update(relative(UI_SRC, f)).update("\0").update(readFileSync(f)).update("\0");
  for (const t of TOOLS) h.update(`${t}@${version(t)}\n`);
  return h.digest("hex");
}

export function uiIsStale(): boolean {
  if (!existsSync(join(OUT, "index.html"))) return true;
  try {
    return (JSON.parse(readFileSync(STAMP, "utf8")) as { hash?: string }).hash !== uiInputsHash();
  } catch {
    return true;
  }
}

export interface UiBuildResult {
  built: boolean;
  ms: number;
}

/** Runs `vite build` in a child process (vite must not share a process with vitest or the gateway). */
export function buildUi(opts: { ifStale?: boolean } = {}): UiBuildResult {
  const t0 = Date.now();
  if (opts.ifStale && !uiIsStale()) return { built: false, ms: 0 };
  const vite = join(ROOT, "node_modules/vite/bin/vite.js");
  if (!existsSync(vite)) throw new Error("vite is not installed (devDependencies were omitted); the dashboard cannot be built");
  const hash = uiInputsHash();
  const tmp = join(ROOT, `dist/.ui-tmp-${process.pid}-${Date.now()}`);
  const r = spawnSync(process.execPath, [vite, "build", "--config", join(UI_SRC, "vite.config.ts"), "--outDir", tmp, "--emptyOutDir"], {
    cwd: ROOT,
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env, NODE_ENV: "production" },
  });
  if (r.status !== 0) {
    rmSync(tmp, { recursive: true, force: true });
    throw new Error(`vite build failed (exit ${r.status ?? r.signal})`);
  }
  const old = `${OUT}.old-${process.pid}-${Date.now()}`;
  try {
    if (existsSync(OUT)) renameSync(OUT, old);
  } catch {
    // another build moved it first
  }
  try {
    renameSync(tmp, OUT);
  } catch (e) {
    // A concurrent build put its (equally fresh) output there between our two renames: keep it.
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(join(OUT, "index.html"))) throw e;
  }
  rmSync(old, { recursive: true, force: true });
  writeFileSync(STAMP, JSON.stringify({ hash, builtAt: new Date().toISOString() }) + "\n");
  return { built: true, ms: Date.now() - t0 };
}

function main(): void {
  const args = new Set(process.argv.slice(2));
  const soft = args.has("--soft");
  try {
    const r = buildUi({ ifStale: args.has("--if-stale") });
    if (r.built) process.stdout.write(`dashboard built into dist/ui in ${(r.ms / 1000).toFixed(1)} s\n`);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    if (!soft) {
      process.stderr.write(`ui-build: ${msg}\n`);
      process.exit(1);
    }
    process.stderr.write(`warning: the dashboard was not built (${msg}); the gateway runs without /ui. Run \`npm run ui:build\` to see why.\n`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
