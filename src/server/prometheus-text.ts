/**
 * A stand-in for the part of prom-client that `metrics.ts` uses (Registry, Counter, Gauge,
 * Histogram with labels, the text exposition format 0.0.4), because prom-client was not yet in
 * node_modules when /metrics was built. The class and method names are prom-client's, so moving
 * to it is changing the import in `metrics.ts` and deleting this file.
 */

type Labels<L extends string> = Partial<Record<L, string>>;

interface Metric {
  render(): string;
}

export class Registry {
  readonly contentType = "text/plain; version=0.0.4; charset=utf-8";
  readonly #metrics: Metric[] = [];
  registerMetric(metric: Metric): void {
    this.#metrics.push(metric);
  }
  async metrics(): Promise<string> {
    return this.#metrics.map((m) => m.render()).join("\n") + "\n";
  }
}

interface Options<L extends string> {
  name: string;
  help: string;
  labelNames?: readonly L[];
  registers: Registry[];
}

const escapeLabel = (v: string) => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
const keyOf = (labels: Record<string, string>) => JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));
const labelText = (labels: Record<string, string>) => {
  const entries = Object.entries(labels);
  return entries.length ? `{${entries.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(",")}}` : "";
};
const number = (v: number) => (Number.isFinite(v) ? String(v) : v > 0 ? "+Inf" : v < 0 ? "-Inf" : "NaN");

abstract class Series<L extends string> implements Metric {
  protected readonly values = new Map<string, { labels: Record<string, string>; value: number }>();
  constructor(
    protected readonly options: Options<L>,
    private readonly type: string,
  ) {
    for (const r of options.registers) r.registerMetric(this);
  }
  protected slot(labels: Labels<L> = {}) {
    const clean = Object.fromEntries(Object.entries(labels).filter(([, v]) => v !== undefined)) as Record<string, string>;
    const key = keyOf(clean);
    let s = this.values.get(key);
    if (!s) this.values.set(key, (s = { labels: clean, value: 0 }));
    return s;
  }
  reset(): void {
    this.values.clear();
  }
  render(): string {
    const { name, help } = this.options;
    const lines = [`# HELP ${name} ${help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")}`, `# TYPE ${name} ${this.type}`];
    if (this.values.size === 0 && !(this.options.labelNames?.length)) lines.push(`${name} 0`);
    for (const s of this.values.values()) lines.push(`${name}${labelText(s.labels)} ${number(s.value)}`);
    return lines.join("\n");
  }
}

export class Counter<L extends string = string> extends Series<L> {
  constructor(options: Options<L>) {
    super(options, "counter");
  }
  inc(labels?: Labels<L> | number, by = 1): void {
    if (typeof labels === "number") return void (this.slot().value += labels);
    this.slot(labels).value += by;
  }
}

export class Gauge<L extends string = string> extends Series<L> {
  constructor(options: Options<L>) {
    super(options, "gauge");
  }
  set(labels: Labels<L> | number, value?: number): void {
    if (typeof labels === "number") this.slot().value = labels;
    else this.slot(labels).value = value ?? 0;
  }
}

export class Histogram<L extends string = string> implements Metric {
  readonly #series = new Map<string, { labels: Record<string, string>; counts: number[]; sum: number; count: number }>();
  constructor(private readonly options: Options<L> & { buckets: number[] }) {
    for (const r of options.registers) r.registerMetric(this);
  }
  observe(labels: Labels<L>, value: number): void {
    const clean = Object.fromEntries(Object.entries(labels).filter(([, v]) => v !== undefined)) as Record<string, string>;
    const key = keyOf(clean);
    let s = this.#series.get(key);
    if (!s) this.#series.set(key, (s = { labels: clean, counts: this.options.buckets.map(() => 0), sum: 0, count: 0 }));
    this.options.buckets.forEach((le, i) => {
      if (value <= le) s!.counts[i]!++;
    });
    s.sum += value;
    s.count++;
  }
  render(): string {
    const { name, help, buckets } = this.options;
    const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} histogram`];
    for (const s of this.#series.values()) {
      buckets.forEach((le, i) => lines.push(`${name}_bucket${labelText({ ...s.labels, le: String(le) })} ${s.counts[i]}`));
      lines.push(`${name}_bucket${labelText({ ...s.labels, le: "+Inf" })} ${s.count}`);
      lines.push(`${name}_sum${labelText(s.labels)} ${number(s.sum)}`, `${name}_count${labelText(s.labels)} ${s.count}`);
    }
    return lines.join("\n");
  }
}
