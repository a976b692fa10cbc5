// The laid-out chart's shapes: a leaf module, so layout.ts and chart/ import it without a loop.

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
