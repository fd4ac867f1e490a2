import { useEffect, useMemo, useRef, useState, type FormEvent, type KeyboardEvent } from "react";
import type { CombinedError } from "@urql/core";
import { useClient, useQuery } from "urql";
import { Badge, ErrorState, PageHeader, Stat } from "../components/ui";
import { PlaygroundModelsDocument, PlaygroundStreamDocument, type CompletionInput, type PlaygroundStreamSubscription } from "../gql/graphql";
import { int, ms, usd } from "../lib/format";
import { GuardrailInspect } from "./playground/GuardrailInspect";

type Done = Extract<PlaygroundStreamSubscription["completionStream"], { __typename: "CompletionDone" }>["completion"];

interface Live {
  text: string;
  chunks: number;
  ttftMs: number | null;
  itlMs: number | null;
  elapsedMs: number;
}

const EMPTY: Live = { text: "", chunks: 0, ttftMs: null, itlMs: null, elapsedMs: 0 };

export default function Playground() {
  const client = useClient();
  const [{ data: models }] = useQuery({ query: PlaygroundModelsDocument });
  const [model, setModel] = useState("");
  const [system, setSystem] = useState("");
  const [prompt, setPrompt] = useState("");
  const [maxTokens, setMaxTokens] = useState("");
  const [temperature, setTemperature] = useState("");
  const [live, setLive] = useState<Live>(EMPTY);
  const [done, setDone] = useState<Done | null>(null);
  const [error, setError] = useState<CombinedError | null>(null);
  const [running, setRunning] = useState(false);
  const sub = useRef<{ unsubscribe(): void } | null>(null);

  const choices = useMemo(() => {
    const ms = models?.models ?? [];
    // Prefer a model that can answer now; the demo model works on a fresh install with no provider key.
    const callable = ms.filter((m) => m.health.available);
    return { models: ms, aliases: models?.aliases ?? [], first: (callable.find((m) => !m.demo) ?? callable[0] ?? ms[0])?.id };
  }, [models]);
  useEffect(() => {
    if (!model && choices.first) setModel(choices.first);
  }, [model, choices.first]);
  useEffect(() => () => sub.current?.unsubscribe(), []);

  const stop = () => {
    sub.current?.unsubscribe();
    sub.current = null;
    setRunning(false);
  };

  const send = (e?: FormEvent) => {
    e?.preventDefault();
    if (!model.trim() || !prompt.trim() || running) return;
    const input: CompletionInput = {
      model: model.trim(),
      messages: [...(system.trim() ? [{ role: "SYSTEM" as const, content: system }] : []), { role: "USER" as const, content: prompt }],
      ...(maxTokens ? { maxTokens: Number(maxTokens) } : {}),
      ...(temperature ? { temperature: Number(temperature) } : {}),
      tags: ["playground"],
    };
    setLive(EMPTY);
    setDone(null);
    setError(null);
    setRunning(true);
    const t0 = performance.now();
    let last = 0;
    let gaps = 0;
    const acc: Live = { ...EMPTY };
    let frame = 0;
    // Render at most once per frame: a fast model can deliver hundreds of deltas a second.
    const flush = () => {
      frame = 0;
      setLive({ ...acc, elapsedMs: performance.now() - t0 });
    };
    const ticker = setInterval(() => setLive((l) => ({ ...l, elapsedMs: performance.now() - t0 })), 100);
    const finish = () => {
      clearInterval(ticker);
      if (frame) cancelAnimationFrame(frame);
      flush();
      setRunning(false);
      sub.current = null;
    };
    sub.current = client.subscription(PlaygroundStreamDocument, { input }).subscribe((r) => {
      if (r.error) {
        setError(r.error);
        finish();
        return;
      }
      const ev = r.data?.completionStream;
      if (!ev) return;
      if (ev.__typename === "CompletionDelta") {
        const now = performance.now();
        if (!ev.content) return;
        if (acc.chunks === 0) {
          acc.ttftMs = now - t0;
        } else {
          gaps += now - last;
          acc.itlMs = gaps / acc.chunks;
        }
        last = now;
        acc.chunks++;
        acc.text += ev.content;
        if (!frame) frame = requestAnimationFrame(flush);
      } else {
        setDone(ev.completion);
        finish();
      }
    });
    const s = sub.current;
    // When the caller stops, the ticker must stop too.
    sub.current = {
      unsubscribe() {
        s.unsubscribe();
        clearInterval(ticker);
        if (frame) cancelAnimationFrame(frame);
      },
    };
  };

  const onPromptKey = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) send();
  };

  return (
    <>
      <PageHeader title="Playground" subtitle="Send a prompt and watch the answer stream over the graphql-ws subscription, with timings measured live." />
      <div className="playground">
        <form className="form card" onSubmit={send} aria-label="New request">
          <label>
            Model or router name
            <input list="pg-models" value={model} onChange={(e) => setModel(e.target.value)} required spellCheck={false} placeholder="openai/gpt-4o-mini, fast, auto…" />
            <datalist id="pg-models">
              {choices.models.map((m) => (
                <option key={m.id} value={m.id}>
                  {m.displayName ?? m.id}
                  {m.health.available ? "" : " (unavailable)"}
                </option>
              ))}
              {choices.aliases.map((a) => (
                <option key={a.name} value={a.name}>
                  alias → {a.target}
                </option>
              ))}
            </datalist>
          </label>
          <label>
            <span>
              System prompt <span className="muted">(optional)</span>
            </span>
            <textarea rows={2} value={system} onChange={(e) => setSystem(e.target.value)} />
          </label>
          <label>
            Prompt
            <textarea rows={6} value={prompt} onChange={(e) => setPrompt(e.target.value)} onKeyDown={onPromptKey} required placeholder="Ask something… (Ctrl+Enter sends)" />
          </label>
          <div className="grid2">
            <label>
              Max output tokens
              <input type="number" min={1} step={1} value={maxTokens} onChange={(e) => setMaxTokens(e.target.value)} placeholder="model default" />
            </label>
            <label>
              Temperature
              <input type="number" min={0} max={2} step={0.1} value={temperature} onChange={(e) => setTemperature(e.target.value)} placeholder="default" />
            </label>
          </div>
          <div className="form-actions">
            <GuardrailInspect text={[system, prompt].filter(Boolean).join("\n\n")} />
            {running ? (
              <button type="button" className="secondary" onClick={stop}>
                Stop
              </button>
            ) : null}
            <button type="submit" disabled={running || !prompt.trim() || !model.trim()}>
              {running ? "Streaming…" : "Send"}
            </button>
          </div>
        </form>
        <section className="card output" aria-labelledby="pg-answer">
          <h2 id="pg-answer">
            Answer {running ? <Badge tone="info">streaming</Badge> : done ? <Badge tone={done.finishReason === "STOP" ? "good" : "warn"}>{done.finishReason.toLowerCase()}</Badge> : null}
          </h2>
          <div className="stats" aria-label="Live timings (measured in this browser)">
            <Stat label="TTFT (live)" value={ms(live.ttftMs)} />
            <Stat label="ITL (live)" value={ms(live.itlMs)} />
            <Stat label="Chunks" value={int(live.chunks)} />
            <Stat label="Elapsed" value={ms(live.elapsedMs || null)} />
          </div>
          <pre className="answer" data-testid="pg-output" aria-busy={running}>
            {live.text || (running ? "" : <span className="muted">The answer appears here.</span>)}
          </pre>
          <ErrorState error={error} />
          <div role="status" className="sr-only">
            {done ? "Answer complete." : ""}
          </div>
          {done ? <DoneDetails c={done} /> : null}
        </section>
      </div>
    </>
  );
}

