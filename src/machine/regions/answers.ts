import type { SessionEvent } from '../machineTypes.js';

// What a caller asking for a token (TOKEN_REQUESTED) gets in the states that hold one. The
// other states answer in one line each, where they are defined.

type Question = Extract<SessionEvent, { type: 'TOKEN_REQUESTED' }>;
const question = ({ event }: { event: Question }) => event;

/**
 * The answers of `authenticated` and `expiringSoon`, first match wins: past the session's end,
 * a wait (the lifetime region ends it in the same step, so the caller gets that error); a 401
 * for the current token, a new refresh (`refreshing`, the caller waits) and the token is not
 * handed out again; a token that works at the caller's time, the token; else (expired by the
 * caller's clock before its timer fired: a laptop that slept) the refresh, and a wait.
 *
 * @example
 * authenticated: { on: { TOKEN_REQUESTED: answersWithToken('#refreshing') } }
 */
export function answersWithToken<T extends string>(refreshing: T) {
  return [
    { guard: { type: 'lifetimeOverAt', params: question }, actions: 'queueCaller' },
    { guard: { type: 'rejectsCurrent', params: question }, target: refreshing, actions: ['refuseToken', 'queueCaller'] },
    { guard: { type: 'usableAt', params: question }, actions: 'giveToken' },
    { target: refreshing, actions: 'queueCaller' },
  ] as const;
}

/**
 * The answers of `refreshFailed`: the last refresh gave up, so a caller's question is what
 * starts the next one. Past the session's end, a wait (it ends now); a token that still works,
 * the token, and the refresh goes on in the background (`renewing`); tokens that do not, a new
 * refresh and a wait; no tokens at all (checkSession found none), the server is asked again.
 *
 * @example
 * refreshFailed: { on: { TOKEN_REQUESTED: answersAfterFailure } }
 */
export const answersAfterFailure = [
  { guard: { type: 'lifetimeOverAt', params: question }, actions: 'queueCaller' },
  { guard: { type: 'rejectsCurrent', params: question }, target: '#refreshing', actions: ['refuseToken', 'queueCaller'] },
  { guard: { type: 'usableAt', params: question }, target: 'renewing', actions: 'giveToken' },
  { guard: 'hasTokens', target: '#refreshing', actions: 'queueCaller' },
  { target: 'restoring.checking', actions: 'queueCaller' },
] as const;
