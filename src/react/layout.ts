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
  /** Where the first label line's baseline starts, and how it is anchored there. */
  labelX: number;
  labelY: number;
  anchor: 'start' | 'middle' | 'end';
  /** The backdrop behind the label lines (it interrupts the arrow, so the label reads as the arrow's own). */
  labelBox: { x: number; y: number; width: number; height: number };
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

/**
 * The label font: monospace, so that a label's width is known without a DOM (0.6 em per
 * character in DejaVu Sans Mono, Menlo, SF Mono, Courier; less in Consolas).
 */
export const LABEL_FONT = 'ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", "Liberation Mono", monospace';
export const LABEL_SIZE = 10.5;
/** Baseline to baseline, px. */
export const LINE = 12;
/** Width of one label character, rounded up from 0.6 em. */
const CHAR = 6.5;
// From a line's baseline to the top of its tallest glyph, and below it to the lowest.
const ASCENT = 10;
const DESCENT = 3;

const W = 150;
const H = 40;
/** Inside a compound frame, around its children. */
const PAD = 18;
/** A compound frame's title line, above its children. */
const TITLE = 14;
const MARGIN = 24;
const REGION_GAP = 40;
/** Between states stacked in a column, and between children stacked in a frame. */
const ROW_GAP = 80;
const CHILD_GAP = 64;
/** Between parallel regions drawn side by side in their parent's frame. */
const SIDE_GAP = 44;
const COLUMN_GAP = 150;

interface Rect {
  left: number;
  top: number;
  right: number;
  bottom: number;
}
interface Point {
  x: number;
  y: number;
}
type Side = 'left' | 'right' | 'top' | 'bottom';

/**
 * Lays a machine out for the debug view, from its own definition. A machine whose root is
 * parallel gets one band per region, stacked. In a band, the region's states sit in columns
 * (a layered drawing: along the longest path from the initial state, transitions back to an
 * earlier state drawn leftwards, a state nothing leaves right after its first predecessor),
 * ordered in each column by where their neighbours are; the region's own transitions start
 * from an "any state" box in the first column. Children sit in their parent's frame: stacked,
 * or side by side for parallel regions. Transitions between the same two states merge into
 * one arrow with a label line each; the arrows leave and enter boxes at spread-out points,
 * and each label is put on its own arrow where it covers no other label, no state and as few
 * other arrows as possible.
 *
 * @example
 * const { boxes, arrows } = chartLayout(sessionMachine)
 */
export function chartLayout(machine: AnyStateMachine): ChartLayout {
  const { states, edges } = machineGraph(machine);
  const parallel = parallelPaths(machine);
  const kidsOf = (path: string) => states.filter((s) => s.parent === path).sort((a, b) => Number(b.initial) - Number(a.initial));
  const regions = parallel.has('') ? kidsOf('') : [null];
  const boxes: Box[] = [];
  const links: Link[] = [];
  let y = MARGIN;
  let width = 0;
  for (const region of regions) {
    const band = layoutBand({ states, edges, parallel, kidsOf }, region, y);
    boxes.push(...band.boxes);
    links.push(...band.links);
    width = Math.max(width, band.width);
    y = band.bottom + REGION_GAP;
  }
  const height = y - REGION_GAP + MARGIN;
  const arrows = route(links, boxes);
  return placeLabels({ boxes, arrows, width, height }, links);
}

/** Paths of the parallel states ('' for a parallel root). */
function parallelPaths(machine: AnyStateMachine): Set<string> {
  const out = new Set<string>();
  const visit = (node: { path: string[]; type?: string; states: Record<string, unknown> }) => {
    if (node.type === 'parallel') out.add(node.path.join('.'));
    for (const child of Object.values(node.states)) visit(child as typeof node);
  };
  visit(machine.root as unknown as { path: string[]; type?: string; states: Record<string, unknown> });
  return out;
}

/** The transitions from one box to another, merged into one arrow. */
interface Link {
  id: string;
  from: string;
  to: string;
  labels: string[];
}

interface Graph {
  states: GraphState[];
  edges: GraphEdge[];
  parallel: Set<string>;
  kidsOf: (path: string) => GraphState[];
}

/** One label line: the event and its guard; an eventless choice shows only its condition. */
function labelOf(e: GraphEdge): string {
  if (e.event === 'always') return e.guard ? `[${e.guard}]` : '[else]';
  return [e.label, e.guard ? `[${e.guard}]` : ''].filter(Boolean).join(' ');
}

/** The size of a label's lines, from their length in characters. */
function labelSize(lines: string[]): { width: number; height: number } {
  return { width: Math.max(...lines.map((l) => l.length)) * CHAR, height: ASCENT + DESCENT + (lines.length - 1) * LINE };
}

