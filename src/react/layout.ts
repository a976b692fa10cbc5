import type { AnyStateMachine } from 'xstate';
import { machineGraph, type GraphEdge } from '../machine/graph.js';

/** A box in the diagram: a state (or a compound state's frame, or the "any state" source). */
export interface Box {
  path: string;
  label: string;
  x: number;
  y: number;
  width: number;
  height: number;
  compound: boolean;
  initial: boolean;
}

/** An arrow with its label lines, as an SVG path. */
export interface Arrow {
  id: string;
  from: string;
  to: string;
  d: string;
  labels: string[];
  /** Where the first label line starts, and how it is anchored there. */
  labelX: number;
  labelY: number;
  anchor: 'start' | 'middle' | 'end';
}

/** A laid-out statechart: every box and arrow, and the canvas size. */
export interface ChartLayout {
  boxes: Box[];
  arrows: Arrow[];
  width: number;
  height: number;
}

/** Path of the pseudo-state that root-level ("from any state") transitions start from. */
export const ANY_STATE = '*';

const W = 150;
const H = 40;
const COLUMN_GAP = 230;
const ROW_GAP = 110;
const CHILD_GAP = 64;
const PAD = 18;
const MARGIN = 24;
const LINE = 12;

/**
 * Lays a machine out left to right: top-level states in columns by their distance from the
 * initial state (the "any state" source of root-level transitions sits beside it), children
 * stacked inside their parent's frame, parallel transitions merged into one arrow with a label
 * line each, and arrows between the same pair of groups bent apart. Everything comes from the
 * machine's definition.
 */
export function layoutMachine(machine: AnyStateMachine): ChartLayout {
  const { states, edges } = machineGraph(machine);
  const hasRootEdges = edges.some((e) => e.source === '');
  const all = hasRootEdges
    ? [{ path: ANY_STATE, key: 'any state', parent: '', initial: false, children: 0 }, ...states]
    : states;
  const top = all.filter((s) => s.parent === '');
  const topOf = (path: string) => (path === '' ? ANY_STATE : (path.split('.')[0] as string));

  // Column of each top-level state: breadth-first distance from the initial one.
  const column = new Map<string, number>();
  const initial = top.find((s) => s.initial) ?? top[0];
  if (initial) column.set(initial.path, 1);
  if (hasRootEdges) column.set(ANY_STATE, 1);
  for (let queue = [...column.keys()]; queue.length > 0; ) {
    const current = queue.shift() as string;
    for (const e of edges) {
      if (topOf(e.source) !== current) continue;
      const next = topOf(e.target);
      if (!column.has(next)) {
        column.set(next, (column.get(current) as number) + 1);
        queue.push(next);
      }
    }
  }
  const last = Math.max(1, ...column.values());
  for (const s of top) if (!column.has(s.path)) column.set(s.path, last + 1);

  const kidsOf = (path: string) => states.filter((s) => s.parent === path);
  const heightOf = (path: string): number => {
    const kids = kidsOf(path);
    if (kids.length === 0) return H;
    return PAD * 2 + LINE + kids.reduce((sum, k) => sum + heightOf(k.path), 0) + CHILD_GAP * (kids.length - 1);
  };
  const boxes: Box[] = [];
  const place = (path: string, label: string, initialChild: boolean, x: number, y: number, width: number) => {
    const kids = kidsOf(path).sort((a, b) => Number(b.initial) - Number(a.initial));
    boxes.push({ path, label, x, y, width, height: heightOf(path), compound: kids.length > 0, initial: initialChild });
    let cy = y + PAD + LINE;
    for (const kid of kids) {
      place(kid.path, kid.key, kid.initial, x + PAD, cy, width - PAD * 2);
      cy += heightOf(kid.path) + CHILD_GAP;
    }
  };

  const columns = [...new Set(column.values())].sort((a, b) => a - b);
  const inColumn = (c: number) => top.filter((s) => column.get(s.path) === c);
  const columnHeight = (c: number) => inColumn(c).reduce((sum, s) => sum + heightOf(s.path), 0) + ROW_GAP * (inColumn(c).length - 1);
  const height = Math.max(...columns.map(columnHeight)) + MARGIN * 2;
  const slot = W + PAD * 2;
  for (const c of columns) {
    let y = MARGIN + (height - MARGIN * 2 - columnHeight(c)) / 2;
    for (const s of inColumn(c)) {
      const width = kidsOf(s.path).length > 0 ? slot : W;
      place(s.path, s.key, s.initial, MARGIN + (c - 1) * (slot + COLUMN_GAP) + (slot - width) / 2, y, width);
      y += heightOf(s.path) + ROW_GAP;
    }
  }
  const width = MARGIN * 2 + columns.length * slot + (columns.length - 1) * COLUMN_GAP;
  return fit({ boxes, arrows: route(edges, boxes, topOf), width, height });
}