function DoneDetails({ c }: { c: Done }) {
  return (
    <div className="done" data-testid="pg-done">
      <h3>Reported by the gateway</h3>
      <div className="stats">
        <Stat label="Cost" value={<span data-testid="pg-cost">{usd(c.costUsd)}</span>} />
        <Stat label="TTFT" value={ms(c.metrics.ttftMs)} />
        <Stat label="ITL" value={ms(c.metrics.itlMs)} />
        <Stat label="Latency" value={ms(c.metrics.latencyMs)} />
        <Stat label="Tokens/s" value={c.metrics.tokensPerSecond == null ? "—" : c.metrics.tokensPerSecond.toFixed(1)} />
        <Stat label="Tokens in / out" value={`${int(c.usage.inputTokens)} / ${int(c.usage.outputTokens)}`} sub={c.usage.estimated ? "estimated" : undefined} />
      </div>
      <dl className="kv">
        <dt>Served by</dt>
        <dd>
          <code>{c.model}</code> via {c.provider}
          {c.requestedModel !== c.model ? (
            <span className="muted">
              {" "}
              (asked for <code>{c.requestedModel}</code>)
            </span>
          ) : null}
        </dd>
        <dt>Guardrails</dt>
        <dd data-testid="pg-guardrails">
          {c.guardrails.redactions} redaction{c.guardrails.redactions === 1 ? "" : "s"}
          {c.guardrails.findings.length ? ` (${c.guardrails.findings.map((f) => `${f.type} × ${f.count}`).join(", ")})` : ""}
          {c.guardrails.injectionScore != null ? `, injection score ${c.guardrails.injectionScore.toFixed(2)}` : ", no injection check"}
        </dd>
        <dt>Request id</dt>
        <dd>
          <code>{c.id}</code>
        </dd>
      </dl>
      {c.attempts.length > 1 || c.attempts.some((a) => a.outcome !== "OK") ? (
        <table className="narrow">
          <caption>Attempts</caption>
          <thead>
            <tr>
              <th scope="col">Model</th>
              <th scope="col">Outcome</th>
              <th scope="col" className="num">Latency</th>
              <th scope="col">Error</th>
            </tr>
          </thead>
          <tbody>
            {c.attempts.map((a, i) => (
              <tr key={i}>
                <td>
                  <code>{a.model}</code>
                </td>
                <td>
                  <Badge tone={a.outcome === "OK" ? "good" : "bad"}>{a.outcome.toLowerCase()}</Badge>
                </td>
                <td className="num">{ms(a.latencyMs)}</td>
                <td>{a.errorCode ? `${a.errorCode}: ${a.error ?? ""}` : "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}
