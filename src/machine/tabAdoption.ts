import type { DpopWiring } from './dpopWiring.js';
import type { SessionEvent } from './machineTypes.js';
import { restampContinued, type Tokens } from './tokens.js';

/**
 * Hands another tab's event to the chart. Tokens a tab that found the session (checkSession)
 * sent under a continued stamp continue our login when they win: taken under our stamp, and
 * every tab is told (`publish`).
 */
export function adoptFromTab(event: SessionEvent, current: () => Tokens | null, send: (event: SessionEvent) => void, publish: (tokens: Tokens) => void, dpop: DpopWiring): void {
  const ours = current();
  dpop.fromTab(event, ours);
  const restamped = event.type === 'TAB_TOKENS' ? restampContinued(event.tokens, ours) : null;
  if (restamped === null) return send(event);
  send({ type: 'TAB_TOKENS', tokens: restamped });
  publish(current() ?? restamped);
}
