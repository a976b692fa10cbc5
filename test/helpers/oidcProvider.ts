import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
// @ts-expect-error -- oidc-provider 9 ships no type declarations; the little used here is typed below
import OidcProviderClass from 'oidc-provider';
import type { TokenSet } from '../../src/index.js';

/** The part of oidc-provider's API these tests use. */
interface OidcProviderInstance {
  callback(): (req: IncomingMessage, res: ServerResponse) => unknown;
  on(event: 'grant.success', listener: (ctx: GrantContext) => void): void;
  on(event: 'grant.error', listener: (ctx: GrantContext, error: { error?: string }) => void): void;
}
interface GrantContext {
  oidc: { params?: { grant_type?: unknown } };
}
interface OidcClient {
  clientId: string;
}
const Provider = OidcProviderClass as new (issuer: string, configuration: Record<string, unknown>) => OidcProviderInstance;

// A real OpenID provider (panva's oidc-provider) on 127.0.0.1 for the interop tests, with its
// own development login and consent pages, driven over HTTP by `signIn`. Next to it on the same
// server, `/api/me` plays a resource server: it asks the provider's introspection endpoint
// whether the bearer token is active.

export const REDIRECT_URI = 'http://127.0.0.1/callback';
/** The confidential client's secret; the characters that need form-encoding in HTTP Basic. */
export const BACKEND_SECRET = 'se cr:et+/%=';
const API_SECRET = 'introspection-only';

export interface OidcProviderOptions {
  /** AccessToken lifetime in seconds (default 3). */
  accessTtl?: number;
  /** Lifetime of access tokens from the refresh_token grant (default `accessTtl`). */
  refreshedAccessTtl?: number;
  /**
   * DPoP (RFC 9449) at the token endpoint, with server nonces (a 32-byte `nonceSecret`);
   * `requireNonce`: every proof must carry one. Adds the public client `spa-dpop`, whose tokens
   * must be DPoP-bound.
   */
  dpop?: { requireNonce: boolean };
  /**
   * A resource server's URL (resource indicator, RFC 8707): access tokens are then JWTs for it
   * (audience = this URL, scope `api`, `cnf.jkt` when DPoP-bound), signed with the provider's keys.
   */
  resource?: string;
}

/** What the provider returned from its token endpoint, and the same as a TokenSet. */
export interface SignIn {
  raw: Record<string, unknown>;
  tokens: TokenSet;
}

