import type { Arrow, Box, ChartLayout } from './types.js';
import { grow, overlaps, rectOf, runsThrough, samples, track, type Point, type Rect, type Track } from './geometry.js';

// The arrows' labels: their font and size, and where each one goes.

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

/** The size of a label's lines, from their length in characters. */
export function labelSize(lines: string[]): { width: number; height: number } {
  return { width: Math.max(...lines.map((l) => l.length)) * CHAR, height: ASCENT + DESCENT + (lines.length - 1) * LINE };
}

/** Where a compound state's name is written, at the top of its frame (12 px sans, estimated generously). */
export const titleOf = (b: Box): Rect => {
  const w = b.label.length * 7.4 + 8;
  return { left: b.x + b.width / 2 - w / 2, top: b.y + 4, right: b.x + b.width / 2 + w / 2, bottom: b.y + 24 };
};

/**
 * Puts each label on its own arrow: at the first spot along it (from the middle outwards, then
 * just beside it) that covers no other label, no state, no compound's title and no arrow's
 * head, preferring spots that no other arrow crosses; then grows the canvas to hold them all.
 */
export function placeLabels(layout: ChartLayout, regions: string[], { margin, pad }: { margin: number; pad: number }): ChartLayout {
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
  const bands = layout.boxes.filter((b) => regions.includes(b.path));
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
      // a loop: above it, leaning right, else centred or leaning left (a wide label where the right is taken)
      const p = line[Math.floor(line.length / 2)] ?? { x: 0, y: 0 };
      for (const [k, lean] of [0.5, 0, -0.5].entries()) consider({ x: p.x + lean * width + 6, y: p.y - height / 2 - 4 }, k * 4);
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
    const left = Math.min(b.x, ...own.map((r) => r.left - pad / 2));
    const right = Math.max(b.x + b.width, ...own.map((r) => r.right + pad / 2));
    return { ...b, x: left, width: right - left };
  });
  const all = [...boxes.map(rectOf), ...arrows.map((a) => rectOf(a.labelBox))];
  const dx = margin - Math.min(...all.map((r) => r.left));
  const dy = Math.max(0, margin / 2 - Math.min(...all.map((r) => r.top)));
  const width = Math.max(...all.map((r) => r.right)) + dx + margin;
  const height = Math.max(layout.height, ...all.map((r) => r.bottom + margin)) + dy;
  const moveD = (d: string) => d.replace(/(-?[\d.]+),(-?[\d.]+)/g, (_, x: string, y: string) => `${Math.round((Number(x) + dx) * 10) / 10},${Math.round((Number(y) + dy) * 10) / 10}`);
  return {
    width,
    height,
    boxes: boxes.map((b) => ({ ...b, x: b.x + dx, y: b.y + dy })),
    arrows: arrows.map((a) => ({ ...a, labelX: a.labelX + dx, labelY: a.labelY + dy, labelBox: { ...a.labelBox, x: a.labelBox.x + dx, y: a.labelBox.y + dy }, d: moveD(a.d) })),
  };
}
