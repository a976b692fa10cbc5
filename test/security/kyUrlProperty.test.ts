import fc from 'fast-check';
import ky from 'ky';
import { describe, expect, it } from 'vitest';
import { withSession } from '../../src/ky.js';
import { kyAbsolute, kyBase } from '../helpers/ky.js';
import { capturingFetch, input, judge, loggedIn, RUNS, tryUrl, type Captured } from './urlOracle.js';

// ky resolves the URL itself (baseUrl or prefix on ky 2, prefixUrl on ky 1) before the adapter
// sees a Request: the adapter judges request.url, which is exactly what fetch will request.

describe('ky', () => {
  it(`withSession: token iff the Request ky built is on an allowed origin (${RUNS} runs)`, async () => {
    const session = loggedIn();
    const captured: Captured[] = [];
    const api = withSession(ky.create({ ...kyBase('https://api.example.com/v1/'), fetch: capturingFetch(captured), retry: 0 }), session, { onWarning: () => {} });
    const stats = { refused: 0, attached: 0 };
    await fc.assert(
      // with the instance's base, or (ky 1: prefixUrl '') without it, as for an absolute URL
      fc.asyncProperty(input, fc.boolean(), async (s, absolute) => {
        captured.length = 0;
        await Promise.resolve()
          .then(() => (absolute ? api(s, kyAbsolute()) : api(s)))
          .catch(() => {}); // ky refuses some inputs itself
        judge(captured[0], captured[0] ? tryUrl(captured[0].url) : null, (u) => u.origin === 'https://api.example.com', stats);
      }),
      { numRuns: RUNS },
    );
    expect(stats.attached).toBeGreaterThan(50);
    expect(stats.refused).toBeGreaterThan(5);
    session.stop();
  });
});