function layoutBand(g: Graph, region: GraphState | null, top: number) {
  const rootPath = region?.path ?? '';
  const within = (path: string) => rootPath === '' || path === rootPath || path.startsWith(`${rootPath}.`);
  const anyPath = rootPath === '' ? ANY_STATE : `${rootPath}.${ANY_STATE}`;
  const depth = rootPath === '' ? 0 : rootPath.split('.').length;
  // A band draws the transitions inside its region; those from the region itself start at "any state".
  const bandEdges = g.edges.filter((e) => within(e.source) && within(e.target));
  const links = mergeLinks(bandEdges.map((e) => ({ edge: e, from: e.source === rootPath ? anyPath : e.source, to: e.target })));
  const hasAny = links.some((l) => l.from === anyPath);
  const topOf = (path: string) => (path === anyPath ? anyPath : path.split('.').slice(0, depth + 1).join('.'));
  const tops = g.kidsOf(rootPath).map((s) => s.path);
  const initial = g.kidsOf(rootPath).find((s) => s.initial)?.path ?? tops[0];
  if (hasAny) tops.unshift(anyPath);

  // Sizes: leaves are fixed; a frame holds its children stacked, or side by side when parallel.
  const sizes = new Map<string, { width: number; height: number }>();
  const linesBetween = (a: string, b: string) => {
    const inside = (p: string, q: string) => p === q || p.startsWith(`${q}.`);
    return Math.max(0, ...links.filter((l) => (inside(l.from, a) && inside(l.to, b)) || (inside(l.from, b) && inside(l.to, a))).map((l) => l.labels.length));
  };
  const gapBetween = (a: string, b: string, min: number) => Math.max(min, linesBetween(a, b) * LINE + 28);
  const sizeOf = (path: string): { width: number; height: number } => {
    const known = sizes.get(path);
    if (known) return known;
    const kids = g.kidsOf(path).map((k) => k.path);
    // a state many arrows end at grows, so that each arrow ends at its own point
    const arriving = links.filter((l) => l.to === path).length;
    let size = { width: W, height: Math.min(H * 2.5, H + Math.max(0, arriving - 3) * 10) };
    if (kids.length > 0 && g.parallel.has(path)) {
      const each = kids.map(sizeOf);
      size = { width: each.reduce((s, k) => s + k.width, 0) + SIDE_GAP * (kids.length - 1) + PAD * 2, height: Math.max(...each.map((k) => k.height)) + PAD * 2 + TITLE };
    } else if (kids.length > 0) {
      const each = kids.map(sizeOf);
      const gaps = kids.slice(1).reduce((s, k, i) => s + gapBetween(kids[i] as string, k, CHILD_GAP), 0);
      size = { width: Math.max(...each.map((k) => k.width)) + PAD * 2, height: each.reduce((s, k) => s + k.height, 0) + gaps + PAD * 2 + TITLE };
    }
    sizes.set(path, size);
    return size;
  };
  const boxes: Box[] = [];
  const place = (s: GraphState | null, path: string, x: number, y: number) => {
    const kids = g.kidsOf(path);
    const { width, height } = sizeOf(path);
    const any = path === anyPath;
    boxes.push({ path, label: any ? 'any state' : (s?.key ?? path), x, y, width, height, compound: kids.length > 0, initial: s?.initial ?? false, any });
    if (g.parallel.has(path)) {
      let cx = x + PAD;
      for (const k of kids) {
        place(k, k.path, cx, y + PAD + TITLE);
        cx += sizeOf(k.path).width + SIDE_GAP;
      }
      return;
    }
    let cy = y + PAD + TITLE;
    kids.forEach((k, i) => {
      const kid = sizeOf(k.path);
      place(k, k.path, x + (width - kid.width) / 2, cy);
      const next = kids[i + 1];
      if (next) cy += kid.height + gapBetween(k.path, next.path, CHILD_GAP);
    });
  };

  // Columns, then each column's order, then positions.
  const between = links.map((l) => [topOf(l.from), topOf(l.to)] as const).filter(([a, b]) => a !== b);
  const column = columnsOf(tops, initial, hasAny ? anyPath : null, between);
  const columns = [...new Set(column.values())].sort((a, b) => a - b).map((c) => tops.filter((t) => column.get(t) === c));
  const labelWidth = (a: string, b: string) =>
    Math.max(0, ...links.filter((l) => (topOf(l.from) === a && topOf(l.to) === b) || (topOf(l.from) === b && topOf(l.to) === a)).map((l) => labelSize(l.labels).width));
  const head = region ? TITLE + PAD : 0;
  const centre = new Map<string, number>();
  let bandHeight = 0;
  let xs: number[] = [];
  const arrange = () => {
    const heightOf = (col: string[]) => col.reduce((s, t) => s + sizeOf(t).height, 0) + col.slice(1).reduce((s, t, i) => s + gapBetween(col[i] as string, t, ROW_GAP), 0);
    bandHeight = Math.max(...columns.map(heightOf));
    xs = [];
    let x = MARGIN + (region ? PAD : 0);
    columns.forEach((col, c) => {
      xs.push(x);
      let y = top + head + ROW_GAP / 2 + (bandHeight - heightOf(col)) / 2;
      col.forEach((t, i) => {
        centre.set(t, y + sizeOf(t).height / 2);
        const next = col[i + 1];
        if (next) y += sizeOf(t).height + gapBetween(t, next, ROW_GAP);
      });
      const next = columns[c + 1];
      const slot = Math.max(...col.map((t) => sizeOf(t).width));
      const gap = next ? Math.max(COLUMN_GAP, ...col.flatMap((a) => next.map((b) => labelWidth(a, b) + 48))) : 0;
      x += slot + Math.min(gap, 340);
    });
    return x;
  };
  arrange();
  // Order each column by the mean height of its states' neighbours (a few sweeps), "any state" on top.
  for (let sweep = 0; sweep < 4; sweep++) {
    for (const col of columns) {
      const key = new Map(
        col.map((t) => {
          const near = between.filter(([a, b]) => a === t || b === t).map(([a, b]) => centre.get(a === t ? b : a) as number);
          return [t, t === anyPath ? -Infinity : near.length > 0 ? near.reduce((s, n) => s + n, 0) / near.length : (centre.get(t) as number)];
        }),
      );
      col.sort((a, b) => (key.get(a) as number) - (key.get(b) as number));
    }
    arrange();
  }
  const right = arrange();
  columns.forEach((col, c) => {
    const slot = Math.max(...col.map((t) => sizeOf(t).width));
    for (const t of col) {
      const size = sizeOf(t);
      place(g.states.find((s) => s.path === t) ?? null, t, (xs[c] as number) + (slot - size.width) / 2, (centre.get(t) as number) - size.height / 2);
    }
  });
  const bottom = top + head + bandHeight + ROW_GAP;
  const edge = right + (region ? PAD : 0); // `right`: where the last column ends
  if (region) {
    boxes.unshift({ path: region.path, label: `${region.key} (region)`, x: MARGIN, y: top, width: edge - MARGIN, height: bottom - top, compound: true, initial: false, any: false });
  }
  return { boxes, links, width: edge + MARGIN, bottom };
}

