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
  labelX: number;
  labelY: number;
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
const COLUMN_GAP = 140;
const ROW_GAP = 56;
const PAD = 18;
const MARGIN = 24;

/**
 * Lays a machine out left to right: top-level states in columns by their distance from the
 * initial state, children stacked inside their parent's frame, parallel transitions merged
 * into one arrow with one label line each, and root-level transitions drawn from an "any
 * state" box. Everything comes from the machine's definition.
 */
export function layoutMachine(machine: AnyStateMachine): ChartLayout {
  const { states, edges } = machineGraph(machine);
  const top = states.filter((s) => s.parent === '');
  const topOf = (path: string) => path.split('.')[0] as string;

  // Column of each top-level state: breadth-first distance from the initial one.
  const column = new Map<string, number>();
  const initial = top.find((s) => s.initial) ?? top[0];
  if (initial) column.set(initial.path, 1);
  for (let queue = initial ? [initial.path] : []; queue.length > 0; ) {
    const current = queue.shift() as string;
    for (const e of edges) {
      if (e.source === '' || topOf(e.source) !== current) continue;
      const next = topOf(e.target);
      if (!column.has(next)) {
        column.set(next, (column.get(current) as number) + 1);
        queue.push(next);
      }
    }
  }
  const last = Math.max(1, ...column.values());
  for (const s of top) if (!column.has(s.path)) column.set(s.path, last + 1);

  const boxes: Box[] = [];
  const heightOf = (path: string): number => {
    const kids = states.filter((s) => s.parent === path);
    if (kids.length === 0) return H;
    return PAD * 2 + 14 + kids.reduce((sum, k) => sum + heightOf(k.path), 0) + ROW_GAP * 0.5 * (kids.length - 1);
  };
  const place = (path: string, x: number, y: number, width: number) => {
    const state = states.find((s) => s.path === path);
    if (!state) return;
    const kids = states.filter((s) => s.parent === path);
    boxes.push({ path, label: state.key, x, y, width, height: heightOf(path), compound: kids.length > 0, initial: state.initial });
    let cy = y + PAD + 14;
    for (const kid of kids.sort((a, b) => Number(b.initial) - Number(a.initial))) {
      place(kid.path, x + PAD, cy, width - PAD * 2);
      cy += heightOf(kid.path) + ROW_GAP * 0.5;
    }
  };

  const columns = [...new Set(column.values())].sort((a, b) => a - b);
  let height = 0;
  for (const c of columns) {
    const inColumn = top.filter((s) => column.get(s.path) === c);
    const total = inColumn.reduce((sum, s) => sum + heightOf(s.path), 0) + ROW_GAP * (inColumn.length - 1);
    height = Math.max(height, total);
  }
  height += MARGIN * 2 + H + ROW_GAP; // room for the "any state" row on top
  for (const c of columns) {
    const inColumn = top.filter((s) => column.get(s.path) === c);
    const widest = inColumn.some((s) => states.some((k) => k.parent === s.path)) ? W + PAD * 2 : W;
    const total = inColumn.reduce((sum, s) => sum + heightOf(s.path), 0) + ROW_GAP * (inColumn.length - 1);
    let y = MARGIN + H + ROW_GAP + (height - MARGIN * 2 - H - ROW_GAP - total) / 2;
    for (const s of inColumn) {
      const x = MARGIN + (c - 1) * (W + PAD * 2 + COLUMN_GAP) + (W + PAD * 2 - widest) / 2;
      place(s.path, x, y, widest);
      y += heightOf(s.path) + ROW_GAP;
    }
  }
  const width = MARGIN * 2 + columns.length * (W + PAD * 2) + (columns.length - 1) * COLUMN_GAP;
  const hasRootEdges = edges.some((e) => e.source === '');
  if (hasRootEdges) {
    boxes.push({ path: ANY_STATE, label: 'any state', x: width / 2 - W / 2, y: MARGIN, width: W, height: H, compound: false, initial: false });
  }
  return { boxes, arrows: route(edges, boxes), width, height };
}

function route(edges: GraphEdge[], boxes: Box[]): Arrow[] {
  const byPath = new Map(boxes.map((b) => [b.path, b]));
  const groups = new Map<string, GraphEdge[]>();
  for (const e of edges) {
    const from = e.source === '' ? ANY_STATE : e.source;
    if (from === e.target) continue;
    const key = `${from}->${e.target}`;
    groups.set(key, [...(groups.get(key) ?? []), e]);
  }
  const arrows: Arrow[] = [];
  for (const [key, group] of groups) {
    const [from, to] = key.split('->') as [string, string];
    const a = byPath.get(from);
    const b = byPath.get(to);
    if (!a || !b) continue;
    const reverse = groups.has(`${to}->${from}`);
    const { d, mid } = curve(a, b, reverse ? 28 : 0);
    arrows.push({
      id: key,
      from,
      to,
      d,
      labels: group.map((e) => [e.event === 'always' ? '' : e.label, e.guard ? `[${e.guard}]` : ''].filter(Boolean).join(' ')),
      labelX: mid.x,
      labelY: mid.y,
    });
  }
  return arrows;
}

interface Point {
  x: number;
  y: number;
}

function curve(a: Box, b: Box, bend: number): { d: string; mid: Point } {
  const ca = { x: a.x + a.width / 2, y: a.y + a.height / 2 };
  const cb = { x: b.x + b.width / 2, y: b.y + b.height / 2 };
  const dx = cb.x - ca.x;
  const dy = cb.y - ca.y;
  const len = Math.hypot(dx, dy) || 1;
  const control = { x: (ca.x + cb.x) / 2 - (dy / len) * bend, y: (ca.y + cb.y) / 2 + (dx / len) * bend };
  const start = edgePoint(a, control);
  const end = edgePoint(b, control);
  const mid = { x: 0.25 * start.x + 0.5 * control.x + 0.25 * end.x, y: 0.25 * start.y + 0.5 * control.y + 0.25 * end.y };
  const r = (n: number) => Math.round(n * 10) / 10;
  return { d: `M${r(start.x)},${r(start.y)} Q${r(control.x)},${r(control.y)} ${r(end.x)},${r(end.y)}`, mid };
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
