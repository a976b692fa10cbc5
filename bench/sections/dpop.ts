// Table 5: DPoP (RFC 9449). What one proof costs (Node and Chromium) next to the bare ECDSA
// signature and the two well-kept libraries that could make it (panva's `dpop`, `oauth4webapi`);
// what a request through createAuthFetch costs with a Bearer token and with one proof added; and
// the bytes of each implementation (esbuild min + gzip level 9, as size-limit measures).
// The request rows compare a Bearer session with a DPoP session (createSession({ dpop })), whose
// adapter makes one proof per request, through the same createAuthFetch and stub fetch.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { generateKeyPair as panvaKeyPair, generateProof } from 'dpop';
import { build } from 'esbuild';
import * as oauth from 'oauth4webapi';
import { dpop, memoryKeyStore } from 'silent-session/dpop';
import { createAuthFetch } from 'silent-session/fetch';
import { CHROMIUM, CHROMIUM_ARGS } from '../../test/browser/chromium.js';
import { fmt, median, type GoalCheck, type SectionResult, type Table } from '../lib/report.js';
import { API, fakeJwt, stubFetch, stubSession } from '../lib/stubs.js';

type Op = () => Promise<unknown>;
const root = fileURLToPath(new URL('../../', import.meta.url));
const PROOF_GOAL_NS = 250_000; // a proof should cost well under a millisecond, in Node and in Chromium

async function loop(op: Op, n: number): Promise<number> {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await op();
  return Number(process.hrtime.bigint() - t0) / n;
}

/** Interleaved rounds (the order flips each round); every round's ns/op per variant. */
async function measure(variants: Array<[string, Op]>, rounds: number, roundMs: number): Promise<Map<string, number[]>> {
  const iterations = new Map<string, number>();
  for (const [name, op] of variants) {
    await loop(op, 300); // warm up
    iterations.set(name, Math.max(50, Math.round((roundMs * 1e6) / (await loop(op, 200)))));
  }
  const samples = new Map<string, number[]>(variants.map(([name]) => [name, []]));
  for (let r = 0; r < rounds; r++) {
    for (const [name, op] of r % 2 === 0 ? variants : [...variants].reverse()) samples.get(name)?.push(await loop(op, iterations.get(name) ?? 100));
  }
  return samples;
}

async function bytes(contents: string, external: string[] = []): Promise<{ min: number; gzip: number; text: string }> {
  const result = await build({ stdin: { contents, resolveDir: root, loader: 'ts' }, bundle: true, write: false, minify: true, format: 'esm', external, logLevel: 'silent' });
  const out = result.outputFiles[0]?.contents ?? new Uint8Array();
  return { min: out.length, gzip: gzipSync(out, { level: 9 }).length, text: new TextDecoder().decode(out) };
}

