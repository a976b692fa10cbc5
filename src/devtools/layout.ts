import type { AnyStateMachine } from 'xstate';
import { machineGraph, type GraphEdge, type GraphState } from '../machine/graph.js';
import { labelSize, LINE, placeLabels } from './chart/labels.js';
import { mergeLinks } from './chart/links.js';
import { route, type Link } from './chart/route.js';
import type { Arrow, Box, ChartLayout } from './chart/types.js';

export type { Arrow, Box, ChartLayout } from './chart/types.js';

/** Path suffix of the pseudo-state that a region's own ("from any state") transitions start from. */
const ANY_STATE = '*';

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
  const bands = regions.flatMap((r) => (r ? [r.path] : []));
  const arrows = route(links, boxes, bands);
  return placeLabels({ boxes, arrows, width, height }, bands, { margin: MARGIN, pad: PAD });
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

interface Graph {
  states: GraphState[];
  edges: GraphEdge[];
  parallel: Set<string>;
  kidsOf: (path: string) => GraphState[];
}

/** One label line: the event and its guard; an eventless choice shows only its condition. */
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
  // (a loop's label sits above its state, in the gap too)
  const loopLines = (a: string) => links.find((l) => l.from === a && l.to === a)?.labels.length ?? 0;
  const gapBetween = (a: string, b: string, min: number) => Math.max(min, linesBetween(a, b) * LINE + 28 + (loopLines(b) > 0 ? loopLines(b) * LINE + 8 : 0));
  // room above a frame's first state for its loop's label, below the frame's name
  const loopRoom = (first: string) => (loopLines(first) > 0 ? loopLines(first) * LINE + 8 : 0);
  // the widest label between two states stacked in one frame: the frame is at least that wide
  const widestBetween = (kids: string[]) =>
    Math.max(0, ...kids.slice(1).map((k, i) => Math.max(0, ...links.filter((l) => (l.from === kids[i] && l.to === k) || (l.from === k && l.to === kids[i])).map((l) => labelSize(l.labels).width))));
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
      const width = Math.max(...each.map((k) => k.width), widestBetween(kids) + 8) + PAD * 2;
      size = { width, height: each.reduce((s, k) => s + k.height, 0) + gaps + PAD * 2 + TITLE + loopRoom(kids[0] as string) };
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
    let cy = y + PAD + TITLE + (kids[0] ? loopRoom(kids[0].path) : 0);
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
