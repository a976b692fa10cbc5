import { describe, expectTypeOf, it } from 'vitest';
import { useSessionEnding, type SessionEndingState } from '../../src/react.js';

// The dialog's contract: null while nothing ends; `stayActive` only where it can do something.
describe('useSessionEnding() types', () => {
  it('returns the ending state or null, and takes no argument', () => {
    expectTypeOf(useSessionEnding).parameters.toEqualTypeOf<[]>();
    expectTypeOf(useSessionEnding).returns.toEqualTypeOf<SessionEndingState | null>();
  });

  it('has stayActive for an idle end only: the UI can tell by `reason` or by `stayActive` itself', () => {
    const ending = {} as SessionEndingState;
    expectTypeOf(ending.reason).toEqualTypeOf<'idle' | 'max-age' | 'refresh-expiry'>();
    expectTypeOf(ending.secondsLeft).toEqualTypeOf<number>();
    expectTypeOf(ending.at).toEqualTypeOf<number>();
    expectTypeOf(ending.logout).toEqualTypeOf<() => Promise<void>>();
    expectTypeOf(ending.stayActive).toEqualTypeOf<(() => void) | undefined>();
    if (ending.reason === 'idle') expectTypeOf(ending.stayActive).toEqualTypeOf<() => void>();
    else expectTypeOf(ending.stayActive).toEqualTypeOf<undefined>();
    if (ending.stayActive) expectTypeOf(ending.reason).toEqualTypeOf<'idle'>();
  });
});
