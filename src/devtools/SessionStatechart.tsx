import { useId, useMemo } from 'react';
import type { AnyStateMachine } from 'xstate';
import type { Session } from '../machine/session.js';
import { LABEL_FONT, LABEL_SIZE, LINE } from './chart/labels.js';
import { chartLayout, type Box } from './layout.js';
import { SessionPanel } from './SessionPanel.js';
import { useActivePaths } from './useActivePaths.js';

/**
 * Props of {@link SessionStatechart}.
 *
 * @example
 * const props: SessionStatechartProps = { session, diagramOnly: true, className: "debug" }
 */
export interface SessionStatechartProps {
  /** The session to show. */
  session: Session;
  /** The machine to draw (default: the session's own). */
  machine?: AnyStateMachine;
  /** The clock for the countdown (default `Date.now`). */
  now?: () => number;
  /** Hide the live panel and show only the diagram. */
  diagramOnly?: boolean;
  /** A class for the outer `<figure>`. */
  className?: string;
}

/**
 * A debugging view of a session: its statechart drawn from the machine's own definition with
 * the active states highlighted (the current one of each region marked `aria-current`), plus
 * a live panel with the countdown to expiry, the refresh's attempts and backoff, the
 * lifetime's end, pending callers, the last error and the last 50 events. Tokens appear only
 * as their last four characters. Needs only react; tree-shaken away when not imported.
 *
 * @example
 * {import.meta.env.DEV && <SessionStatechart session={session} />}
 */
export function SessionStatechart({ session, machine, now, diagramOnly = false, className }: SessionStatechartProps) {
  const logic = machine ?? (session.actor.logic as AnyStateMachine);
  const layout = useMemo(() => chartLayout(logic), [logic]);
  const active = useActivePaths(session.actor);
  // The current states: one per region of a parallel chart (its active states with no active child).
  const leaves = active.filter((p) => !active.some((q) => q.startsWith(`${p}.`)));
  const id = useId();
  const outgoing = (path: string) =>
    layout.arrows
      .filter((a) => a.from === path)
      .map((a) => `${a.labels.join(' or ')} → ${a.to.split('.').pop() as string}`)
      .join('; ');

  const box = (b: Box) => {
    const isActive = active.includes(b.path);
    const isLeaf = leaves.includes(b.path);
    const transitions = outgoing(b.path);
    return (
      <g
        key={b.path}
        role="listitem"
        tabIndex={0}
        data-state={b.path}
        data-active={isActive || undefined}
        aria-current={isLeaf ? 'step' : undefined}
        aria-label={`${b.label}${isLeaf ? ' (current state)' : isActive ? ' (active)' : ''}${transitions ? `. Leaves on: ${transitions}` : ''}`}
        className="ss-state"
      >
        <rect
          x={b.x}
          y={b.y}
          width={b.width}
          height={b.height}
          rx={b.compound ? 14 : 10}
          fill={b.compound ? (isActive ? '#eff6ff' : '#f8fafc') : isLeaf ? '#2563eb' : '#ffffff'}
          stroke={isActive ? '#1d4ed8' : b.any ? '#94a3b8' : '#334155'}
          strokeWidth={isActive ? 2.5 : 1.2}
          strokeDasharray={b.compound || b.any ? '5 4' : undefined}
        />
        <text
          x={b.x + b.width / 2}
          y={b.compound ? b.y + 18 : b.y + b.height / 2 + 5}
          textAnchor="middle"
          fontSize={b.compound ? 12 : 14}
          fontWeight={isLeaf ? 700 : 500}
          fontStyle={b.any ? 'italic' : undefined}
          fill={isLeaf && !b.compound ? '#ffffff' : '#0f172a'}
        >
          {b.label}
        </text>
        {b.initial && !b.any && <circle cx={b.x - 9} cy={b.y + (b.compound ? 18 : b.height / 2)} r={4} fill="#334155" />}
      </g>
    );
  };

  return (
    <figure className={className} style={{ margin: 0, fontFamily: 'system-ui, sans-serif', color: '#0f172a' }}>
      <svg
        viewBox={`0 0 ${layout.width} ${layout.height}`}
        width={layout.width}
        height={layout.height}
        role="group"
        aria-labelledby={`${id}-title`}
        style={{ maxWidth: '100%', height: 'auto', background: '#ffffff' }}
      >
        <title id={`${id}-title`}>{`Session statechart, current state: ${leaves.map((p) => p.split('.').pop()).join(', ')}`}</title>
        <defs>
          <marker id={`${id}-arrow`} viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M0,0 L10,5 L0,10 z" fill="#475569" />
          </marker>
        </defs>
        <g role="list" aria-label="States">
          {layout.boxes.filter((b) => b.compound).map(box)}
          {layout.boxes.filter((b) => !b.compound).map(box)}
        </g>
        <g aria-hidden="true">
          {layout.arrows.map((a) => (
            <g key={a.id} data-transition={a.id}>
              <path d={a.d} fill="none" stroke={a.from.endsWith('*') ? '#94a3b8' : '#475569'} strokeWidth={1.3} markerEnd={`url(#${id}-arrow)`} />
              <rect x={a.labelBox.x} y={a.labelBox.y} width={a.labelBox.width} height={a.labelBox.height} rx={3} fill="#ffffff" fillOpacity={0.92} />
              <text x={a.labelX} y={a.labelY} textAnchor={a.anchor} fontSize={LABEL_SIZE} fontFamily={LABEL_FONT} fill="#334155">
                {a.labels.map((line, i) => (
                  <tspan key={i} x={a.labelX} dy={i === 0 ? 0 : LINE}>
                    {line}
                  </tspan>
                ))}
              </text>
            </g>
          ))}
        </g>
      </svg>
      {!diagramOnly && <SessionPanel session={session} {...(now ? { now } : {})} />}
    </figure>
  );
}
