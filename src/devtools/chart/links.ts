import type { GraphEdge } from '../../machine/graph.js';
import type { Link } from './route.js';

// The text on the arrows: one arrow per pair of states, one line per event on it.

function labelOf(e: GraphEdge): string {
  if (e.event === 'always') return e.guard ? `[${e.guard}]` : '[else]';
  return [e.label, e.guard ? `[${e.guard}]` : ''].filter(Boolean).join(' ');
}

// One arrow per pair of states; one line per event on it, its guards in the chart's order
// (`[rejectsCurrent | else]`: the first that holds is taken).
export function mergeLinks(list: Array<{ edge: GraphEdge; from: string; to: string }>): Link[] {
  const byKey = new Map<string, { link: Link; events: Map<string, GraphEdge[]> }>();
  for (const { edge, from, to } of list) {
    const id = `${from}->${to}`;
    const entry = byKey.get(id) ?? { link: { id, from, to, labels: [] }, events: new Map<string, GraphEdge[]>() };
    const key = edge.event === 'always' ? `always ${entry.events.size}` : edge.label;
    entry.events.set(key, [...(entry.events.get(key) ?? []), edge]);
    byKey.set(id, entry);
  }
  return [...byKey.values()].map(({ link, events }) => ({
    ...link,
    labels: [...events.values()].map((edges) => {
      const [first] = edges as [GraphEdge];
      return edges.length === 1 ? labelOf(first) : `${first.label} [${edges.map((e) => e.guard ?? 'else').join(' | ')}]`;
    }),
  }));
}

