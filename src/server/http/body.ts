// Reading a token request: at most 16 kB, JSON, the token from the body or the cookie. Every
// refusal says what was wrong without repeating anything the request carried.
import type { ResolvedCookie } from './cookie.js';
import { readCookie } from './cookie.js';

/** Bodies above this many bytes are refused with 413 before they are read whole. */
export const MAX_BODY_BYTES = 16 * 1024;

/** A refused request: status, OAuth error code, and a description. */
export interface BadRequest {
  status: number;
  error: string;
  description: string;
}

const bad = (status: number, description: string, error = 'invalid_request'): BadRequest => ({ status, error, description });

async function readText(request: Request): Promise<string | BadRequest> {
  const tooLarge = bad(413, `the body is larger than ${MAX_BODY_BYTES / 1024} kB`);
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > MAX_BODY_BYTES) return tooLarge;
  if (request.body === null) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      await reader.cancel().catch(() => {});
      return tooLarge;
    }
    chunks.push(value);
  }
  const all = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.byteLength;
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(all);
  } catch {
    return bad(400, 'the body is not UTF-8 text');
  }
}

/** The JSON object of the body (`{}` for an empty body), or why it cannot be read. */
export async function readJsonObject(request: Request): Promise<Record<string, unknown> | BadRequest> {
  const text = await readText(request);
  if (typeof text !== 'string') return text;
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return bad(400, 'the body is not valid JSON; send {"refreshToken": "…"} with Content-Type: application/json');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return bad(400, 'the body must be a JSON object such as {"refreshToken": "…"}');
  return value as Record<string, unknown>;
}

export const isBad = (value: unknown): value is BadRequest => typeof (value as BadRequest | null)?.status === 'number' && typeof (value as BadRequest).description === 'string';

const FIELDS = ['refreshToken', 'refresh_token', 'token'] as const;

/**
 * The presented refresh token: from the body (`refreshToken`, `refresh_token` or `token`), or in
 * cookie mode from the cookie — where a body token must be the cookie's own. `undefined`: none.
 */
export function presentedToken(body: Record<string, unknown>, request: Request, cookie: ResolvedCookie | undefined): string | undefined | BadRequest {
  const given = FIELDS.map((field) => body[field]).filter((value) => value !== undefined && value !== null);
  if (given.some((value) => typeof value !== 'string')) return bad(400, 'the refresh token in the body must be a string');
  const fromBody = given[0] as string | undefined;
  if (given.some((value) => value !== fromBody)) return bad(400, 'the body carries two different refresh tokens');
  if (!cookie) return fromBody === '' ? undefined : fromBody;
  const fromCookie = readCookie(request, cookie.name);
  if (fromBody !== undefined && fromBody !== '' && fromBody !== fromCookie) {
    return bad(400, `the body carries a refresh token that is not the one in the ${cookie.name} cookie (cookie mode sends no token in the body)`);
  }
  return fromCookie === '' ? undefined : fromCookie;
}
