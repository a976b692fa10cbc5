// The "Streams" recipe of docs/recipes/streams.md, as the tests import it. Keep this file and
// that page's text the same (the import here points at src/ instead of 'silent-session/fetch').
import type { AuthFetch } from '../../src/fetch.js';

/** One Server-Sent Event. */
export interface ServerEvent {
  id?: string;
  event: string;
  data: string;
}

/**
 * Reads a Server-Sent Events stream through the session's fetch: the token is attached when the
 * stream connects, and a 401 before the stream starts is refreshed and replayed once. Ends when
 * the server ends the stream; aborting `signal` closes it. A refused connect throws an Error
 * with the `status`.
 */
export async function* serverEvents(authFetch: AuthFetch, url: string, options: { signal?: AbortSignal; lastEventId?: string } = {}): AsyncGenerator<ServerEvent> {
  const headers: Record<string, string> = { accept: 'text/event-stream' };
  if (options.lastEventId !== undefined) headers['last-event-id'] = options.lastEventId;
  const response = await authFetch(url, { headers, ...(options.signal ? { signal: options.signal } : {}) });
  if (!response.ok || response.body === null) {
    void response.body?.cancel();
    throw Object.assign(new Error(`the event stream was refused (${response.status})`), { status: response.status });
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value.replace(/\r\n?/g, '\n');
      for (let end = buffer.indexOf('\n\n'); end !== -1; end = buffer.indexOf('\n\n')) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event: ServerEvent = { event: 'message', data: '' };
        const data: string[] = [];
        for (const line of frame.split('\n')) {
          const colon = line.indexOf(':');
          if (colon === 0) continue; // a comment (keep-alive)
          const field = colon === -1 ? line : line.slice(0, colon);
          const text = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
          if (field === 'data') data.push(text);
          else if (field === 'event') event.event = text;
          else if (field === 'id') event.id = text;
        }
        event.data = data.join('\n');
        if (data.length > 0) yield event;
      }
    }
  } finally {
    reader.releaseLock();
  }
}

/**
 * Follows a stream as EventSource does: reconnects `retryMs` after it ends or fails, with the
 * last event id and the session's current token (checked again at every connect). Resolves when
 * `signal` aborts or the server refuses the connect with 401/403 once the adapter has refreshed
 * and replayed it (the session is over); any other failure is tried again.
 */
export async function followEvents(authFetch: AuthFetch, url: string, onEvent: (event: ServerEvent) => void, signal: AbortSignal, retryMs = 3_000): Promise<void> {
  let lastEventId: string | undefined;
  while (!signal.aborted) {
    try {
      for await (const event of serverEvents(authFetch, url, { signal, ...(lastEventId === undefined ? {} : { lastEventId }) })) {
        if (event.id !== undefined) lastEventId = event.id;
        onEvent(event);
      }
    } catch (error) {
      const status = (error as { status?: unknown }).status;
      if (signal.aborted || status === 401 || status === 403) return;
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, retryMs);
      function done() {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done);
    });
  }
}