function mergeLinks(list: Array<{ edge: GraphEdge; from: string; to: string }>): Link[] {
  const byKey = new Map<string, Link>();
  for (const { edge, from, to } of list) {
    const id = `${from}->${to}`;
    const link = byKey.get(id) ?? { id, from, to, labels: [] };
    link.labels.push(labelOf(edge));
    byKey.set(id, link);
  }
  return [...byKey.values()];
}

/**
 * Column of each top-level state: the longest path from the initial state (and "any state")
 * over the transitions left once those that close a cycle are set aside; transitions into the
 * initial state never push it right. A state that nothing leaves goes right after its first
 * predecessor, not after its last.
 */
function columnsOf(tops: string[], initial: string | undefined, any: string | null, links: ReadonlyArray<readonly [string, string]>): Map<string, number> {
  const out = new Map<string, string[]>();
  for (const [a, b] of links) if (!(out.get(a) ?? []).includes(b)) out.set(a, [...(out.get(a) ?? []), b]);
  const mark = new Map<string, 'open' | 'done'>();
  const forward: Array<[string, string]> = [];
  const finished: string[] = [];
  const visit = (u: string) => {
    mark.set(u, 'open');
    for (const v of out.get(u) ?? []) {
      if (v === initial || v === any || mark.get(v) === 'open') continue; // closes a cycle: drawn leftwards
      forward.push([u, v]);
      if (!mark.has(v)) visit(v);
    }
    mark.set(u, 'done');
    finished.push(u);
  };
  for (const start of [initial, any, ...tops]) if (start !== undefined && start !== null && !mark.has(start)) visit(start);
  const rank = new Map<string, number>(tops.map((t) => [t, 0]));
  for (const v of finished.reverse()) {
    for (const [a, b] of forward) if (b === v) rank.set(v, Math.max(rank.get(v) as number, (rank.get(a) as number) + 1));
  }
  for (const t of tops) {
    if (t === initial || t === any || (out.get(t) ?? []).some((v) => v !== t)) continue;
    const from = forward.filter(([, b]) => b === t).map(([a]) => (rank.get(a) as number) + 1);
    if (from.length > 0) rank.set(t, Math.min(...from));
  }
  return rank;
}

