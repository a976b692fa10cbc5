// node:http and Express in front of a web-standard handler. The request and response are typed by
// what is used of them, not by node:http: nothing here needs Node's types or loads a Node module,
// so the package's server entry still type-checks and bundles for a browser (MSW).
import type { WebHandler } from './refreshHandler.js';

/**
 * What `toNodeHandler` uses of node:http's `IncomingMessage` (Express's `req` is one).
 *
 * @example
 * const req: NodeRequestLike = incomingMessage;
 */
export interface NodeRequestLike {
  method?: string | undefined;
  url?: string | undefined;
  headers: Record<string, string | string[] | undefined>;
  /** A TLS socket has `encrypted: true`: the request URL is then https. */
  socket?: object | null | undefined;
  readableEnded?: boolean;
  /** Set by a body parser (express.json()) that already read the stream. */
  body?: unknown;
  on(event: string, listener: (...args: never[]) => void): unknown;
  resume(): unknown;
}

/**
 * What `toNodeHandler` uses of node:http's `ServerResponse` (Express's `res` is one).
 *
 * @example
 * const res: NodeResponseLike = serverResponse;
 */
export interface NodeResponseLike {
  readonly headersSent: boolean;
  writeHead(status: number, headers: Record<string, string | string[]>): unknown;
  end(body?: Uint8Array | string): unknown;
}

/**
 * A node:http / Express request handler (Express passes `next`, which is not used).
 *
 * @example
 * const handle: NodeHandler = toNodeHandler(refreshHandler({ families, signAccessToken }));
 */
export type NodeHandler = (req: NodeRequestLike, res: NodeResponseLike) => void;

/** The body as a web stream: chunks as they arrive, so the handler's size limit stops a large one early. */
function bodyOf(req: NodeRequestLike): BodyInit | null {
  if (req.method === 'GET' || req.method === 'HEAD') return null;
  // A body parser ran before us (express.json()): the stream is spent, the object is on req.body.
  // Spent with nothing left behind, there is no body to read (waiting for one would hang).
  if (req.readableEnded) return req.body === undefined ? '' : typeof req.body === 'string' ? req.body : JSON.stringify(req.body);
  let done = false;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      req.on('data', (chunk: Uint8Array | string) => {
        if (!done) controller.enqueue(typeof chunk === 'string' ? new TextEncoder().encode(chunk) : new Uint8Array(chunk));
      });
      req.on('end', () => {
        if (!done) controller.close();
        done = true;
      });
      req.on('error', (error) => {
        if (!done) controller.error(error);
        done = true;
      });
    },
    cancel() {
      done = true;
      req.resume(); // drain what is left; the answer (413) is written regardless
    },
  });
}

function requestOf(req: NodeRequestLike): Request {
  const secure = (req.socket as { encrypted?: unknown } | null | undefined)?.encrypted === true;
  const url = new URL(req.url ?? '/', `${secure ? 'https' : 'http'}://${req.headers.host ?? 'localhost'}`);
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) headers.append(name, one);
  }
  const body = bodyOf(req);
  const init: RequestInit & { duplex?: 'half' } = { method: req.method ?? 'GET', headers };
  if (body !== null) {
    init.body = body;
    init.duplex = 'half';
    if (typeof body === 'string') headers.delete('content-length');
  }
  return new Request(url, init);
}

/**
 * Serves a web-standard handler (`refreshHandler`, `revokeHandler`, your own login) from
 * node:http or Express. Mount it before `express.json()` or on its own route; if a JSON body
 * parser already ran, its `req.body` is used (then that parser's size limit applies).
 *
 * @example
 * app.post('/auth/refresh', toNodeHandler(refreshHandler({ families, signAccessToken })));
 * http.createServer(toNodeHandler(handler)).listen(3000, '127.0.0.1');
 */
export function toNodeHandler(handler: WebHandler): NodeHandler {
  return (req, res) => {
    const send = async () => {
      const response = await handler(requestOf(req));
      const headers: Record<string, string | string[]> = {};
      response.headers.forEach((value, name) => {
        if (name !== 'set-cookie') headers[name] = value;
      });
      const cookies = response.headers.getSetCookie();
      if (cookies.length > 0) headers['set-cookie'] = cookies;
      res.writeHead(response.status, headers);
      res.end(new Uint8Array(await response.arrayBuffer()));
    };
    send().catch(() => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
      res.end('{"error":"server_error","error_description":"the handler failed"}');
    });
  };
}