export async function run(options: { quick: boolean }): Promise<SectionResult> {
  const rounds = options.quick ? 5 : 15;
  const roundMs = options.quick ? 60 : 150;
  const goals: GoalCheck[] = [];
  const url = `${API}/items/1`;
  const token = fakeJwt({ sub: 'bench', exp: Math.floor(Date.now() / 1000) + 86_400, cnf: { jkt: 'x'.repeat(43) } });

  // --- one proof, in Node
  const binding = dpop({ keyStore: memoryKeyStore() });
  await binding.proof({ method: 'GET', url, accessToken: token });
  const panva = await panvaKeyPair('ES256');
  // addProof is what oauth4webapi's own request functions call per request (not in its typings)
  const handle = oauth.DPoP({}, panva) as oauth.DPoPHandle & { addProof(url: URL, headers: Headers, htm: string, accessToken?: string): Promise<void> };
  const target = new URL(url);
  const signingInput = new TextEncoder().encode('x'.repeat(560)); // a proof's signing input is ~560 bytes
  let n = 0;
  const proofVariants: Array<[string, Op]> = [
    ['ECDSA P-256 sign alone (crypto.subtle.sign, the floor)', () => crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, panva.privateKey, signingInput)],
    ['silent-session binding.proof(), same token (ath cached)', () => binding.proof({ method: 'GET', url, accessToken: token })],
    ['silent-session binding.proof(), a new token each time (+ SHA-256)', () => binding.proof({ method: 'GET', url, accessToken: `${token}${n++}` })],
    ['panva dpop 2.1.2 generateProof()', () => generateProof(panva, url, 'GET', undefined, token)],
    ['oauth4webapi 3.8.9 DPoP().addProof()', () => handle.addProof(target, new Headers(), 'GET', token)],
  ];
  const proofSamples = await measure(proofVariants, rounds, roundMs);
  const proofRows = proofVariants.map(([name]) => {
    const s = proofSamples.get(name) ?? [];
    return [name, fmt.us(median(s)), `${fmt.us(Math.min(...s))}–${fmt.us(Math.max(...s))}`];
  });
  const ours = median(proofSamples.get(proofVariants[1]?.[0] ?? '') ?? []);
  goals.push({ goal: 'one proof in Node ≤ 250 µs', measured: fmt.us(ours), met: ours <= PROOF_GOAL_NS });

  // --- a request through createAuthFetch: a Bearer session vs a DPoP session
  const session = stubSession();
  const dpopSession = stubSession({ dpop: dpop({ keyStore: memoryKeyStore() }) });
  const authFetch = createAuthFetch(session, { baseUrl: API, fetch: stubFetch });
  const dpopFetch = createAuthFetch(dpopSession, { baseUrl: API, fetch: stubFetch });
  const DPOP_ROW = 'createAuthFetch, DPoP session (one proof per request)';
  const requestVariants: Array<[string, Op]> = [
    ['bare fetch (stub)', () => stubFetch(url)],
    ['createAuthFetch, Bearer session', () => authFetch(url)],
    [DPOP_ROW, () => dpopFetch(url)],
  ];
  const requestSamples = await measure(requestVariants, rounds, roundMs);
  const bearer = requestSamples.get('createAuthFetch, Bearer session') ?? [];
  const requestRows = requestVariants.map(([name]) => {
    const s = requestSamples.get(name) ?? [];
    const over = name === DPOP_ROW ? fmt.us(median(s.map((x, i) => x - (bearer[i] ?? Number.NaN)))) : '–';
    return [name, fmt.us(median(s)), over];
  });
  session.stop();
  dpopSession.stop();

  // --- bytes
  const dist = (f: string) => JSON.stringify(join(root, 'dist', f));
  const src = (f: string) => JSON.stringify(join(root, 'src/dpop', f));
  const sizes: Array<[string, string]> = [
    ['silent-session/dpop, everything (binding, IndexedDB and memory stores, challenge helpers)', `export * from ${dist('dpop.js')};`],
    ['silent-session/dpop, dpop() alone', `export { dpop } from ${dist('dpop.js')};`],
    [
      'its crypto core alone (key, JWK, thumbprint, htu/htm, signing): what a library would replace',
      `export * from ${src('key.ts')}; export * from ${src('proof.ts')}; export { sha256 } from ${src('encoding.ts')};`,
    ],
    ['panva dpop 2.1.2: generateKeyPair + generateProof + calculateThumbprint', "export { generateKeyPair, generateProof, calculateThumbprint } from 'dpop';"],
    ['oauth4webapi 3.8.9: DPoP + generateKeyPair + isDPoPNonceError', "export { DPoP, generateKeyPair, isDPoPNonceError } from 'oauth4webapi';"],
  ];
  const sizeRows: string[][] = [];
  for (const [name, entry] of sizes) {
    const b = await bytes(entry);
    sizeRows.push([name, fmt.int(b.min), fmt.int(b.gzip)]);
  }
  // every other entry: no byte of DPoP
  const others = ['index.js', 'fetch.js', 'ky.js', 'axios.js', 'react.js', 'vue.js', 'msw.js'];
  const leaks: string[] = [];
  for (const f of others) {
    const b = await bytes(`export * from ${dist(f)};`, ['xstate', 'jwt-decode', 'react', 'react-dom', 'ky', 'axios', 'vue', 'msw', 'jose', '@xstate/react']);
    if (/dpop\+jwt|silent-session-dpop|use_dpop_nonce/.test(b.text)) leaks.push(f);
  }
  goals.push({ goal: 'DPoP adds 0 bytes to an app that does not import ./dpop', measured: leaks.length ? `found in ${leaks.join(', ')}` : `no DPoP code in ${others.length} other entries`, met: leaks.length === 0 });

  // --- one proof, in Chromium
  const browser = await chromiumProofs(options.quick);
  const tables: Table[] = [
    {
      caption: 'One DPoP proof, Node (in-process, sequential awaits)',
      header: ['variant', 'µs per proof (median)', 'range over rounds'],
      rows: proofRows,
      notes: [
        `${rounds} interleaved rounds of ~${roundMs} ms per variant after a warm-up. Each proof: a new jti, iat, htm, htu, ath, ES256 signature.`,
        'panva dpop exports the public key to a JWK on every proof; oauth4webapi and the binding encode the header once per key.',
      ],
    },
    {
      caption: 'A request through createAuthFetch (stub transport): a Bearer session vs a DPoP session',
      header: ['variant', 'µs per request (median)', 'added by DPoP'],
      rows: requestRows,
      notes: ['The DPoP session is createSession({ dpop: dpop({ keyStore: memoryKeyStore() }) }): the adapter makes one proof per request (ath cached per token) and sends Authorization: DPoP beside it.'],
    },
    {
      caption: 'Bytes (esbuild minify, gzip -9)',
      header: ['implementation', 'min bytes', 'gzip bytes'],
      rows: sizeRows,
      notes: ['The libraries would replace only the crypto core; the stores, the nonce memory, challenge parsing and htu normalization (neither library normalizes htu) are needed either way.'],
    },
  ];
  if (browser) {
    tables.push({
      caption: `One DPoP proof, and one request through createAuthFetch, in Chromium (${browser.version}, headless, page on 127.0.0.1)`,
      header: ['variant', 'µs per proof or request (median of rounds)'],
      rows: browser.rows,
      notes: ['performance.now() in the page (coarsened to 5 µs or 100 µs by the browser), over many proofs per round; the key is the binding\'s own, from IndexedDB.'],
    });
    const inPage = browser.ours;
    goals.push({ goal: 'one proof in Chromium ≤ 250 µs', measured: fmt.us(inPage), met: inPage <= PROOF_GOAL_NS });
  }
  return {
    title: '5. DPoP proofs (RFC 9449): cost and bytes',
    intro: ['What sender-constrained tokens add: one ECDSA P-256 signature per request, plus a SHA-256 when the access token changes.'],
    tables,
    goals,
    findings: browser ? [] : [`Chromium not found at ${CHROMIUM}: the browser row was skipped.`],
  };
}