// Arrows: each end gets its own point on a side of its box, the points of one side spread out
// in the order of where their arrows go. Between them: a curve leaving and entering square to
// the boxes, facing each other; or, when that would cross a state, a frame it has no business
// in or many arrows already drawn, round the side of the boxes, or along a lane just outside
// everything between its ends.
function route(links: Link[], boxes: Box[]): Arrow[] {
  const byPath = new Map(boxes.map((b) => [b.path, b]));
  const centreOf = (b: Box): Point => ({ x: b.x + b.width / 2, y: b.y + b.height / 2 });
  interface End {
    link: Link;
    box: Box;
    side: Side;
    toward: Point;
    at?: Point;
  }
  interface Way {
    sides: [Side, Side];
    /** How far the curve reaches out of the boxes (null: from the distance between its ends). */
    k: number | null;
    /** A lane's x (left, right) or y (top, bottom). */
    lane: number | null;
  }
  const solid = boxes.filter((b) => !b.compound).map((b) => ({ box: b, rect: grow(rectOf(b), 2) }));
  const frames = boxes.filter((b) => b.compound);
  const names = frames.map(titleOf);
  const inside = (p: string, q: string) => p === q || p.startsWith(`${q}.`);
  const midpoint = (b: Box, side: Side): Point =>
    side === 'left' ? { x: b.x, y: b.y + b.height / 2 } : side === 'right' ? { x: b.x + b.width, y: b.y + b.height / 2 } : side === 'top' ? { x: b.x + b.width / 2, y: b.y } : { x: b.x + b.width / 2, y: b.y + b.height };
  const lanes = new Map<string, number>(); // lanes taken per band and side
  const ends: Array<{ start: End; end: End; way: Way } | { loop: Box; link: Link }> = [];
  const routed: Track[] = [];
  // Shortest first: they have the fewest good ways, and the long ones then go round them.
  const distance = (l: Link) => {
    const a = byPath.get(l.from);
    const b = byPath.get(l.to);
    return a && b ? Math.hypot(centreOf(a).x - centreOf(b).x, centreOf(a).y - centreOf(b).y) : 0;
  };
  for (const link of [...links].sort((p, q) => distance(p) - distance(q))) {
    const a = byPath.get(link.from);
    const b = byPath.get(link.to);
    if (!a || !b) continue;
    if (a === b) {
      ends.push({ loop: a, link });
      continue;
    }
    const ca = centreOf(a);
    const cb = centreOf(b);
    const dx = cb.x - ca.x;
    const dy = cb.y - ca.y;
    // Boxes side by side (other columns) face each other with their sides; stacked ones with top and bottom.
    const horizontal = Math.abs(dx) >= a.width / 2 + b.width / 2 || Math.abs(dx) / (a.width / 2 + b.width / 2) >= Math.abs(dy) / (a.height / 2 + b.height / 2);
    const facing: [Side, Side] = horizontal ? (dx > 0 ? ['right', 'left'] : ['left', 'right']) : dy > 0 ? ['bottom', 'top'] : ['top', 'bottom'];
    // Frames the arrow has no business in, and the band it must stay in.
    const foreign = frames.filter((f) => !inside(a.path, f.path) && !inside(b.path, f.path));
    const band = frames.find((f) => !f.path.includes('.') && inside(a.path, f.path));
    const home = band ? grow(rectOf(band), -4) : null;
    const bandKey = band?.path ?? '';
    // A lane on `side`, just outside every box between the two ends.
    const laneFor = (side: Side): number => {
      const s = midpoint(a, side);
      const t = midpoint(b, side);
      const flat = side === 'top' || side === 'bottom';
      const [lo, hi] = flat ? [Math.min(s.x, t.x), Math.max(s.x, t.x)] : [Math.min(s.y, t.y), Math.max(s.y, t.y)];
      const between = [...solid.map((o) => o.box), ...foreign, a, b].filter((o) => (flat ? o.x < hi && o.x + o.width > lo : o.y < hi && o.y + o.height > lo));
      const taken = lanes.get(`${bandKey}|${side}`) ?? 0;
      const gap = 14 + taken * 9;
      if (side === 'bottom') return Math.max(...between.map((o) => o.y + o.height)) + gap;
      if (side === 'top') return Math.min(...between.map((o) => o.y)) - gap;
      if (side === 'right') return Math.max(...between.map((o) => o.x + o.width)) + gap;
      return Math.min(...between.map((o) => o.x)) - gap;
    };
    const ways: Array<{ way: Way; extra: number }> = [
      { way: { sides: facing, k: null, lane: null }, extra: 0 },
      ...(['left', 'right', 'top', 'bottom'] as const).flatMap((side) => [
        ...[50, 90, 150].map((k) => ({ way: { sides: [side, side] as [Side, Side], k, lane: null }, extra: 40 + k / 4 })),
        { way: { sides: [side, side] as [Side, Side], k: null, lane: laneFor(side) }, extra: 60 },
      ]),
    ];
    let best: { way: Way; cost: number; line: Track } | null = null;
    for (const { way, extra } of ways) {
      const line = track(polyline(shape(midpoint(a, way.sides[0]), midpoint(b, way.sides[1]), way), 24));
      const within = (r: Rect, p: Point) => p.x > r.left && p.x < r.right && p.y > r.top && p.y < r.bottom;
      const hits = solid.filter(({ box, rect }) => box !== a && box !== b && runsThrough(line, rect)).length + names.filter((rect) => runsThrough(line, rect)).length;
      const through = foreign.filter((f) => line.points.some((p) => within(rectOf(f), p))).length;
      const away = home !== null && line.points.some((p) => !within(home, p)) ? 1 : 0;
      let cost = (hits + away) * 1000 + through * 400 + line.length / 10 + extra;
      if (best !== null && cost >= best.cost) continue;
      for (const other of routed) cost += crossings(line, other) * 25;
      if (best === null || cost < best.cost) best = { way, cost, line };
    }
    const { way, line } = best as { way: Way; line: Track };
    if (way.lane !== null) lanes.set(`${bandKey}|${way.sides[0]}`, (lanes.get(`${bandKey}|${way.sides[0]}`) ?? 0) + 1);
    routed.push(line);
    ends.push({ start: { link, box: a, side: way.sides[0], toward: cb }, end: { link, box: b, side: way.sides[1], toward: ca }, way });
  }
  // Spread the ends on each side of each box, in the order of the directions they leave in.
  const sides = new Map<string, End[]>();
  for (const e of ends) {
    if ('loop' in e) continue;
    for (const end of [e.start, e.end]) {
      const key = `${end.box.path}|${end.side}`;
      sides.set(key, [...(sides.get(key) ?? []), end]);
    }
  }
  for (const list of sides.values()) {
    const { box, side } = list[0] as End;
    const vertical = side === 'left' || side === 'right';
    const from = vertical ? box.y : box.x;
    const length = vertical ? box.height : box.width;
    const inset = Math.min(10, length / 4);
    const along = (p: Point) => (vertical ? p.y : p.x);
    const c = midpoint(box, side);
    const slope = (p: Point) => (vertical ? (p.y - c.y) / Math.max(1, Math.abs(p.x - c.x)) : (p.x - c.x) / Math.max(1, Math.abs(p.y - c.y)));
    list.sort((p, q) => slope(p.toward) - slope(q.toward));
    const n = list.length;
    let spots: number[];
    if (!box.compound) spots = list.map((_, i) => from + inset + ((i + 1) * (length - inset * 2)) / (n + 1));
    else {
      // A large frame: each end near where its arrow comes from, kept apart.
      list.sort((p, q) => along(p.toward) - along(q.toward));
      const gap = Math.min(16, (length - inset * 2) / n);
      spots = list.map((p) => Math.min(from + length - inset, Math.max(from + inset, along(p.toward))));
      for (let i = 1; i < n; i++) spots[i] = Math.max(spots[i] as number, (spots[i - 1] as number) + gap);
      for (let i = n - 1; i >= 0; i--) spots[i] = Math.min(spots[i] as number, i === n - 1 ? from + length - inset : (spots[i + 1] as number) - gap);
    }
    list.forEach((end, i) => {
      const s = spots[i] as number;
      end.at =
        side === 'left' ? { x: box.x, y: s } : side === 'right' ? { x: box.x + box.width, y: s } : side === 'top' ? { x: s, y: box.y } : { x: s, y: box.y + box.height };
    });
  }
  const none = { labelX: 0, labelY: 0, anchor: 'middle' as const, labelBox: { x: 0, y: 0, width: 0, height: 0 } };
  return ends.map((e) => {
    if ('loop' in e) {
      // A transition back to its own state: a small loop over the box's top right corner.
      const x = e.loop.x + e.loop.width - 24;
      const y = e.loop.y;
      return { id: e.link.id, from: e.link.from, to: e.link.to, labels: e.link.labels, d: pathOf([{ x, y }, { x, y: y - 30 }, { x: x + 34, y: y - 30 }, { x: x + 24, y }]), ...none };
    }
    const d = pathOf(shape(e.start.at as Point, e.end.at as Point, e.way));
    return { id: e.start.link.id, from: e.start.link.from, to: e.start.link.to, labels: e.start.link.labels, d, ...none };
  });
}

