/** The Node flags that load tsx (so a forked child can run .ts), without profiling or GC flags. */
export function loaderArgs(): string[] {
  const out: string[] = [];
  const argv = process.execArgv;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if ((a === '--require' || a === '--import' || a === '--loader') && i + 1 < argv.length) {
      out.push(a, argv[++i] as string);
    } else if (/^--(require|import|loader)=/.test(a)) {
      out.push(a);
    }
  }
  return out;
}