// Grows the canvas (and moves everything down) so that no label is cut off at the top or bottom.
function fit(layout: ChartLayout): ChartLayout {
  const top = Math.min(...layout.arrows.map((a) => a.labelY - LINE));
  const bottom = Math.max(...layout.arrows.map((a) => a.labelY + (a.labels.length - 1) * LINE + 4), layout.height - MARGIN);
  const shift = Math.max(0, MARGIN / 2 - top);
  if (shift === 0 && bottom + MARGIN / 2 <= layout.height) return layout;
  const moveD = (d: string) => d.replace(/(-?[\d.]+),(-?[\d.]+)/g, (_, x: string, y: string) => `${x},${Math.round((Number(y) + shift) * 10) / 10}`);
  return {
    width: layout.width,
    height: bottom + shift + MARGIN / 2,
    boxes: layout.boxes.map((b) => ({ ...b, y: b.y + shift })),
    arrows: layout.arrows.map((a) => ({ ...a, labelY: a.labelY + shift, d: moveD(a.d) })),
  };
}

function route(edges: GraphEdge[], boxes: Box[], topOf: (path: string) => string): Arrow[] {
  const byPath = new Map(boxes.map((b) => [b.path, b]));
  const groups = new Map<string, GraphEdge[]>();
  for (const e of edges) {
    const from = e.source === '' ? ANY_STATE : e.source;
    if (from === e.target) continue;
    const key = `${from}->${e.target}`;
    groups.set(key, [...(groups.get(key) ?? []), e]);
  }
  // Arrows between the same two top-level groups are spread apart: the one whose ends sit
  // highest bends up, the lowest bends down, so their labels stack instead of colliding.
  const centreY = (path: string) => {
    const b = byPath.get(path);
    return b ? b.y + b.height / 2 : 0;
  };
  const pairOf = (key: string) => {
    const [from, to] = key.split('->') as [string, string];
    const a = topOf(from === ANY_STATE ? '' : from);
    const b = topOf(to);
    return a < b ? `${a}|${b}` : `${b}|${a}`;
  };
  const pairs = new Map<string, string[]>();
  for (const key of groups.keys()) pairs.set(pairOf(key), [...(pairs.get(pairOf(key)) ?? []), key]);
  const height = (key: string) => {
    const [from, to] = key.split('->') as [string, string];
    return centreY(from) + centreY(to);
  };
  const arrows: Arrow[] = [];
  for (const [key, group] of groups) {
    const [from, to] = key.split('->') as [string, string];
    const a = byPath.get(from);
    const b = byPath.get(to);
    if (!a || !b) continue;
    const siblings = [...(pairs.get(pairOf(key)) as string[])].sort((x, y) => height(x) - height(y));
    const lift = (siblings.indexOf(key) - (siblings.length - 1) / 2) * 52; // < 0: up
    const labels = group.map((e) => [e.event === 'always' ? '' : e.label, e.guard ? `[${e.guard}]` : ''].filter(Boolean).join(' '));
    arrows.push({ id: key, from, to, labels, ...curve(a, b, lift, labels.length) });
  }
  return arrows;
}

interface Point {
  x: number;
  y: number;
}

// A quadratic curve from box to box whose middle is lifted by `lift` px (negative: up), or
// pushed sideways for a mostly vertical arrow; its labels sit beside it, on the outer side.
function curve(a: Box, b: Box, lift: number, lines: number): Pick<Arrow, 'd' | 'labelX' | 'labelY' | 'anchor'> {
  const ca = { x: a.x + a.width / 2, y: a.y + a.height / 2 };
  const cb = { x: b.x + b.width / 2, y: b.y + b.height / 2 };
  const vertical = Math.abs(cb.x - ca.x) < Math.abs(cb.y - ca.y);
  const control = vertical
    ? { x: (ca.x + cb.x) / 2 + lift, y: (ca.y + cb.y) / 2 }
    : { x: (ca.x + cb.x) / 2, y: (ca.y + cb.y) / 2 + lift };
  const start = edgePoint(a, control);
  const end = edgePoint(b, control);
  // Labels sit nearer the source, so arrows that cross keep their labels apart.
  const t = 0.3;
  const at = (p: 'x' | 'y') => (1 - t) ** 2 * start[p] + 2 * (1 - t) * t * control[p] + t ** 2 * end[p];
  const r = (n: number) => Math.round(n * 10) / 10;
  const d = `M${r(start.x)},${r(start.y)} Q${r(control.x)},${r(control.y)} ${r(end.x)},${r(end.y)}`;
  if (vertical) {
    const left = lift < 0;
    return { d, labelX: at('x') + (left ? -8 : 8), labelY: at('y') - ((lines - 1) * LINE) / 2 + 4, anchor: left ? 'end' : 'start' };
  }
  const below = lift > 0;
  return { d, labelX: at('x'), labelY: below ? at('y') + LINE + 2 : at('y') - 6 - (lines - 1) * LINE, anchor: 'middle' };
}

// Where the line from the box's centre towards `toward` leaves the box.
function edgePoint(box: Box, toward: Point): Point {
  const c = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
  const dx = toward.x - c.x;
  const dy = toward.y - c.y;
  if (dx === 0 && dy === 0) return c;
  const scale = Math.min(dx === 0 ? Infinity : box.width / 2 / Math.abs(dx), dy === 0 ? Infinity : box.height / 2 / Math.abs(dy));
  return { x: c.x + dx * scale, y: c.y + dy * scale };
}