const NORMAL: Record<Side, Point> = { left: { x: -1, y: 0 }, right: { x: 1, y: 0 }, top: { x: 0, y: -1 }, bottom: { x: 0, y: 1 } };
/** `k` px out of a box from `p`, square to its `side`. */
const step = (p: Point, side: Side, k: number): Point => ({ x: p.x + NORMAL[side].x * k, y: p.y + NORMAL[side].y * k });

/**
 * The control points of an arrow from `s` to `t` (cubic Bézier segments: start, then three
 * points per segment): one curve, or for a lane a rounded corner, the lane, and a corner.
 */
function shape(s: Point, t: Point, way: { sides: [Side, Side]; k: number | null; lane: number | null }): Point[] {
  const [from, to] = way.sides;
  if (way.lane === null) {
    const k = way.k ?? Math.min(140, Math.max(24, Math.hypot(t.x - s.x, t.y - s.y) * 0.4));
    return [s, step(s, from, k), step(t, to, k), t];
  }
  const flat = from === 'top' || from === 'bottom';
  const lane = way.lane;
  const span = flat ? t.x - s.x : t.y - s.y;
  const r = Math.min(36, Math.abs(span) / 3) * Math.sign(span || 1);
  const cs = flat ? { x: s.x, y: lane } : { x: lane, y: s.y };
  const ct = flat ? { x: t.x, y: lane } : { x: lane, y: t.y };
  const A = flat ? { x: s.x + r, y: lane } : { x: lane, y: s.y + r };
  const B = flat ? { x: t.x - r, y: lane } : { x: lane, y: t.y - r };
  return [s, cs, cs, A, A, B, B, ct, ct, t];
}

