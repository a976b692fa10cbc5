import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// The example is built as part of `npm test`: it type-checks under its own tsconfig (the repo's
// strict options, `silent-session` resolved to src/ as the vitest alias does), and the refresh
// code the port deleted is counted from the regions its files mark.
const here = import.meta.dirname;

/** Code lines (not blank, not only a comment) inside `// #region <name>` … `// #endregion` of every .ts file under `dir`. */
function regionLines(dir: string, name: string): number {
  let count = 0;
  for (const file of readdirSync(join(here, dir)).filter((f) => f.endsWith('.ts'))) {
    let inside = false;
    for (const line of readFileSync(join(here, dir, file), 'utf8').split('\n')) {
      const text = line.trim();
      if (text === `// #region ${name}`) inside = true;
      else if (text === '// #endregion') inside = false;
      else if (inside && text !== '' && !text.startsWith('//') && !text.startsWith('/*') && !text.startsWith('*')) count++;
    }
  }
  return count;
}

describe('examples/vben-admin', () => {
  it('type-checks (strict, as the repository)', () => {
    const configPath = join(here, 'tsconfig.json');
    const { config } = ts.readConfigFile(configPath, ts.sys.readFile) as { config: unknown };
    const parsed = ts.parseJsonConfigFileContent(config, ts.sys, here);
    const program = ts.createProgram(parsed.fileNames, parsed.options);
    const problems = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(parsed.fileNames.map((f) => f.slice(here.length + 1)).sort()).toEqual(expect.arrayContaining(['after/request.ts', 'before/authenticate.ts']));
    expect(problems).toEqual([]);
  }, 60_000); // a whole-program type-check: ~4 s on an idle machine, far more on a busy one

  it('counts the refresh code the port deleted and the session code it added; the guide says the same', () => {
    const deleted = regionLines('before', 'refresh');
    const added = regionLines('after', 'session');
    console.info(`the port deleted ${deleted} lines of hand-written refresh code and added ${added} lines for the session`);
    const guide = readFileSync(join(here, '../../docs/guides/replacing-interceptors.md'), 'utf8');
    expect(guide).toContain(`**${deleted} lines**`);
    expect(guide).toContain(`**${added} lines**`);
    expect(deleted).toBeGreaterThan(added);
  });
});
