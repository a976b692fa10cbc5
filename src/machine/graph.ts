import type { AnyStateMachine } from 'xstate';

/** One state of a machine, as the diagram and the coverage check see it. */
export interface GraphState {
  /** Dot path below the root, e.g. `renewing.refreshing`. */
  path: string;
  key: string;
  /** Dot path of the parent state; '' for top-level states. */
  parent: string;
  /** True for the parent's initial child. */
  initial: boolean;
  children: number;
}

/** One transition of a machine. `source` '' means "from any state" (a root-level `on`). */
export interface GraphEdge {
  source: string;
  target: string;
  /** The event, or `always` for an eventless transition. */
  event: string;
  guard: string | null;
  /** The event as a reader wants it: `LOGIN`, `refresh: done`, `always`. */
  label: string;
  /** Stable identity, for coverage bookkeeping. */
  id: string;
}

/** The edges one transition definition draws (one per target; a targetless one loops). */
export function transitionEdges(transition: unknown): GraphEdge[] {
  const t = transition as TransitionLike;
  const source = t.source.path.join('.');
  const event = t.eventType === '' ? 'always' : t.eventType;
  const guard = guardName(t.guard);
  return (t.target ?? [t.source]).map((target) => {
    const to = target.path.join('.');
    return { source, target: to, event, guard, label: labelOf(event), id: `${source}|${event}|${guard}|${to}` };
  });
}

interface NodeLike {
  path: string[];
  key: string;
  states: Record<string, NodeLike>;
  parent?: NodeLike | undefined;
  initial?: { target: NodeLike[] } | undefined;
  transitions: Map<string, TransitionLike[]>;
  always?: TransitionLike[] | undefined;
}
interface TransitionLike {
  source: NodeLike;
  target?: NodeLike[] | undefined;
  guard?: unknown;
  eventType: string;
}

/**
 * Reads every state and transition out of a machine's own definition, so the docs' diagram,
 * the debug view and the coverage test cannot drift from the machine.
 *
 * @example
 * const { states, edges } = machineGraph(sessionMachine)
 * const out = edges.filter((edge) => edge.source === 'session.refreshFailed') // REFRESH, TOKEN_REJECTED, WAKE…
 */
export function machineGraph(machine: AnyStateMachine): { states: GraphState[]; edges: GraphEdge[] } {
  const states: GraphState[] = [];
  const edges: GraphEdge[] = [];
  const visit = (node: NodeLike) => {
    const source = node.path.join('.');
    if (node.parent) {
      states.push({
        path: source,
        key: node.key,
        parent: node.parent.path.join('.'),
        initial: node.parent.initial?.target[0] === node,
        children: Object.keys(node.states).length,
      });
    }
    for (const list of node.transitions.values()) for (const t of list) edges.push(...transitionEdges(t));
    for (const t of node.always ?? []) edges.push(...transitionEdges(t));
    for (const child of Object.values(node.states)) visit(child);
  };
  visit(machine.root as unknown as NodeLike);
  return { states, edges };
}

function guardName(guard: unknown): string | null {
  if (guard === undefined || guard === null) return null;
  if (typeof guard === 'string') return guard;
  // xstate's higher-order guards: and([...]), stateIn('#id')
  const g = guard as { type?: unknown; guards?: unknown[]; stateValue?: unknown };
  if (Array.isArray(g.guards)) return g.guards.map((inner) => guardName(inner)).join(' && ');
  if (g.stateValue !== undefined) return `in ${String(g.stateValue).replace(/^#/, '')}`;
  return typeof g.type === 'string' ? g.type : 'guard';
}

function labelOf(event: string): string {
  const actor = /^xstate\.(done|error)\.actor\.(.+)$/.exec(event);
  if (actor) return `${actor[2]}: ${actor[1] === 'done' ? 'done' : 'error'}`;
  const after = /^xstate\.after\.([^.]+)\./.exec(event);
  if (after) return `after ${after[1]}`;
  return event;
}