/** Starts the provider; it is stopped by `close()` (call it from the test, e.g. onTestFinished). */
export async function oidcProvider(options: OidcProviderOptions = {}) {
  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end();
  const server = createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const issuer = `http://127.0.0.1:${port}`;
  const { accessTtl: first = 3, refreshedAccessTtl: refreshed = first } = options;
  const accessTtl = (ctx: GrantContext | undefined) => (ctx?.oidc.params?.grant_type === 'refresh_token' ? refreshed : first);

  const { dpop, resource: resourceUrl } = options;
  const provider = new Provider(issuer, {
    clients: [
      ...(dpop
        ? [
            {
              client_id: 'spa-dpop',
              token_endpoint_auth_method: 'none',
              grant_types: ['authorization_code', 'refresh_token'],
              response_types: ['code'],
              redirect_uris: [REDIRECT_URI],
              dpop_bound_access_tokens: true,
            },
          ]
        : []),
      {
        client_id: 'spa',
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        redirect_uris: [REDIRECT_URI],
      },
      {
        client_id: 'backend',
        client_secret: BACKEND_SECRET,
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        redirect_uris: [REDIRECT_URI],
      },
      // the resource server: it only introspects
      { client_id: 'api', client_secret: API_SECRET, grant_types: [], response_types: [], redirect_uris: [] },
    ],
    findAccount: (_ctx: unknown, sub: string) => ({ accountId: sub, claims: () => ({ sub }) }),
    cookies: { keys: ['interop-tests-only'] },
    scopes: resourceUrl ? ['openid', 'offline_access', 'api'] : ['openid', 'offline_access'],
    pkce: { required: () => true },
    rotateRefreshToken: true,
    ttl: { AccessToken: accessTtl, IdToken: 3600, RefreshToken: 3600, Grant: 3600, Session: 3600, Interaction: 60, AuthorizationCode: 60 },
    features: {
      devInteractions: { enabled: true },
      introspection: { enabled: true, allowedPolicy: (_ctx: unknown, client: OidcClient) => client.clientId === 'api' },
      revocation: { enabled: true, allowedPolicy: (_ctx: unknown, client: OidcClient, token: OidcClient) => token.clientId === client.clientId },
      ...(dpop ? { dPoP: { enabled: true, nonceSecret: randomBytes(32), requireNonce: () => dpop.requireNonce } } : {}),
      ...(resourceUrl
        ? {
            resourceIndicators: {
              enabled: true,
              defaultResource: (_ctx: unknown, _client: unknown, oneOf?: string) => oneOf ?? resourceUrl,
              useGrantedResource: () => true,
              getResourceServerInfo: (ctx: GrantContext) => ({
                scope: 'api',
                audience: resourceUrl,
                accessTokenFormat: 'jwt',
                accessTokenTTL: accessTtl(ctx),
              }),
            },
          }
        : {}),
    },
  });

  /** Token endpoint outcomes, by grant type. */
  const grants = { authorization_code: 0, refresh_token: 0, errors: [] as string[] };
  provider.on('grant.success', (ctx) => {
    const type = String(ctx.oidc.params?.grant_type);
    if (type === 'authorization_code' || type === 'refresh_token') grants[type]++;
  });
  provider.on('grant.error', (ctx, error) => {
    grants.errors.push(`${String(ctx.oidc.params?.grant_type)}: ${error.error ?? String(error)}`);
  });
  /** Requests answered by `/api/me`, by status. */
  const api = { ok: 0, unauthorized: 0 };

  /** Every request the provider's server received, as `METHOD /path` (query left out). */
  const requests: string[] = [];
  /** How many requests reached `path` (e.g. '/.well-known/openid-configuration', '/token/revocation'). */
  const count = (path: string) => requests.filter((r) => r.endsWith(` ${path}`)).length;

  const callback = provider.callback();
  handler = (req, res) => {
    requests.push(`${req.method ?? 'GET'} ${(req.url ?? '/').split('?')[0]}`);
    if (req.url === '/api/me') resource(req, res).catch((error: unknown) => res.writeHead(500).end(String(error)));
    else void callback(req, res);
  };

  async function resource(req: IncomingMessage, res: ServerResponse) {
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const answer = token === undefined ? { active: false } : await introspect(token);
    if (answer.active !== true || answer.token_type !== 'Bearer' && answer.token_type !== undefined) {
      api.unauthorized++;
      res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"' }).end();
      return;
    }
    api.ok++;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ sub: answer.sub, client: answer.client_id }));
  }

  async function introspect(token: string): Promise<Record<string, unknown>> {
    const response = await fetch(`${issuer}/token/introspection`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`api:${API_SECRET}`).toString('base64')}`,
      },
      body: new URLSearchParams({ token, token_type_hint: 'access_token' }),
    });
    if (!response.ok) throw new Error(`introspection answered ${response.status}`);
    return (await response.json()) as Record<string, unknown>;
  }

  /**
   * The front half of the authorization-code flow with PKCE, as a browser would run it: GET
   * /auth (with `extra` parameters, e.g. `dpop_jkt`), the login page, the consent page, each form
   * posted back; resolves with the code, the PKCE verifier and the pages seen.
   */
  async function authorize(clientId = 'spa', account = 'alice', extra: Record<string, string> = {}) {
    const jar = new Map<string, string>();
    const go = async (url: string, init: RequestInit = {}) => {
      const headers = new Headers(init.headers);
      if (jar.size > 0) headers.set('cookie', [...jar].map(([k, v]) => `${k}=${v}`).join('; '));
      const response = await fetch(new URL(url, issuer), { ...init, headers, redirect: 'manual' });
      for (const line of response.headers.getSetCookie()) {
        const [pair = ''] = line.split(';');
        const at = pair.indexOf('=');
        const value = pair.slice(at + 1);
        if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) jar.delete(pair.slice(0, at));
        else jar.set(pair.slice(0, at), value);
      }
      return response;
    };
    const verifier = randomBytes(32).toString('base64url');
    const state = randomBytes(8).toString('hex');
    const auth = new URL('/auth', issuer);
    auth.search = new URLSearchParams({
      client_id: clientId,
      response_type: 'code',
      redirect_uri: REDIRECT_URI,
      scope: 'openid offline_access',
      prompt: 'consent', // the provider keeps offline_access (a refresh token) only with consent
      state,
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
      ...extra,
    }).toString();

    let response = await go(auth.href);
    const prompts: string[] = [];
    for (let hops = 0; hops < 12; hops++) {
      const location = response.headers.get('location');
      if (location?.startsWith(REDIRECT_URI)) break;
      if (location) {
        await response.arrayBuffer();
        response = await go(location);
        continue;
      }
      // an interaction page: fill in its form the way a user would
      const html = await response.text();
      const prompt = /name="prompt" value="(\w+)"/.exec(html)?.[1];
      const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
      if (response.status !== 200 || !prompt || !action) throw new Error(`unexpected page ${response.status}: ${html.slice(0, 300)}`);
      prompts.push(prompt);
      const form = new URLSearchParams({ prompt });
      if (prompt === 'login') form.set('login', account), form.set('password', 'any');
      response = await go(action.replaceAll('&amp;', '&'), { method: 'POST', body: form });
    }
    const callbackUrl = new URL(response.headers.get('location') ?? '');
    const code = callbackUrl.searchParams.get('code');
    if (code === null || callbackUrl.searchParams.get('state') !== state) throw new Error(`no code in ${callbackUrl.href}`);
    return { code, verifier, prompts };
  }

  /**
   * The authorization-code flow with PKCE (`authorize`), then the code exchanged at the token
   * endpoint. `secret` makes it the confidential client's flow (HTTP Basic at the token endpoint).
   */
  async function signIn(clientId = 'spa', secret?: string, account = 'alice'): Promise<SignIn> {
    const { code, verifier, prompts } = await authorize(clientId, account);

    const body = new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier });
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
    if (secret === undefined) body.set('client_id', clientId);
    else headers.authorization = `Basic ${btoa(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`)}`;
    const tokenResponse = await fetch(`${issuer}/token`, { method: 'POST', headers, body });
    const raw = (await tokenResponse.json()) as Record<string, unknown>;
    if (!tokenResponse.ok) throw new Error(`token endpoint answered ${tokenResponse.status}: ${JSON.stringify(raw)}`);
    const tokens: TokenSet = {
      accessToken: String(raw.access_token),
      refreshToken: String(raw.refresh_token),
      expiresIn: Number(raw.expires_in),
      serverDate: Date.parse(tokenResponse.headers.get('date') ?? ''),
    };
    return { raw: { ...raw, prompts }, tokens };
  }

  /** Revokes a token at the provider's revocation endpoint, as the public client. */
  async function revoke(token: string, clientId = 'spa') {
    const response = await fetch(`${issuer}/token/revocation`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token, client_id: clientId }),
    });
    if (!response.ok) throw new Error(`revocation answered ${response.status}`);
  }

  /** Takes the whole provider off the network (connections refused) until `up()`. */
  async function down() {
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }
  async function up() {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  }

  return {
    issuer,
    provider,
    grants,
    api,
    requests,
    count,
    authorize,
    signIn,
    revoke,
    introspect,
    down,
    up,
    close: () => (server.listening ? down() : Promise.resolve()),
  };
}

export type OidcProvider = Awaited<ReturnType<typeof oidcProvider>>;