const round = (n: number) => Math.round(n * 10) / 10;
function pathOf(points: Point[]): string {
  const [first, ...rest] = points as [Point, ...Point[]];
  let d = `M${round(first.x)},${round(first.y)}`;
  for (let i = 0; i + 2 < rest.length; i += 3) {
    d += ` C${[rest[i], rest[i + 1], rest[i + 2]].map((p) => `${round((p as Point).x)},${round((p as Point).y)}`).join(' ')}`;
  }
  return d;
}

/** Cubic Bézier segments (start, then three points each) as a polyline, `n` pieces per segment. */
function polyline(points: Point[], n: number): Point[] {
  const out: Point[] = [points[0] as Point];
  for (let i = 0; i + 3 < points.length; i += 3) {
    const [p0, p1, p2, p3] = points.slice(i, i + 4) as [Point, Point, Point, Point];
    for (let j = 1; j <= n; j++) {
      const t = j / n;
      const u = 1 - t;
      out.push({
        x: u ** 3 * p0.x + 3 * u * u * t * p1.x + 3 * u * t * t * p2.x + t ** 3 * p3.x,
        y: u ** 3 * p0.y + 3 * u * u * t * p1.y + 3 * u * t * t * p2.y + t ** 3 * p3.y,
      });
    }
  }
  return out;
}

/** The points of an arrow's path (`M x,y C x,y x,y x,y …`), as a polyline. */
function samples(d: string, n = 40): Point[] {
  const nums = [...d.matchAll(/-?[\d.]+/g)].map((m) => Number(m[0]));
  const points: Point[] = [];
  for (let i = 0; i + 1 < nums.length; i += 2) points.push({ x: nums[i] as number, y: nums[i + 1] as number });
  const segments = (points.length - 1) / 3;
  return polyline(points, Math.max(8, Math.ceil(n / segments)));
}

/** Where a compound state's name is written, at the top of its frame (12 px sans, estimated generously). */
const titleOf = (b: Box): Rect => {
  const w = b.label.length * 7.4 + 8;
  return { left: b.x + b.width / 2 - w / 2, top: b.y + 4, right: b.x + b.width / 2 + w / 2, bottom: b.y + 24 };
};

const overlaps = (a: Rect, b: Rect) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
const grow = (r: Rect, by: number): Rect => ({ left: r.left - by, top: r.top - by, right: r.right + by, bottom: r.bottom + by });
const rectOf = (b: { x: number; y: number; width: number; height: number }): Rect => ({ left: b.x, top: b.y, right: b.x + b.width, bottom: b.y + b.height });