/** Proof timings in a real Chromium page: the binding (IndexedDB key) and the bare signature. */
async function chromiumProofs(quick: boolean): Promise<{ version: string; rows: string[][]; ours: number } | null> {
  const { existsSync } = await import('node:fs');
  if (!existsSync(CHROMIUM)) return null;
  const { chromium } = await import('playwright-core');
  // The timing loop lives in the page's own script: functions handed to page.evaluate from here
  // would carry tsx's helper calls (`__name`), which the page does not have.
  const pageScript = `
    import { dpop } from ${JSON.stringify(join(root, 'dist/dpop.js'))};
    import { createSession } from ${JSON.stringify(join(root, 'dist/index.js'))};
    import { createAuthFetch } from ${JSON.stringify(join(root, 'dist/fetch.js'))};
    import { generateProof, generateKeyPair } from 'dpop';
    window.runBench = async (count, rounds) => {
      const b = dpop();
      const kp = await generateKeyPair('ES256');
      const input = new TextEncoder().encode('x'.repeat(560));
      const url = 'https://api.example.com/items/1';
      const token = 'eyJ'.padEnd(600, 'x');
      // a request through createAuthFetch (stub fetch): a Bearer session, a DPoP session
      const stub = async () => new Response('{}');
      const session = (extra) => {
        const s = createSession({ refresh: async () => ({ accessToken: token }), wake: false, activity: false, ...extra });
        s.login({ accessToken: token, expiresIn: 86400 });
        return createAuthFetch(s, { baseUrl: 'https://api.example.com', fetch: stub });
      };
      const bearerFetch = session({});
      const dpopFetch = session({ dpop: dpop({ name: 'bench-session' }) });
      const ops = {
        sign: () => crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, kp.privateKey, input),
        ours: () => b.proof({ method: 'GET', url, accessToken: token }),
        panva: () => generateProof(kp, url, 'GET', undefined, token),
        bearerRequest: () => bearerFetch(url),
        dpopRequest: () => dpopFetch(url),
      };
      const out = { sign: [], ours: [], panva: [], bearerRequest: [], dpopRequest: [] };
      for (const op of Object.values(ops)) for (let i = 0; i < 100; i++) await op();
      for (let r = 0; r < rounds; r++) {
        for (const [name, op] of Object.entries(ops)) {
          const t0 = performance.now();
          for (let i = 0; i < count; i++) await op();
          out[name].push(((performance.now() - t0) * 1000) / count);
        }
      }
      return { out, ua: navigator.userAgent, keyStore: b.toJSON().keyStore };
    };`;
  const bundle = await build({ stdin: { contents: pageScript, resolveDir: root, loader: 'js' }, bundle: true, write: false, format: 'iife', logLevel: 'silent' });
  const script = bundle.outputFiles[0]?.text ?? '';
  const server = createServer((req, res) => {
    if (req.url === '/lib.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    else res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><script src="/lib.js"></script>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    const perRound = quick ? 200 : 1_000;
    const rounds = quick ? 3 : 9;
    type Run = { out: Record<string, number[]>; ua: string; keyStore: string };
    const result = await page.evaluate(([count, r]) => (window as unknown as { runBench(c: number, r: number): Promise<Run> }).runBench(count, r), [perRound, rounds] as const);
    if (result.keyStore !== 'indexedDB') throw new Error(`the page's binding used ${result.keyStore}, not IndexedDB`);
    const med = (name: string) => median(result.out[name] ?? []) * 1000; // ns
    const version = /Chrome\/([\d.]+)/.exec(result.ua)?.[1] ?? 'unknown';
    return {
      version,
      ours: med('ours'),
      rows: [
        ['ECDSA P-256 sign alone (the floor)', fmt.us(med('sign'))],
        ['silent-session binding.proof()', fmt.us(med('ours'))],
        ['panva dpop 2.1.2 generateProof()', fmt.us(med('panva'))],
        ['createAuthFetch, Bearer session (stub fetch)', fmt.us(med('bearerRequest'))],
        ['createAuthFetch, DPoP session (stub fetch)', fmt.us(med('dpopRequest'))],
      ],
    };
  } finally {
    await browser.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
