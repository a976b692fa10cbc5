import type { AnyStateMachine } from 'xstate';
import { machineGraph, type GraphEdge, type GraphState } from '../machine/graph.js';

/** A box in the diagram: a state, a compound state's frame, or a region's "any state" source. */
export interface Box {
  path: string;
  label: string;
  x: number;
  y: number;
  width: number;
  height: number;
  compound: boolean;
  initial: boolean;
  /** The "any state" source of a region's own transitions. */
  any: boolean;
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

/** Path suffix of the pseudo-state that a region's own ("from any state") transitions start from. */
export const ANY_STATE = '*';

const W = 150;
const H = 40;
const COLUMN_GAP = 250;
const ROW_GAP = 110;
const CHILD_GAP = 56;
const PAD = 18;
const MARGIN = 24;
const REGION_GAP = 40;
const LINE = 12;
/** A generous width per character of the 10.5 px label font, so estimated boxes cover the real ones. */
const CHAR = 6.6;

/**
 * Lays a machine out for the debug view, from its own definition. A machine whose root is
 * parallel gets one band per region, stacked. In a band, the region's states sit in columns
 * by their distance from its initial state (its own transitions start from an "any state"
 * box beside it), children stacked inside their parent's frame, transitions between the same
 * two states merged into one arrow with a label line each, and no label placed over another
 * label or a state.
 *
 * @example
 * const { boxes, arrows } = chartLayout(sessionMachine)
 */
export function chartLayout(machine: AnyStateMachine): ChartLayout {
  const { states, edges } = machineGraph(machine);
  const root = machine.root as { type?: string };
  const regions = root.type === 'parallel' ? states.filter((s) => s.parent === '') : [null];
  const boxes: Box[] = [];
  const arrows: Arrow[] = [];
  let y = MARGIN;
  let width = 0;
  for (const region of regions) {
    const band = layoutRegion(states, edges, region, y);
    boxes.push(...band.boxes);
    arrows.push(...band.arrows);
    width = Math.max(width, band.width);
    y = band.bottom + REGION_GAP;
  }
  const height = y - REGION_GAP + MARGIN;
  return placeLabels({ boxes, arrows, width, height });
}

function layoutRegion(states: GraphState[], edges: GraphEdge[], region: GraphState | null, top: number) {
  const rootPath = region?.path ?? '';
  const inRegion = (path: string) => rootPath === '' || path === rootPath || path.startsWith(`${rootPath}.`);
  const own = states.filter((s) => s.path !== rootPath && inRegion(s.path));
  const anyPath = rootPath === '' ? ANY_STATE : `${rootPath}.${ANY_STATE}`;
  const regionEdges = edges.filter((e) => (e.source === rootPath || inRegion(e.source)) && inRegion(e.target) && (rootPath === '' || e.source !== ''));
  const hasAny = regionEdges.some((e) => e.source === rootPath);
  const depth = rootPath === '' ? 0 : rootPath.split('.').length;
  const topOf = (path: string) => (path === rootPath ? anyPath : path.split('.').slice(0, depth + 1).join('.'));
  const tops: Array<GraphState | { path: string; key: string; parent: string; initial: boolean; children: number }> = own.filter((s) => s.parent === rootPath);
  if (hasAny) tops.unshift({ path: anyPath, key: 'any state', parent: rootPath, initial: false, children: 0 });

  // Column of each top-level state: breadth-first distance from the initial one.
  const column = new Map<string, number>();
  const initial = tops.find((s) => s.initial) ?? tops[0];
  if (initial) column.set(initial.path, 1);
  if (hasAny) column.set(anyPath, 1);
  for (let queue = [...column.keys()]; queue.length > 0; ) {
    const current = queue.shift() as string;
    for (const e of regionEdges) {
      if (topOf(e.source) !== current) continue;
      const next = topOf(e.target);
      if (!column.has(next)) {
        column.set(next, (column.get(current) as number) + 1);
        queue.push(next);
      }
    }
  }
  const last = Math.max(1, ...column.values());
  for (const s of tops) if (!column.has(s.path)) column.set(s.path, last + 1);

  const kidsOf = (path: string) => own.filter((s) => s.parent === path);
  const heightOf = (path: string): number => {
    const kids = kidsOf(path);
    if (kids.length === 0) return H;
    return PAD * 2 + LINE + kids.reduce((sum, k) => sum + heightOf(k.path), 0) + CHILD_GAP * (kids.length - 1);
  };
  const widthOf = (path: string): number => {
    const kids = kidsOf(path);
    return kids.length === 0 ? W : Math.max(...kids.map((k) => widthOf(k.path))) + PAD * 2;
  };
  const boxes: Box[] = [];
  const place = (path: string, label: string, initialChild: boolean, x: number, y: number, width: number) => {
    const kids = kidsOf(path).sort((a, b) => Number(b.initial) - Number(a.initial));
    boxes.push({ path, label, x, y, width, height: heightOf(path), compound: kids.length > 0, initial: initialChild, any: path === anyPath });
    let cy = y + PAD + LINE;
    for (const kid of kids) {
      place(kid.path, kid.key, kid.initial, x + PAD, cy, width - PAD * 2);
      cy += heightOf(kid.path) + CHILD_GAP;
    }
  };

  const columns = [...new Set(column.values())].sort((a, b) => a - b);
  const inColumn = (c: number) => tops.filter((s) => column.get(s.path) === c);
  const columnHeight = (c: number) => inColumn(c).reduce((sum, s) => sum + heightOf(s.path), 0) + ROW_GAP * (inColumn(c).length - 1);
  const columnWidth = (c: number) => Math.max(W, ...inColumn(c).map((s) => widthOf(s.path)));
  const head = region ? LINE + PAD : 0;
  const bandHeight = Math.max(...columns.map(columnHeight));
  let x = MARGIN + (region ? PAD : 0);
  for (const c of columns) {
    const slot = columnWidth(c);
    let y = top + head + ROW_GAP / 2 + (bandHeight - columnHeight(c)) / 2;
    for (const s of inColumn(c)) {
      const width = widthOf(s.path);
      place(s.path, s.key, s.initial, x + (slot - width) / 2, y, width);
      y += heightOf(s.path) + ROW_GAP;
    }
    x += slot + COLUMN_GAP;
  }
  const bottom = top + head + bandHeight + ROW_GAP;
  const width = x - COLUMN_GAP + MARGIN + (region ? PAD : 0);
  if (region) {
    boxes.unshift({ path: region.path, label: `${region.key} (region)`, x: MARGIN, y: top, width: width - MARGIN * 2, height: bottom - top, compound: true, initial: false, any: false });
  }
  return { boxes, arrows: route(regionEdges, boxes, topOf, rootPath, anyPath), width, bottom };
}

function route(edges: GraphEdge[], boxes: Box[], topOf: (path: string) => string, rootPath: string, anyPath: string): Arrow[] {
  const byPath = new Map(boxes.map((b) => [b.path, b]));
  const groups = new Map<string, GraphEdge[]>();
  for (const e of edges) {
    const from = e.source === rootPath ? anyPath : e.source;
    const key = `${from}->${e.target}`;
    groups.set(key, [...(groups.get(key) ?? []), e]);
  }
  // Arrows between the same two top-level groups are spread apart: the one whose ends sit
  // highest bends up, the lowest bends down.
  const centreY = (path: string) => {
    const b = byPath.get(path);
    return b ? b.y + b.height / 2 : 0;
  };
  const pairOf = (key: string) => {
    const [from, to] = key.split('->') as [string, string];
    const a = topOf(from === anyPath ? rootPath : from);
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
    const labels = group.map(labelOf);
    if (from === to) {
      arrows.push({ id: key, from, to, labels, ...loop(a) });
      continue;
    }
    const siblings = [...(pairs.get(pairOf(key)) as string[])].sort((x, y) => height(x) - height(y));
    const lift = (siblings.indexOf(key) - (siblings.length - 1) / 2) * 52; // < 0: up
    arrows.push({ id: key, from, to, labels, ...curve(a, b, lift, labels.length) });
  }
  return arrows;
}

/** One label line: the event and its guard; an eventless choice shows only its condition. */
function labelOf(e: GraphEdge): string {
  if (e.event === 'always') return e.guard ? `[${e.guard}]` : '[else]';
  return [e.label, e.guard ? `[${e.guard}]` : ''].filter(Boolean).join(' ');
}

interface Point {
  x: number;
  y: number;
}

// A transition back to its own state: a small loop over the box's top right corner.
function loop(b: Box): Pick<Arrow, 'd' | 'labelX' | 'labelY' | 'anchor'> {
  const x = b.x + b.width - 24;
  const y = b.y;
  return { d: `M${x},${y} C${x},${y - 28} ${x + 34},${y - 28} ${x + 24},${y}`, labelX: x + 30, labelY: y - 18, anchor: 'start' };
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

interface Rect {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** The area an arrow's label covers, estimated generously from its text. */
export function labelRect(a: Pick<Arrow, 'labels' | 'labelX' | 'labelY' | 'anchor'>): Rect {
  const width = Math.max(...a.labels.map((l) => l.length)) * CHAR + 4;
  const left = a.anchor === 'start' ? a.labelX : a.anchor === 'end' ? a.labelX - width : a.labelX - width / 2;
  return { left: left - 2, top: a.labelY - LINE + 1, right: left + width + 2, bottom: a.labelY + (a.labels.length - 1) * LINE + 4 };
}

const overlaps = (a: Rect, b: Rect) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;

// Moves each label to the nearest free spot (up or down a line at a time) so that none covers
// another label or a state; then grows the canvas to hold them all.
function placeLabels(layout: ChartLayout): ChartLayout {
  const solid = layout.boxes.filter((b) => !b.compound).map((b) => ({ left: b.x, top: b.y, right: b.x + b.width, bottom: b.y + b.height }));
  const taken: Rect[] = [];
  const arrows = layout.arrows.map((a) => {
    for (let step = 0; step < 80; step++) {
      const shift = step === 0 ? 0 : (step % 2 === 1 ? -1 : 1) * Math.ceil(step / 2) * (LINE / 2);
      const moved = { ...a, labelY: a.labelY + shift };
      const rect = labelRect(moved);
      if (!taken.some((r) => overlaps(r, rect)) && !solid.some((r) => overlaps(r, rect))) {
        taken.push(rect);
        return moved;
      }
    }
    taken.push(labelRect(a));
    return a;
  });
  const top = Math.min(0, ...taken.map((r) => r.top - MARGIN / 2));
  const bottom = Math.max(layout.height, ...taken.map((r) => r.bottom + MARGIN / 2));
  const right = Math.max(layout.width, ...taken.map((r) => r.right + MARGIN / 2));
  const shift = -top;
  if (shift === 0) return { boxes: layout.boxes, arrows, width: right, height: bottom };
  const moveD = (d: string) => d.replace(/(-?[\d.]+),(-?[\d.]+)/g, (_, x: string, y: string) => `${x},${Math.round((Number(y) + shift) * 10) / 10}`);
  return {
    width: right,
    height: bottom + shift,
    boxes: layout.boxes.map((b) => ({ ...b, y: b.y + shift })),
    arrows: arrows.map((a) => ({ ...a, labelY: a.labelY + shift, d: moveD(a.d) })),
  };
}
