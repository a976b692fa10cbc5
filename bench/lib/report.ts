/** What a section hands back to the orchestrator: tables plus the notes that explain them. */
export interface Table {
  caption: string;
  header: string[];
  rows: string[][];
  /** Lines printed under the table. */
  notes?: string[];
}

export interface GoalCheck {
  goal: string;
  measured: string;
  met: boolean;
}

export interface SectionResult {
  title: string;
  intro?: string[];
  tables: Table[];
  goals: GoalCheck[];
  /** Free text (profiles, explanations of misses). */
  findings?: string[];
  seconds?: number;
}

const NUMERIC = /^([-+≤~]?\s?[\d.,]+|–|\d.*×|)$/;

export function renderTable(t: Table): string {
  const widths = t.header.map((h, i) => Math.max(h.length, ...t.rows.map((r) => (r[i] ?? '').length)));
  // a column of numbers is right-aligned, text left-aligned
  const right = t.header.map((_, i) => i > 0 && t.rows.every((r) => NUMERIC.test((r[i] ?? '').split(' ')[0] ?? '')));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (right[i] ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join(' | ')} |`;
  const rule = `| ${widths.map((w, i) => (right[i] ? `${'-'.repeat(Math.max(1, w - 1))}:` : '-'.repeat(w))).join(' | ')} |`;
  const out = [`**${t.caption}**`, '', line(t.header), rule, ...t.rows.map(line)];
  if (t.notes?.length) out.push('', ...t.notes.map((n) => `- ${n}`));
  return out.join('\n');
}

export function renderSection(s: SectionResult): string {
  const out = [`## ${s.title}`, ''];
  if (s.intro?.length) out.push(...s.intro, '');
  for (const t of s.tables) out.push(renderTable(t), '');
  if (s.goals.length) {
    out.push('Goals:', '');
    for (const g of s.goals) out.push(`- ${g.met ? 'MET' : 'MISSED'}: ${g.goal} (measured: ${g.measured})`);
    out.push('');
  }
  if (s.findings?.length) out.push(...s.findings, '');
  return out.join('\n');
}

/** Formatting helpers. */
export const fmt = {
  int: (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–'),
  ms: (n: number) => (Number.isFinite(n) ? (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2)) : '–'),
  ratio: (n: number) => (Number.isFinite(n) ? `${n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2)}×` : '–'),
  ns: (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–'),
  us: (ns: number) => (Number.isFinite(ns) ? `${(ns / 1000).toFixed(ns < 10_000 && ns > -10_000 ? 2 : 1)} µs` : '–'),
  kb: (bytes: number) => (Number.isFinite(bytes) ? `${(bytes / 1000).toFixed(2)} kB` : '–'),
  bytes: (n: number) => (Number.isFinite(n) ? `${Math.round(n).toLocaleString('en-US')} B` : '–'),
};

export function median(values: number[]): number {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (v.length === 0) return Number.NaN;
  const mid = v.length >> 1;
  return v.length % 2 ? (v[mid] as number) : ((v[mid - 1] as number) + (v[mid] as number)) / 2;
}