/** A polyline with its bounding boxes, for quick crossing tests. */
interface Track {
  points: Point[];
  bounds: Rect;
  segments: Array<{ p: Point; q: Point; bounds: Rect }>;
  length: number;
}
function track(points: Point[]): Track {
  const boundsOf = (ps: Point[]): Rect => ({
    left: Math.min(...ps.map((p) => p.x)),
    top: Math.min(...ps.map((p) => p.y)),
    right: Math.max(...ps.map((p) => p.x)),
    bottom: Math.max(...ps.map((p) => p.y)),
  });
  const segments = points.slice(1).map((q, i) => ({ p: points[i] as Point, q, bounds: boundsOf([points[i] as Point, q]) }));
  return { points, bounds: boundsOf(points), segments, length: segments.reduce((s, g) => s + Math.hypot(g.q.x - g.p.x, g.q.y - g.p.y), 0) };
}
// (bounding boxes that only touch count as overlapping here)
const touches = (a: Rect, b: Rect) => a.left <= b.right && b.left <= a.right && a.top <= b.bottom && b.top <= a.bottom;
/** Whether a polyline runs through a rectangle. */
function runsThrough(t: Track, r: Rect): boolean {
  return touches(t.bounds, r) && t.segments.some((g) => touches(g.bounds, r) && crosses(g.p, g.q, r));
}
/** How many times two polylines cross. */
function crossings(a: Track, b: Track): number {
  if (!touches(a.bounds, b.bounds)) return 0;
  let n = 0;
  for (const g of a.segments) {
    if (!touches(g.bounds, b.bounds)) continue;
    for (const h of b.segments) if (touches(g.bounds, h.bounds) && intersects(g.p, g.q, h.p, h.q)) n++;
  }
  return n;
}

/** Whether the segments p–q and r–s cross. */
function intersects(p: Point, q: Point, r: Point, s: Point): boolean {
  const turn = (a: Point, b: Point, c: Point) => Math.sign((b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x));
  return turn(p, q, r) * turn(p, q, s) < 0 && turn(r, s, p) * turn(r, s, q) < 0;
}

/** Whether the segment p–q passes through the rectangle. */
function crosses(p: Point, q: Point, r: Rect): boolean {
  // Liang–Barsky clipping
  let t0 = 0;
  let t1 = 1;
  const dx = q.x - p.x;
  const dy = q.y - p.y;
  const edges: Array<[number, number]> = [
    [-dx, p.x - r.left],
    [dx, r.right - p.x],
    [-dy, p.y - r.top],
    [dy, r.bottom - p.y],
  ];
  for (const [pp, qq] of edges) {
    if (pp === 0) {
      if (qq < 0) return false;
      continue;
    }
    const t = qq / pp;
    if (pp < 0) t0 = Math.max(t0, t);
    else t1 = Math.min(t1, t);
    if (t0 > t1) return false;
  }
  return true;
}

/**
 * Puts each label on its own arrow: at the first spot along it (from the middle outwards, then
 * just beside it) that covers no other label, no state, no compound's title and no arrow's
 * head, preferring spots that no other arrow crosses; then grows the canvas to hold them all.
 */