/**
 * Renders a machine as a Mermaid `stateDiagram-v2`, generated from its definition: composite
 * states as blocks, parallel regions separated by `--`, a region's own ("from any state")
 * transitions drawn from an "any state" node inside it, and each transition written in the
 * innermost block that holds both of its ends.
 *
 * @example
 * const diagram = toMermaid(sessionMachine) // paste into any Mermaid renderer
 */
export function toMermaid(machine: AnyStateMachine): string {
  const { states, edges } = machineGraph(machine);
  const parallel = new Set<string>();
  const visit = (node: { path: string[]; type?: string; states: Record<string, unknown> }) => {
    if (node.type === 'parallel') parallel.add(node.path.join('.'));
    for (const child of Object.values(node.states)) visit(child as typeof node);
  };
  visit(machine.root as unknown as { path: string[]; type?: string; states: Record<string, unknown> });
  // Mermaid ids are global: a key used twice (lifetime.checking, restoring.checking) gets its path.
  const keys = new Map<string, number>();
  for (const s of states) keys.set(s.key, (keys.get(s.key) ?? 0) + 1);
  const idOf = (path: string) => {
    if (path.endsWith(ANY)) return `${path.slice(0, -ANY.length - 1).replace(/\./g, '_') || 'root'}_any`;
    const key = path.split('.').pop() as string;
    return keys.get(key) === 1 ? key : path.replace(/\./g, '_');
  };
  const parentOf = (path: string) => (path.includes('.') ? path.slice(0, path.lastIndexOf('.')) : '');
  const ancestors = (path: string) => {
    const out: string[] = [];
    for (let p = path; p !== ''; p = parentOf(p)) out.push(p);
    return [...out, ''];
  };
  // The block an edge is written in: the innermost composite holding both ends.
  const blockOf = (e: GraphEdge) => {
    const from = e.source;
    const fromUp = ancestors(from === '' ? '' : parentOf(from));
    const home = e.source === '' || states.some((s) => s.parent === e.source && e.target.startsWith(`${e.source}.`)) ? e.source : null;
    if (home !== null) return home; // a region's own transition, from its "any state" node
    const toUp = new Set(ancestors(parentOf(e.target)));
    return fromUp.find((p) => toUp.has(p)) ?? '';
  };
  const label = (e: GraphEdge) =>
    (e.event === 'always' ? [e.guard ? `[${e.guard}]` : '[else]'] : [e.label, e.guard ? `[${e.guard}]` : ''])
      .filter(Boolean)
      .join(' ');
  const lines = ['stateDiagram-v2'];
  const block = (parent: string, indent: string) => {
    const kids = states.filter((s) => s.parent === parent);
    kids.forEach((s, i) => {
      if (parallel.has(parent) && parent !== '' && i > 0) lines.push(`${indent}--`);
      if (s.initial && !parallel.has(parent)) lines.push(`${indent}[*] --> ${idOf(s.path)}`);
      const id = idOf(s.path);
      if (s.children > 0) {
        lines.push(`${indent}state ${id} {`);
        block(s.path, `${indent}  `);
        lines.push(`${indent}}`);
      } else if (id !== s.key) lines.push(`${indent}state "${s.key}" as ${id}`);
    });
    const own = edges.filter((e) => blockOf(e) === parent);
    if (own.some((e) => e.source === parent)) lines.push(`${indent}state "any state" as ${idOf(parent === '' ? ANY : `${parent}.${ANY}`)}`);
    for (const e of own) {
      const from = e.source === parent ? idOf(parent === '' ? ANY : `${parent}.${ANY}`) : idOf(e.source);
      lines.push(`${indent}${from} --> ${idOf(e.target)}: ${label(e)}`);
    }
  };
  block('', '  ');
  return lines.join('\n');
}

const ANY = '*';
