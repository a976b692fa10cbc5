import { SessionError } from './errors.js';
import type { SessionEvent } from './machineTypes.js';
import type { DpopPort } from './ports.js';
import { SIDE, tokenTypeMismatch, type SessionDpop, type SideMaker } from './sessionDpop.js';
import type { TokenSending } from './snapshot.js';
import type { Tokens } from './tokens.js';

/** What a session does with its DPoP binding (createSession({ dpop })); inert for a Bearer session. */
export interface DpopWiring {
  /** What the adapters and the chart's effects ask of the binding, made by the binding. */
  side: SessionDpop | undefined;
  /** The token type and the nonce retries so far, for the snapshot. */
  sending(): TokenSending;
  /** login(): a `token_type` this session cannot use is refused (no silent downgrade). */
  checkLogin(tokens: unknown): void;
  /** Another tab's login may come with another key: the next proof reads the key store. */
  fromTab(event: SessionEvent, ours: Tokens | null): void;
}

/** Wires `dpop` into a session; `changed` is called when the snapshot's DPoP fields change. */
export function dpopWiring(dpop: DpopPort | undefined, now: () => number, changed: () => void): DpopWiring {
  let sending: TokenSending = { tokenType: dpop ? 'DPoP' : 'Bearer', nonceRetry: null };
  const retried = (origin: string) => {
    sending = { ...sending, nonceRetry: { count: (sending.nonceRetry?.count ?? 0) + 1, origin, at: now() } };
    changed();
  };
  return {
    side: dpop && (dpop as unknown as { [SIDE]: SideMaker })[SIDE](retried),
    sending: () => sending,
    checkLogin(tokens) {
      const mismatch = tokenTypeMismatch((tokens as { tokenType?: unknown } | null)?.tokenType, dpop !== undefined);
      if (mismatch !== null) throw new SessionError('invalid-response', `login(): ${mismatch}`);
    },
    fromTab(event, ours) {
      if (dpop && event.type === 'TAB_TOKENS' && event.tokens.login?.id !== ours?.login?.id) dpop.reload();
    },
  };
}
