import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  calculateJwkThumbprint,
  createRemoteJWKSet,
  decodeProtectedHeader,
  EmbeddedJWK,
  exportJWK,
  generateKeyPair,
  jwtVerify,
  SignJWT,
  type JWK,
  type JWTPayload,
} from 'jose';

// A resource server (node:http on 127.0.0.1) that checks every DPoP proof the way RFC 9449 §4.3
// and §7.1 say, with jose doing the cryptography and nothing from src/: the scheme, one proof,
// typ, alg, a public-only jwk, the signature with that jwk, htm, htu (normalized on both sides),
// iat within a window, jti never seen before, ath of the token sent, the nonce when it asks for
// one, and the access token itself (a JWT from the real provider, or one it mints) bound by
// `cnf.jkt` to the proof's key. Every request is logged with the reason it was refused.

export interface DpopResourceServerOptions {
  /** Every proof must carry the server's current nonce; else a 401 `use_dpop_nonce` challenge. */
  requireNonce?: boolean;
  /** A new nonce after every accepted request (sent in `DPoP-Nonce`). */
  rotateNonce?: boolean;
  /** How far `iat` may be from the server's clock, in seconds (default 60). */
  iatWindow?: number;
  /** The server's clock, ms (default Date.now). */
  now?: () => number;
  /** Answer CORS preflights from any origin (for pages on another port). */
  cors?: boolean;
  /** Answer every request with a nonce challenge, a new nonce each time (a server that repeats it). */
  challengeAlways?: boolean;
  /**
   * Also plays the token endpoint at `POST /token` (a JSON refresh endpoint): it checks the
   * request's DPoP proof (signature, htm, htu, iat, jti) and answers with a new access token
   * bound to the proof's key, living `ttl` seconds.
   */
  issuer?: { ttl: number };
}

/** Why a request was refused; 'ok' when it was not. */
export type Verdict =
  | 'ok'
  | 'no-token'
  | 'bearer'
  | 'proof-count'
  | 'typ'
  | 'alg'
  | 'jwk'
  | 'signature'
  | 'htm'
  | 'htu'
  | 'iat'
  | 'jti-replay'
  | 'ath'
  | 'nonce'
  | 'token'
  | 'jkt'
  /** The access token had expired (its `exp` passed). */
  | 'expired';

export interface Served {
  method: string;
  path: string;
  status: number;
  verdict: Verdict;
  /** Claims of the proof when its signature checked out. */
  proof?: JWTPayload;
  /** The Authorization scheme as sent ('' for none), and whether a DPoP header came. */
  scheme: string;
  dpop: boolean;
}

const b64uSha256 = (text: string) => createHash('sha256').update(text).digest('base64url');
const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

/** RFC 3986 §6.2.2/6.2.3 normalization of an http(s) URL without query and fragment (the server's own). */
export function normalizeTarget(href: string): string | null {
  const url = URL.parse(href);
  if (url === null) return null;
  let path = '';
  for (let i = 0; i < url.pathname.length; i++) {
    const c = url.pathname[i];
    const hex = url.pathname.slice(i + 1, i + 3);
    if (c === '%' && /^[0-9a-f]{2}$/i.test(hex)) {
      const decoded = String.fromCharCode(Number.parseInt(hex, 16));
      path += UNRESERVED.test(decoded) ? decoded : `%${hex.toUpperCase()}`;
      i += 2;
    } else path += c;
  }
  return `${url.protocol}//${url.host}${path}`;
}

