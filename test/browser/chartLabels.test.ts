import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAuthServer, type AuthServer } from '../../demo/server/authServer.js';
import { buildPages, launchBrowser } from './harness.js';

// The debug view's arrow labels, measured as Chromium renders them (real fonts, real text
// widths), not as the layout estimates them: none may cover another label or a state, each
// stays on the canvas and beside its own arrow.

let browser: Browser;
let server: AuthServer;
let page: Page;

interface Rect {
  left: number;
  top: number;
  right: number;
  bottom: number;
}
interface Measured {
  labels: Array<{
    id: string;
    text: string;
    rect: Rect;
    /** Screen px from the label's box to its own arrow. */
    gap: number;
    /** Other arrows drawn through the label. */
    crossedBy: string[];
  }>;
  /** Atomic states: their box; compound states: their name, above their children. */
  states: Array<{ path: string; atomic: boolean; rect: Rect }>;
  canvas: Rect;
}

beforeAll(async () => {
  server = await startAuthServer({ staticDir: await buildPages() });
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 2400, height: 1600 } });
  await page.goto(`${server.url}/statechart.html`);
  // the real sessionMachine, drawn by SessionStatechart for a real session
  await page.evaluate(() => (window as unknown as { show(s: string): Promise<string> }).show('loggedOut'));
  await page.locator('[data-transition]').first().waitFor();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** Every label's and state's box in screen pixels, read from the rendered SVG. */
function measure(): Promise<Measured> {
  return page.evaluate(() => {
    const toScreen = (element: SVGGraphicsElement, box: DOMRect) => {
      const m = element.getScreenCTM() as DOMMatrix;
      const corners = [
        new DOMPoint(box.x, box.y),
        new DOMPoint(box.x + box.width, box.y),
        new DOMPoint(box.x, box.y + box.height),
        new DOMPoint(box.x + box.width, box.y + box.height),
      ].map((p) => p.matrixTransform(m));
      const xs = corners.map((p) => p.x);
      const ys = corners.map((p) => p.y);
      return { left: Math.min(...xs), top: Math.min(...ys), right: Math.max(...xs), bottom: Math.max(...ys) };
    };
    const distance = (r: { left: number; top: number; right: number; bottom: number }, p: { x: number; y: number }) =>
      Math.hypot(Math.max(r.left - p.x, 0, p.x - r.right), Math.max(r.top - p.y, 0, p.y - r.bottom));
    const groups = [...document.querySelectorAll<SVGGElement>('[data-transition]')];
    // every arrow as screen points, 2 px apart or closer
    const lines = groups.map((g) => {
      const path = g.querySelector('path') as SVGPathElement;
      const m = path.getScreenCTM() as DOMMatrix;
      const length = path.getTotalLength();
      const n = Math.max(50, Math.ceil(length / 2));
      return Array.from({ length: n + 1 }, (_, i) => path.getPointAtLength((length * i) / n).matrixTransform(m));
    });
    const labels = groups.map((g, i) => {
      const text = g.querySelector('text') as SVGTextElement;
      const rect = toScreen(text, text.getBBox());
      const gap = Math.min(...(lines[i] as DOMPoint[]).map((p) => distance(rect, p)));
      const inside = (p: DOMPoint) => p.x > rect.left + 1 && p.x < rect.right - 1 && p.y > rect.top + 1 && p.y < rect.bottom - 1;
      const crossedBy = groups.filter((_, j) => j !== i && (lines[j] as DOMPoint[]).some(inside)).map((o) => o.getAttribute('data-transition') as string);
      return { id: g.getAttribute('data-transition') as string, text: text.textContent ?? '', rect, gap, crossedBy };
    });
    const paths = [...document.querySelectorAll('[data-state]')].map((g) => g.getAttribute('data-state') as string);
    const states = [...document.querySelectorAll<SVGGElement>('[data-state]')].map((g) => {
      const path = g.getAttribute('data-state') as string;
      // atomic: no state drawn inside it. A compound's frame may hold labels, its name may not.
      const atomic = !paths.some((p) => p.startsWith(`${path}.`));
      const shape = (atomic ? g.querySelector('rect') : g.querySelector('text')) as SVGGraphicsElement;
      return { path, atomic, rect: toScreen(shape, shape.getBBox()) };
    });
    const svg = document.querySelector('figure svg') as SVGSVGElement;
    const c = svg.getBoundingClientRect();
    return { labels, states, canvas: { left: c.left, top: c.top, right: c.right, bottom: c.bottom } };
  });
}

/** How far two boxes overlap, in px each way (both > 0: they overlap). */
const overlap = (a: Rect, b: Rect) => ({
  x: Math.min(a.right, b.right) - Math.max(a.left, b.left),
  y: Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top),
});
const covers = (a: Rect, b: Rect) => {
  const o = overlap(a, b);
  return o.x > 0.5 && o.y > 0.5; // half a pixel: anti-aliasing, not an overlap anyone sees
};

describe('SessionStatechart labels in real Chromium', () => {
  it('draws a label for every arrow of the session machine', async () => {
    const { labels, states } = await measure();
    expect(labels.length).toBeGreaterThan(30);
    expect(states.filter((s) => s.atomic).length).toBeGreaterThan(15);
    expect(states.filter((s) => !s.atomic).length).toBeGreaterThan(5);
    for (const l of labels) expect(l.text, l.id).not.toBe('');
  });

  it('puts no arrow label over another label', async () => {
    const { labels } = await measure();
    const clashes: string[] = [];
    labels.forEach((a, i) => {
      for (const b of labels.slice(i + 1)) if (covers(a.rect, b.rect)) clashes.push(`"${a.text}" (${a.id}) × "${b.text}" (${b.id})`);
    });
    expect(clashes).toEqual([]);
  });

  it('puts no arrow label over a state, nor over the name of a compound state', async () => {
    const { labels, states } = await measure();
    const clashes: string[] = [];
    for (const l of labels) {
      for (const s of states) if (covers(l.rect, s.rect)) clashes.push(`"${l.text}" (${l.id}) × ${s.path}${s.atomic ? '' : ' (its name)'}`);
    }
    expect(clashes).toEqual([]);
  });

  it('keeps every label on the canvas and beside its own arrow', async () => {
    const { labels, canvas } = await measure();
    const outside = labels.filter((l) => l.rect.left < canvas.left || l.rect.top < canvas.top || l.rect.right > canvas.right || l.rect.bottom > canvas.bottom);
    expect(outside.map((l) => l.text)).toEqual([]);
    const far = labels.filter((l) => l.gap > 14).map((l) => `"${l.text}" ${l.gap.toFixed(1)} px from ${l.id}`);
    expect(far).toEqual([]);
    // Not asserted (where many arrows meet, some must cross a label); printed to watch it.
    const crossed = labels.filter((l) => l.crossedBy.length > 0);
    console.info(`[chart] ${labels.length} labels, at most ${Math.max(...labels.map((l) => l.gap)).toFixed(1)} px from their arrow; ${crossed.length} with another arrow running through: ${crossed.map((l) => `"${l.text}"`).join(', ')}`);
  });
});
