// sessionSlice.ts — the session's state in a Redux Toolkit store, mirrored read-only.
import { createSlice, type PayloadAction } from '@reduxjs/toolkit';
import type { Session, SessionErrorKind, SessionSnapshot, SessionStatus } from '../../src/index.js';

/**
 * What the slice holds: serializable, and no token. Redux DevTools records every action and
 * redux-persist saves the state, so a token here would be copied twice over; requests get it
 * from the session (the adapters, or `session.getAccessToken()`).
 */
export interface SessionState {
  status: SessionStatus;
  subject: string | null;
  expiresAt: number | null;
  isRestoring: boolean;
  isAuthenticated: boolean;
  /** Why the last session ended, for a "login expired" dialog; null after a plain logout. */
  endedBecause: SessionErrorKind | null;
}

const toState = (s: SessionSnapshot): SessionState => ({
  status: s.status,
  subject: typeof s.claims?.sub === 'string' ? s.claims.sub : null,
  expiresAt: s.expiresAt,
  isRestoring: s.isRestoring,
  isAuthenticated: s.isAuthenticated,
  endedBecause: s.status === 'loggedOut' ? (s.error?.kind ?? null) : null,
});

export const sessionSlice = createSlice({
  name: 'session',
  initialState: { status: 'restoring', subject: null, expiresAt: null, isRestoring: true, isAuthenticated: false, endedBecause: null } as SessionState,
  reducers: {
    // the one writer: connectSession below. Your reducers only read state.session.
    sessionChanged: (_state, action: PayloadAction<SessionState>) => action.payload,
  },
});

/**
 * Feeds the slice from the session, now and on every change; returns the unsubscribe. Leave
 * the slice out of redux-persist (`blacklist: ['session']`): the session restores itself.
 */
export function connectSession(store: { dispatch(action: PayloadAction<SessionState>): unknown }, session: Session): () => void {
  const sync = (snapshot: SessionSnapshot) => store.dispatch(sessionSlice.actions.sessionChanged(toState(snapshot)));
  sync(session.getSnapshot());
  return session.subscribe(sync);
}

// store.ts:  const store = configureStore({ reducer: { session: sessionSlice.reducer, ... } })
//            connectSession(store, session)