export async function dpopResourceServer(options: DpopResourceServerOptions = {}) {
  const now = options.now ?? Date.now;
  const iatWindow = options.iatWindow ?? 60;
  const server = createServer((req, res) => void handle(req, res).catch((error: unknown) => res.writeHead(500).end(String(error))));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}/`;

  // Tokens it accepts: JWTs for audience `url`, from its own signing key or a trusted issuer's JWKS.
  const own = await generateKeyPair('ES256');
  const OWN_ISSUER = `${url}#local-issuer`;
  let remote: { issuer: string; keys: ReturnType<typeof createRemoteJWKSet> } | null = null;

  let nonce = randomBytes(16).toString('base64url');
  const seen = new Set<string>();
  const log: Served[] = [];

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    if (options.cors) {
      res.setHeader('access-control-allow-origin', '*');
      res.setHeader('access-control-expose-headers', 'dpop-nonce, www-authenticate');
      if (method === 'OPTIONS') {
        res.writeHead(204, { 'access-control-allow-headers': 'authorization, dpop, content-type', 'access-control-allow-methods': '*' }).end();
        return;
      }
    }
    for await (const _ of req); // drain the body
    if (options.issuer && method === 'POST' && path === '/token') return issue(req, res, options.issuer.ttl);
    const sent = { scheme: (req.headers.authorization ?? '').split(' ')[0] ?? '', dpop: req.headers.dpop !== undefined };
    if (options.challengeAlways) {
      nonce = randomBytes(16).toString('base64url');
      log.push({ method, path, status: 401, verdict: 'nonce', ...sent });
      res.writeHead(401, { 'www-authenticate': 'DPoP error="use_dpop_nonce", algs="ES256"', 'dpop-nonce': nonce }).end();
      return;
    }
    const refuse = (verdict: Verdict, proof?: JWTPayload) => {
      log.push({ method, path, status: 401, verdict, ...sent, ...(proof ? { proof } : {}) });
      const error = verdict === 'no-token' ? '' : verdict === 'token' || verdict === 'jkt' || verdict === 'bearer' ? ' error="invalid_token",' : ' error="invalid_dpop_proof",';
      res.writeHead(401, { 'www-authenticate': `DPoP${error} algs="ES256"` }).end();
    };

    const [scheme, token, ...rest] = (req.headers.authorization ?? '').split(' ');
    if (!token || rest.length > 0) return refuse('no-token');
    if (scheme?.toLowerCase() !== 'dpop') return refuse('bearer');
    const proof = req.headers.dpop;
    if (typeof proof !== 'string' || proof.includes(',')) return refuse('proof-count');

    let header: ReturnType<typeof decodeProtectedHeader>;
    try {
      header = decodeProtectedHeader(proof);
    } catch {
      return refuse('signature');
    }
    if (header.typ !== 'dpop+jwt') return refuse('typ');
    if (header.alg !== 'ES256') return refuse('alg');
    const jwk = header.jwk as JWK | undefined;
    if (!jwk || ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'].some((member) => member in jwk)) return refuse('jwk');
    let claims: JWTPayload;
    try {
      ({ payload: claims } = await jwtVerify(proof, EmbeddedJWK, { typ: 'dpop+jwt', algorithms: ['ES256'], clockTolerance: Number.MAX_SAFE_INTEGER }));
    } catch {
      return refuse('signature');
    }
    if (claims.htm !== method) return refuse('htm', claims);
    const expected = normalizeTarget(new URL(path, url).href);
    if (typeof claims.htu !== 'string' || normalizeTarget(claims.htu) !== expected) return refuse('htu', claims);
    if (typeof claims.iat !== 'number' || Math.abs(now() / 1000 - claims.iat) > iatWindow) return refuse('iat', claims);
    if (typeof claims.jti !== 'string' || claims.jti.length < 16 || seen.has(claims.jti)) return refuse('jti-replay', claims);
    seen.add(claims.jti);
    if (claims.ath !== b64uSha256(token)) return refuse('ath', claims);
    if (options.requireNonce && claims.nonce !== nonce) {
      log.push({ method, path, status: 401, verdict: 'nonce', proof: claims, ...sent });
      res.writeHead(401, {
        'www-authenticate': 'DPoP error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof", algs="ES256"',
        'dpop-nonce': nonce,
      }).end();
      return;
    }

    let access: JWTPayload;
    try {
      const fromOwn = decodeIssuer(token) === OWN_ISSUER;
      if (!fromOwn && remote === null) throw new Error('no issuer trusted');
      ({ payload: access } = fromOwn
        ? await jwtVerify(token, own.publicKey, { issuer: OWN_ISSUER, audience: url })
        : await jwtVerify(token, (remote as NonNullable<typeof remote>).keys, { issuer: (remote as NonNullable<typeof remote>).issuer, audience: url }));
    } catch (error) {
      return refuse((error as { code?: unknown }).code === 'ERR_JWT_EXPIRED' ? 'expired' : 'token', claims);
    }
    const cnf = access.cnf as { jkt?: unknown } | undefined;
    if (cnf?.jkt !== (await calculateJwkThumbprint(jwk))) return refuse('jkt', claims);

    if (options.rotateNonce) nonce = randomBytes(16).toString('base64url');
    log.push({ method, path, status: 200, verdict: 'ok', proof: claims, ...sent });
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (options.requireNonce || options.rotateNonce) headers['dpop-nonce'] = nonce;
    res.writeHead(200, headers).end(JSON.stringify({ sub: access.sub, jkt: cnf.jkt, method, path }));
  }

  // The token endpoint: a proof without ath, for POST /token; tokens bound to its key.
  const refreshes: Array<'ok' | Verdict> = [];
  async function issue(req: IncomingMessage, res: ServerResponse, ttl: number): Promise<void> {
    const proof = req.headers.dpop;
    const fail = (verdict: Verdict) => void (refreshes.push(verdict), res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'invalid_dpop_proof' })));
    if (typeof proof !== 'string') return fail('proof-count');
    let claims: JWTPayload;
    let jwk: JWK;
    try {
      const verified = await jwtVerify(proof, EmbeddedJWK, { typ: 'dpop+jwt', algorithms: ['ES256'] });
      claims = verified.payload;
      jwk = verified.protectedHeader.jwk as JWK;
    } catch {
      return fail('signature');
    }
    if (claims.htm !== 'POST') return fail('htm');
    if (normalizeTarget(String(claims.htu)) !== normalizeTarget(`${url}token`)) return fail('htu');
    if (typeof claims.iat !== 'number' || Math.abs(now() / 1000 - claims.iat) > iatWindow) return fail('iat');
    if (typeof claims.jti !== 'string' || seen.has(claims.jti)) return fail('jti-replay');
    seen.add(claims.jti);
    refreshes.push('ok');
    const accessToken = await api.mint(await calculateJwkThumbprint(jwk), 'alice', ttl);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: accessToken, token_type: 'DPoP', expires_in: ttl, refresh_token: `r${refreshes.length}` }));
    return undefined;
  }

  const api = {
    url,
    port,
    log,
    /** What the token endpoint (`issuer`) answered, one entry per request. */
    refreshes,
    /** The nonce it wants now. */
    nonce: () => nonce,
    /** Counts of requests by verdict. */
    verdicts: () => log.reduce<Partial<Record<Verdict, number>>>((n, s) => ({ ...n, [s.verdict]: (n[s.verdict] ?? 0) + 1 }), {}),
    /** Accepts JWT access tokens from `issuer`, verified with its published JWKS (`jwks_uri`). */
    trust(issuer: string, jwksUri: string) {
      remote = { issuer, keys: createRemoteJWKSet(new URL(jwksUri)) };
    },
    /** An access token of its own for `sub`, bound to the key whose thumbprint is `jkt` (none: a Bearer token). */
    async mint(jkt: string | null, sub = 'alice', ttl = 300): Promise<string> {
      const jwt = new SignJWT({ sub, ...(jkt ? { cnf: { jkt } } : {}) })
        .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt' })
        .setIssuer(OWN_ISSUER)
        .setAudience(url)
        .setIssuedAt(Math.floor(now() / 1000))
        .setExpirationTime(Math.floor(now() / 1000) + ttl)
        .setJti(randomBytes(8).toString('hex'));
      return jwt.sign(own.privateKey);
    },
    /** The public JWK of its own token-signing key (for tests that look at it). */
    ownKey: () => exportJWK(own.publicKey),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  return api;
}

function decodeIssuer(token: string): unknown {
  try {
    return (JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { iss?: unknown }).iss;
  } catch {
    return undefined;
  }
}

export type DpopResourceServer = Awaited<ReturnType<typeof dpopResourceServer>>;
