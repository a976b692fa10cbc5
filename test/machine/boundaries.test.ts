import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';

// Any import of React or an HTTP client from the machine would fail loudly here.
vi.mock('react', () => {
  throw new Error('src/machine imported react');
});
vi.mock('ky', () => {
  throw new Error('src/machine imported ky');
});
vi.mock('axios', () => {
  throw new Error('src/machine imported axios');
});

const machineDir = join(import.meta.dirname, '../../src/machine');

describe('the machine layer', () => {
  it('loads and runs a whole session with React, ky and axios mocked away', async () => {
    const { createSessionCore } = await import('../../src/machine/session.js');
    const session = createSessionCore({ refresh: async () => ({ accessToken: 'b', expiresIn: 60 }) });
    session.login({ accessToken: 'a', refreshToken: 'r', expiresIn: 60 });
    await expect(session.refresh()).resolves.toBe('b');
    session.stop();
  });

  it('imports nothing but xstate, jwt-decode and its own files, and never touches the DOM', () => {
    for (const file of readdirSync(machineDir).filter((f) => f.endsWith('.ts'))) {
      const source = readFileSync(join(machineDir, file), 'utf8');
      const imports = [...source.matchAll(/from '([^']+)'/g)].map((m) => m[1] as string);
      for (const spec of imports) expect([file, spec]).toSatisfy(([, s]: string[]) => /^(xstate|jwt-decode|\.\/)/.test(s as string));
      expect(source, file).not.toMatch(/\b(window|document|navigator|localStorage|location)\./);
    }
  });
});
