// npm run bench: runs every section in its own Node process (a clean heap and JIT for each),
// prints the tables and writes bench/RESULTS.md. Options:
//   --quick            fewer sizes, rounds and seconds (a smoke run, not for RESULTS.md)
//   --only a,b         run only these sections (storm, overhead, loopback, size, memory, dpop, server, backoff)
//   --grace <ms>       the auth server's refresh-token reuse grace window (default 0)
//   --no-write         print only; leave RESULTS.md alone (implied by --quick and --only)
// A single section runs in-process with: tsx bench/run.ts --section <name>
import { fork } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { loaderArgs } from './lib/proc.js';
import { renderSection, type SectionResult } from './lib/report.js';

const SECTIONS = ['storm', 'overhead', 'loopback', 'size', 'memory', 'dpop', 'server', 'backoff'] as const;
type SectionName = (typeof SECTIONS)[number];

interface Options {
  quick: boolean;
  graceMs: number;
  only: SectionName[];
  write: boolean;
  section?: SectionName;
}

function parseArgs(argv: string[]): Options {
  const options: Options = { quick: false, graceMs: 0, only: [...SECTIONS], write: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') options.quick = true;
    else if (a === '--no-write') options.write = false;
    else if (a === '--grace') options.graceMs = Number(argv[++i]);
    else if (a === '--only') options.only = (argv[++i] ?? '').split(',').map(checkName);
    else if (a === '--section') options.section = checkName(argv[++i] ?? '');
    else throw new Error(`unknown option ${a}`);
  }
  return options;
}

function checkName(name: string): SectionName {
  if (!(SECTIONS as readonly string[]).includes(name)) throw new Error(`unknown section "${name}" (${SECTIONS.join(', ')})`);
  return name as SectionName;
}

async function runSection(name: SectionName, options: Options): Promise<SectionResult> {
  const o = { quick: options.quick, graceMs: options.graceMs };
  switch (name) {
    case 'storm':
      return (await import('./sections/storm.js')).run(o);
    case 'overhead':
      return (await import('./sections/overhead.js')).run(o);
    case 'loopback':
      return (await import('./sections/loopback.js')).run(o);
    case 'size':
      return (await import('./sections/size.js')).run(o);
    case 'memory':
      return (await import('./sections/memory.js')).run(o);
    case 'dpop':
      return (await import('./sections/dpop.js')).run(o);
    case 'server':
      return (await import('./sections/server.js')).run(o);
    case 'backoff':
      return (await import('./sections/backoff.js')).run(o);
  }
}

/** Runs one section in a child process (memory needs --expose-gc) and returns its result. */
function runChild(name: SectionName, options: Options): Promise<SectionResult> {
  const args = ['--section', name, '--grace', String(options.graceMs)];
  if (options.quick) args.push('--quick');
  const execArgv = [...loaderArgs(), '--expose-gc', '--max-old-space-size=4096'];
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), args, { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let result: SectionResult | undefined;
    child.on('message', (m: { result?: SectionResult }) => {
      if (m.result) result = m.result;
    });
    child.on('error', reject);
    child.on('exit', (code) => (result ? resolve(result) : reject(new Error(`section ${name} exited with ${code} and no result`))));
  });
}

/** Everything after this line in RESULTS.md is hand-written and kept when the file is regenerated. */
const KEEP = '<!-- hand-written below this line; bench/run.ts keeps it when it rewrites the file -->';

const load = () => loadavg().map((l) => l.toFixed(2)).join(' / ');

function machine(): string[] {
  const cpu = cpus();
  return [
    `- date: ${new Date().toISOString()}`,
    `- Node ${process.version} (V8 ${process.versions.v8}), ${process.platform} ${process.arch}`,
    `- CPU: ${cpu[0]?.model ?? 'unknown'} × ${cpu.length}, RAM ${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    `- load average at start (1 / 5 / 15 min): ${load()}${(loadavg()[0] ?? 0) > 0.5 ? ' — other work was running: timings are noisier than on an idle machine' : ''}`,
  ];
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  if (options.section) {
    const started = performance.now();
    const result = await runSection(options.section, options);
    result.seconds = (performance.now() - started) / 1000;
    if (process.send) process.send({ result });
    else console.log(renderSection(result));
    // open handles (keep-alive sockets, a hung baseline's promises) must not keep us alive
    setTimeout(() => process.exit(0), 100).unref();
    return;
  }
  const started = performance.now();
  const head = ['# silent-session benchmarks', '', ...machine(), ''];
  console.log(head.join('\n'));
  // The machine's load while the sections run (1-minute average, every 5 s): the bench's own
  // processes count in it (about 1 to 2 of it on 2 cores), the rest is other work.
  const samples: Array<{ section: string; load: number }> = [];
  let current = '';
  const sampler = setInterval(() => samples.push({ section: current, load: loadavg()[0] ?? 0 }), 5_000);
  const parts: string[] = [];
  for (const name of options.only) {
    console.log(`… running ${name}`);
    current = name;
    const result = await runChild(name, options);
    const text = renderSection(result);
    console.log(`\n${text}\n(${name}: ${result.seconds?.toFixed(1)} s)\n`);
    parts.push(text);
  }
  clearInterval(sampler);
  const total = (performance.now() - started) / 1000;
  const range = (loads: number[]) => {
    const sorted = [...loads].sort((a, b) => a - b);
    return sorted.length === 0 ? 'not sampled' : `${sorted[0]?.toFixed(2)}–${sorted.at(-1)?.toFixed(2)} (median ${sorted[Math.floor(sorted.length / 2)]?.toFixed(2)})`;
  };
  const during = options.only.map((name) => `${name} ${range(samples.filter((s) => s.section === name).map((s) => s.load))}`);
  head.push(
    `- load average at the end: ${load()}`,
    `- 1-minute load average during the run, sampled every 5 s, per section: ${during.join('; ')}`,
    `- total run time: ${total.toFixed(0)} s${options.quick ? ' (--quick)' : ''}`,
    '',
  );
  const body = [
    ...head,
    'Generated by `npm run bench` (bench/run.ts); numbers from one run on the machine above. Baselines are measured in the same run. Nothing here is a timed test: `npm test` never runs it.',
    '',
    ...parts,
  ].join('\n');
  // RESULTS.md only ever holds a complete, full-length run
  if (options.write && !options.quick && options.only.length === SECTIONS.length) {
    const file = new URL('./RESULTS.md', import.meta.url);
    const previous = existsSync(file) ? readFileSync(file, 'utf8') : '';
    const kept = previous.includes(KEEP) ? previous.slice(previous.indexOf(KEEP)) : `${KEEP}\n`;
    writeFileSync(file, `${body}\n${kept}`);
    console.log(`wrote bench/RESULTS.md (${total.toFixed(0)} s)`);
  }
}

await main();
