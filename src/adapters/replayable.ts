/**
 * Bodies that can be sent twice. Streams can be read only once: a ReadableStream, and what
 * Node's fetch and axios also take, async iterables and Node streams.
 */
export function isReplayable(body: unknown): boolean {
  if (typeof body !== 'object' || body === null) return true;
  // `pipe`: old-style Node streams (the form-data package) are not async iterable; a
  // ReadableStream need not be either (older browsers).
  return !(Symbol.asyncIterator in body || typeof (body as { pipe?: unknown }).pipe === 'function' || (typeof ReadableStream !== 'undefined' && body instanceof ReadableStream));
}
