import type { Arrow, Box } from './types.js';
import { crossings, grow, polyline, rectOf, runsThrough, step, track, type Point, type Rect, type Side, type Track } from './geometry.js';
import { titleOf } from './labels.js';

/** The transitions from one box to another, merged into one arrow. */
export interface Link {
  id: string;
  from: string;
  to: string;
  labels: string[];
}

/**
 * Arrows: each end gets its own point on a side of its box, the points of one side spread out
* in the order of where their arrows go. Between them: a curve leaving and entering square to
* the boxes, facing each other; or, when that would cross a state, a frame it has no business
* in or many arrows already drawn, round the side of the boxes, or along a lane just outside
* everything between its ends.
 */
export function route(links: Link[], boxes: Box[], regions: string[]): Arrow[] {
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
    const band = frames.find((f) => regions.includes(f.path) && inside(a.path, f.path));
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
