// The "Streams" recipe of docs/recipes/streams.md, as the tests import it. Keep this file and
// that page's text the same (the import here points at src/ instead of 'silent-session').
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
 * the server ends the stream; aborting `signal` closes it.
 */
export async function* serverEvents(authFetch: AuthFetch, url: string, options: { signal?: AbortSignal; lastEventId?: string } = {}): AsyncGenerator<ServerEvent> {
  const headers: Record<string, string> = { accept: 'text/event-stream' };
  if (options.lastEventId !== undefined) headers['last-event-id'] = options.lastEventId;
  const response = await authFetch(url, { headers, ...(options.signal ? { signal: options.signal } : {}) });
  if (!response.ok || response.body === null) throw new Error(`the event stream was refused (${response.status})`);
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
