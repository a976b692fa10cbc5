import type { SessionOptions } from './types.js';

/** Throws a TypeError naming the option for a configuration mistake (found at start-up). */
export function validateOptions(options: SessionOptions): void {
  if (typeof options?.refresh !== 'function') {
    throw new TypeError('createSession: `refresh` must be a function ({ refreshToken, signal }) => Promise<TokenSet>');
  }
  const check = (name: string, value: number | undefined, min: number, max = Infinity) => {
    if (value !== undefined && !(typeof value === 'number' && value >= min && value <= max)) {
      throw new TypeError(`createSession: \`${name}\` must be a number from ${min} to ${max}, got ${String(value)}`);
    }
  };
  check('refreshLeadTime', options.refreshLeadTime, 0);
  check('refreshTimeout', options.refreshTimeout, 1, 2 ** 31 - 1); // a setTimeout delay
  check('retry.attempts', options.retry?.attempts, 0);
  check('maxRefreshesPerMinute', options.maxRefreshesPerMinute, 1);
  check('idleTimeout', options.idleTimeout, 1);
  check('maxSessionAge', options.maxSessionAge, 1);
  check('endingWarning', options.endingWarning, 0);
  const kind = (name: string, value: unknown, allowed: string[]) => {
    if (value !== undefined && !allowed.includes(value === false ? 'false' : typeof value)) {
      throw new TypeError(`createSession: \`${name}\` must be ${allowed.join(' or ')}, got ${typeof value}`);
    }
  };
  kind('revoke', options.revoke, ['function']);
  kind('activity', options.activity, ['function', 'false']);
  kind('checkSession', options.checkSession, ['boolean']);
}
