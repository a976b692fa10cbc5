import type { InspectionEvent } from 'xstate';
import { transitionEdges } from '../../src/machine/graph.js';

/** Collects the ids of every machine transition taken, through the `inspect` option. */
export function transitionRecorder() {
  const taken = new Set<string>();
  const inspect = (event: InspectionEvent) => {
    if (event.type !== '@xstate.microstep') return;
    for (const t of event._transitions) for (const edge of transitionEdges(t)) taken.add(edge.id);
  };
  return { taken, inspect };
}
