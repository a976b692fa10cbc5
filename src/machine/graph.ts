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
 * Reads every state and transition out of a machine's own definition, so the README diagram,
 * the debug view and the coverage test cannot drift from the machine.
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
  const type = (guard as { type?: unknown }).type;
  return typeof type === 'string' ? type : 'guard';
}

function labelOf(event: string): string {
  const actor = /^xstate\.(done|error)\.actor\.(.+)$/.exec(event);
  if (actor) return `${actor[2]}: ${actor[1] === 'done' ? 'done' : 'error'}`;
  const after = /^xstate\.after\.([^.]+)\./.exec(event);
  if (after) return `after ${after[1]}`;
  return event;
}

/**
 * Renders a machine as a Mermaid `stateDiagram-v2`, generated from its definition.
 * Root-level transitions ("from any state") are drawn from every top-level state they leave.
 *
 * @example
 * const diagram = toMermaid(sessionMachine) // paste into any Mermaid renderer
 */
export function toMermaid(machine: AnyStateMachine): string {
  const { states, edges } = machineGraph(machine);
  const lines = ['stateDiagram-v2'];
  const name = (path: string) => path.split('.').pop() as string;
  const edgeLine = (indent: string, from: string, e: GraphEdge) =>
    `${indent}${from} --> ${name(e.target)}: ${[e.event === 'always' ? '' : e.label, e.guard ? `[${e.guard}]` : '']
      .filter(Boolean)
      .join(' ')}`;
  const block = (parent: string, indent: string) => {
    for (const s of states.filter((s) => s.parent === parent && s.initial)) lines.push(`${indent}[*] --> ${s.key}`);
    for (const s of states.filter((s) => s.parent === parent)) {
      if (s.children > 0) {
        lines.push(`${indent}state ${s.key} {`);
        block(s.path, `${indent}  `);
        lines.push(`${indent}}`);
      }
      for (const e of edges.filter((e) => e.source === s.path && e.target !== s.path)) lines.push(edgeLine(indent, s.key, e));
    }
  };
  block('', '  ');
  const topLevel = states.filter((s) => s.parent === '');
  for (const e of edges.filter((e) => e.source === '')) {
    for (const s of topLevel) if (s.path !== e.target) lines.push(edgeLine('  ', s.key, e));
  }
  return lines.join('\n');
}