function placeLabels(layout: ChartLayout, _links: Link[]): ChartLayout {
  const solid = layout.boxes.filter((b) => !b.compound).map((b) => grow(rectOf(b), 3));
  const titles = layout.boxes.filter((b) => b.compound).map(titleOf);
  const frames = layout.boxes.filter((b) => b.compound).map(rectOf);
  const lines = layout.arrows.map((a) => track(samples(a.d)));
  const heads = lines.map((l) => {
    const p = l.points.at(-1) as Point;
    return { left: p.x - 8, top: p.y - 8, right: p.x + 8, bottom: p.y + 8 };
  });
  const taken: Rect[] = [];
  // along the arrow, from its middle outwards
  const T = [0.5, ...Array.from({ length: 10 }, (_, i) => [0.5 - (i + 1) * 0.04, 0.5 + (i + 1) * 0.04]).flat()];
  // A label stays in its region's band.
  const bands = layout.boxes.filter((b) => b.compound && !b.path.includes('.') && b.label.endsWith('(region)'));
  const bandOf = (a: Arrow) => bands.find((b) => a.from.startsWith(`${b.path}.`));
  const order = layout.arrows.map((_, i) => i).sort((i, j) => (lines[i] as Track).length - (lines[j] as Track).length);
  const placed = new Map<number, Pick<Arrow, 'labelX' | 'labelY' | 'anchor' | 'labelBox'>>();
  for (const i of order) {
    const a = layout.arrows[i] as Arrow;
    const line = (lines[i] as Track).points;
    const { width, height } = labelSize(a.labels);
    let best: { cost: number; rect: Rect; centre: Point } | null = null;
    const band = bandOf(a);
    const home = band ? grow(rectOf(band), -3) : null;
    const consider = (centre: Point, extra: number) => {
      const rect = { left: centre.x - width / 2 - 3, top: centre.y - height / 2 - 2, right: centre.x + width / 2 + 3, bottom: centre.y + height / 2 + 2 };
      // (the band grows sideways to hold its labels, but not into the next band)
      const outside = home !== null && (rect.top < home.top || rect.bottom > home.bottom) ? 1 : 0;
      const hard = outside + taken.filter((r) => overlaps(r, rect)).length + solid.filter((r) => overlaps(r, rect)).length + titles.filter((r) => overlaps(r, rect)).length;
      const headHits = heads.filter((r) => overlaps(r, rect)).length;
      const borders = frames.filter((f) => overlaps(f, rect) && !(rect.left >= f.left && rect.right <= f.right && rect.top >= f.top && rect.bottom <= f.bottom)).length;
      let cost = hard * 10_000 + headHits * 400 + borders * 25 + extra;
      if (best !== null && cost >= best.cost) return;
      lines.forEach((other, j) => {
        if (j !== i && runsThrough(other, rect)) cost += 150;
      });
      if (best === null || cost < best.cost) best = { cost, rect, centre };
    };
    if (line.length < 2 || a.from === a.to) {
      // a loop: above it
      const p = line[Math.floor(line.length / 2)] ?? { x: 0, y: 0 };
      consider({ x: p.x + width / 2 + 6, y: p.y - height / 2 - 4 }, 0);
    } else {
      for (const t of T) {
        const at = Math.round(t * (line.length - 1));
        const p = line[at] as Point;
        const q = line[Math.min(line.length - 1, at + 1)] as Point;
        const o = line[Math.max(0, at - 1)] as Point;
        const flat = Math.abs(q.x - o.x) >= Math.abs(q.y - o.y);
        const off = Math.abs(t - 0.5) * 30;
        consider(p, off);
        // just beside the arrow: above/below a flat one, left/right of a steep one
        for (const sign of [-1, 1]) {
          for (const away of [4, 10]) {
            for (const slide of [0, -0.35, 0.35]) {
              const extra = off + 4 + away + Math.abs(slide) * 10;
              if (flat) consider({ x: p.x + slide * width, y: p.y + sign * (height / 2 + away) }, extra);
              else consider({ x: p.x + sign * (width / 2 + away), y: p.y + slide * height }, extra);
            }
          }
        }
      }
    }
    if (((best as { cost: number } | null)?.cost ?? 0) >= 10_000) {
      // Nowhere on or beside the arrow: the nearest free spot around its middle.
      const mid = line[Math.floor(line.length / 2)] ?? { x: 0, y: 0 };
      for (let r = 8; r <= 240; r += 8) {
        for (let k = 0; k < 16; k++) consider({ x: mid.x + r * Math.cos((k * Math.PI) / 8), y: mid.y + r * Math.sin((k * Math.PI) / 8) }, 100 + r);
      }
    }
    const chosen = best as unknown as { rect: Rect; centre: Point };
    taken.push(chosen.rect);
    placed.set(i, {
      labelX: chosen.centre.x,
      labelY: chosen.centre.y - height / 2 + ASCENT,
      anchor: 'middle',
      labelBox: { x: chosen.rect.left, y: chosen.rect.top, width: chosen.rect.right - chosen.rect.left, height: chosen.rect.bottom - chosen.rect.top },
    });
  }
  const arrows = layout.arrows.map((a, i) => ({ ...a, ...(placed.get(i) as Pick<Arrow, 'labelX' | 'labelY' | 'anchor' | 'labelBox'>) }));
  // Each band grows sideways to hold its labels; then everything moves right of the margin.
  const boxes = layout.boxes.map((b) => {
    if (!bands.includes(b)) return b;
    const own = arrows.filter((a) => bandOf(a) === b).map((a) => rectOf(a.labelBox));
    const left = Math.min(b.x, ...own.map((r) => r.left - PAD / 2));
    const right = Math.max(b.x + b.width, ...own.map((r) => r.right + PAD / 2));
    return { ...b, x: left, width: right - left };
  });
  const all = [...boxes.map(rectOf), ...arrows.map((a) => rectOf(a.labelBox))];
  const dx = MARGIN - Math.min(...all.map((r) => r.left));
  const dy = Math.max(0, MARGIN / 2 - Math.min(...all.map((r) => r.top)));
  const width = Math.max(...all.map((r) => r.right)) + dx + MARGIN;
  const height = Math.max(layout.height, ...all.map((r) => r.bottom + MARGIN)) + dy;
  const moveD = (d: string) => d.replace(/(-?[\d.]+),(-?[\d.]+)/g, (_, x: string, y: string) => `${Math.round((Number(x) + dx) * 10) / 10},${Math.round((Number(y) + dy) * 10) / 10}`);
  return {
    width,
    height,
    boxes: boxes.map((b) => ({ ...b, x: b.x + dx, y: b.y + dy })),
    arrows: arrows.map((a) => ({ ...a, labelX: a.labelX + dx, labelY: a.labelY + dy, labelBox: { ...a.labelBox, x: a.labelBox.x + dx, y: a.labelBox.y + dy }, d: moveD(a.d) })),
  };
}
