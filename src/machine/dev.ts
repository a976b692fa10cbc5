/**
 * A production message: the code of the entry on the docs' messages page (docs/messages.md)
 * that has the long text. Long, remedy-naming messages are written where they are raised as
 * `process.env.NODE_ENV !== 'production' ? long : msg(code)` (the branch React and xstate use):
 * bundlers fold it, and the package ships two builds chosen by export conditions
 * (`development` and `node` get the long text, `production` and `default` the codes), so an
 * unbundled page never reads `process`. The error's `kind` is the same in both.
 *
 * @example
 * throw new SessionError('invalid-response', msg('no-access-token'))
 */
export const msg = (code: string): string => `${code} (see silent-session docs/messages#${code})`;
