import { newLogin, serverLoginAt, type LoginStamp } from './login.js';
import type { LoginRecord } from './loginRecord.js';
import { withLogin, type Tokens } from './tokens.js';

/** How a session stamps its token sets: only login() starts a lifetime (DESIGN rule 14). */
export interface Logins {
  /** The stamp of a login(): a new id; its time the server's word, else now. */
  start(set: unknown, tokens: Tokens): LoginStamp;
  /**
   * The stamp of tokens that continue a session: `known` (the tokens replaced), else the login
   * record, else a continued stamp from now (reported once). The server's word sets the time.
   */
  continue(known: LoginStamp | null, answer: { set: unknown; tokens: Tokens } | null): LoginStamp;
  /** Restored tokens, stamped (a set stored by an older version has no stamp). */
  restored(tokens: Tokens | null): Tokens | null;
}

/**
 * The session's stamping of logins. `maxSessionAge` null: nothing reads the time, so an
 * unknown one is not worth a warning.
 */
export function createLogins(o: {
  record: LoginRecord | undefined;
  now: () => number;
  warn: (message: string) => void;
  maxSessionAge: number | null;
}): Logins {
  const told = new Set<string>();
  const once = (what: string, message: string) => {
    if (told.has(what)) return;
    told.add(what);
    o.warn(message);
  };
  const onSeconds = (value: number) =>
    once('seconds', `loginAt ${value} looks like epoch seconds; it was read as seconds. loginAt is epoch milliseconds (auth_time is seconds): send milliseconds to silence this`);
  const serverSays = (answer: { set: unknown; tokens: Tokens } | null) =>
    answer === null ? null : serverLoginAt(answer.set, answer.tokens.claims, o.now(), onSeconds);

  function found(answer: { set: unknown; tokens: Tokens } | null): LoginStamp {
    const server = serverSays(answer);
    const kept = o.record?.read() ?? null;
    if (server !== null) return kept ? { id: kept.id, at: server } : newLogin(server);
    if (kept) return kept;
    // A record this library would not have written must not extend the session: its age is
    // taken as over (the record is gone now, so the next login() starts afresh).
    if (kept === false) return newLogin(0, true);
    if (o.maxSessionAge !== null) {
      once(
        'unknown',
        'maxSessionAge: nothing says when the login of this session happened (no login record, no loginAt or auth_time from the server), ' +
          'so its maximum age counts from now. Keep the login record (the loginRecord option; localStorage by default in a browser) or have the refresh answer say loginAt',
      );
    }
    return newLogin(o.now(), true);
  }

  return {
    start(set, tokens) {
      return newLogin(serverSays({ set, tokens }) ?? o.now());
    },
    continue(known, answer) {
      if (known === null) return found(answer);
      const server = serverSays(answer);
      return server === null || (server === known.at && !known.continued) ? known : { id: known.id, at: server };
    },
    restored(tokens) {
      return tokens === null || tokens.login !== null ? tokens : withLogin(tokens, found(null));
    },
  };
}
