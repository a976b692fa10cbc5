/** A fetch that records what it was given (as the Request fetch itself would build) and sends it. */
export function spyFetch() {
  const calls: { request: Request; init: (RequestInit & { next?: unknown }) | undefined }[] = [];
  const spy: typeof fetch = (input, init) => {
    calls.push({ request: new Request(input instanceof Request ? input.clone() : input, init), init });
    return fetch(input, init);
  };
  return { spy, calls };
}
