import ky, { type Options } from 'ky';

// The ky suites run twice: against ky 2 (the `unit` project) and against ky 1 (the `ky1`
// project aliases `ky` to the `ky1` package). The two majors differ in how a base URL is given.

/**
 * The ky major these tests are running against, found by behaviour rather than by a setting:
 * ky 2 refuses the `prefixUrl` option it renamed, ky 1 accepts it.
 */
export const KY_MAJOR: 1 | 2 = (() => {
  try {
    void ky('x', { prefixUrl: 'http://127.0.0.1:9/', fetch: async () => new Response('') } as Options).catch(() => {});
    return 1;
  } catch {
    return 2;
  }
})();

/**
 * Instance options that make relative inputs resolve under `base` (a URL ending in `/`):
 * `baseUrl` on ky 2, `prefixUrl` on ky 1. Inputs must then be given without a leading slash.
 */
export function kyBase(base: string): Options {
  return (KY_MAJOR === 1 ? { prefixUrl: base } : { baseUrl: base }) as Options;
}

/** Per-request options that send an absolute string URL as is (ky 1 would prefix it). */
export function kyAbsolute(): Options {
  return (KY_MAJOR === 1 ? { prefixUrl: '' } : {}) as Options;
}

/** The prefix-style option of each major: ky 2 `prefix`, ky 1 `prefixUrl` (plain concatenation). */
export function kyPrefix(prefix: string): Options {
  return (KY_MAJOR === 1 ? { prefixUrl: prefix } : { prefix }) as Options;
}

/** The JSON body of the response in an HTTPError (ky 2 has read it into `data` already). */
export async function errorData(error: { response: Response; data?: unknown }): Promise<unknown> {
  return 'data' in error ? error.data : error.response.json().catch(() => null);
}
