// Plane geometry for the chart layout: rectangles, points, Bézier paths as polylines, and
// the crossing tests the router and the label placement use.

export interface Rect {
  left: number;
  top: number;
  right: number;
  bottom: number;
}
export interface Point {
  x: number;
  y: number;
}
export type Side = 'left' | 'right' | 'top' | 'bottom';

const NORMAL: Record<Side, Point> = { left: { x: -1, y: 0 }, right: { x: 1, y: 0 }, top: { x: 0, y: -1 }, bottom: { x: 0, y: 1 } };
/** `k` px out of a box from `p`, square to its `side`. */
export const step = (p: Point, side: Side, k: number): Point => ({ x: p.x + NORMAL[side].x * k, y: p.y + NORMAL[side].y * k });

/** Cubic Bézier segments (start, then three points each) as a polyline, `n` pieces per segment. */
export function polyline(points: Point[], n: number): Point[] {
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
export function samples(d: string, n = 40): Point[] {
  const nums = [...d.matchAll(/-?[\d.]+/g)].map((m) => Number(m[0]));
  const points: Point[] = [];
  for (let i = 0; i + 1 < nums.length; i += 2) points.push({ x: nums[i] as number, y: nums[i + 1] as number });
  const segments = (points.length - 1) / 3;
  return polyline(points, Math.max(8, Math.ceil(n / segments)));
}

export const overlaps = (a: Rect, b: Rect) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
export const grow = (r: Rect, by: number): Rect => ({ left: r.left - by, top: r.top - by, right: r.right + by, bottom: r.bottom + by });
export const rectOf = (b: { x: number; y: number; width: number; height: number }): Rect => ({ left: b.x, top: b.y, right: b.x + b.width, bottom: b.y + b.height });

/** A polyline with its bounding boxes, for quick crossing tests. */
export interface Track {
  points: Point[];
  bounds: Rect;
  segments: Array<{ p: Point; q: Point; bounds: Rect }>;
  length: number;
}
export function track(points: Point[]): Track {
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
export function runsThrough(t: Track, r: Rect): boolean {
  return touches(t.bounds, r) && t.segments.some((g) => touches(g.bounds, r) && crosses(g.p, g.q, r));
}
/** How many times two polylines cross. */
export function crossings(a: Track, b: Track): number {
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
export function crosses(p: Point, q: Point, r: Rect): boolean {
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
