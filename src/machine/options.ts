import { cooldownAfter } from './backoff.js';
import { SIDE } from './sessionDpop.js';
import { defaultBackoff } from './refresher.js';
import type { SessionConfig } from './sessionMachine.js';
import type { SessionOptions } from './types.js';
import { msg } from './dev.js';

/** Throws a TypeError naming the option for a configuration mistake (found at start-up). */
export function validateOptions(options: SessionOptions): void {
  if (typeof options?.refresh !== 'function') {
    throw new TypeError(process.env.NODE_ENV !== 'production' ? 'createSession: `refresh` must be a function ({ refreshToken, signal }) => Promise<TokenSet>' : msg('refresh-option'));
  }
  const check = (name: string, value: number | undefined, min: number, max = Infinity) => {
    if (value !== undefined && !(typeof value === 'number' && value >= min && value <= max)) {
      throw new TypeError(process.env.NODE_ENV !== 'production' ? `createSession: \`${name}\` must be a number from ${min} to ${max}, got ${String(value)}` : `${name}: ${msg('option-value')}`);
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
      throw new TypeError(process.env.NODE_ENV !== 'production' ? `createSession: \`${name}\` must be ${allowed.join(' or ')}, got ${typeof value}` : `${name}: ${msg('option-value')}`);
    }
  };
  kind('revoke', options.revoke, ['function']);
  if (options.dpop !== undefined && typeof (options.dpop as { [SIDE]?: unknown } | null)?.[SIDE] !== 'function') {
    throw new TypeError('createSession: `dpop` must be made by dpop() (silent-session/dpop)');
  }
  kind('activity', options.activity, ['function', 'false']);
  kind('checkSession', options.checkSession, ['boolean']);
}

/** The statechart's configuration from the options, with their defaults. */
export function configOf(options: SessionOptions, now: () => number, safely: (what: string, fn: () => void) => void): SessionConfig {
  const backoff = options.retry?.backoff ?? defaultBackoff;
  return {
    now,
    leadTime: options.refreshLeadTime ?? 60_000,
    retries: options.retry?.attempts ?? 2,
    // an app's backoff that throws or answers nonsense means "at once", never a crash or a hang
    backoff: (attempt) => {
      let ms = 0;
      safely('retry.backoff', () => void (ms = backoff(attempt)));
      return Number.isFinite(ms) ? Math.min(Math.max(0, ms), 2 ** 31 - 1) : 0;
    },
    cooldown: (failures) => cooldownAfter(failures),
    restoreTimeout: options.refreshTimeout ?? 10_000,
    checkSession: options.checkSession === true,
    idleTimeout: options.idleTimeout ?? null,
    maxSessionAge: options.maxSessionAge ?? null,
    endingWarning: options.endingWarning ?? 60_000,
  };
}
