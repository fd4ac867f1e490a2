import parse from "parse-prometheus-text-format";
import { Registry, Histogram } from "prom-client";
const r = new Registry();
const h = new Histogram({ name: "x", help: "h", labelNames: ["a", "b"], buckets: [1, 10], registers: [r] });
h.labels({ a: "1", b: "2" }).observe(3);
const text = await r.metrics();
console.log(text);
console.log(JSON.stringify(parse(text), null, 1));
