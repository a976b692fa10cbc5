import { browserActivity, createSession, isSessionError } from '../../../src/index.js';

// A page with an idle timeout and the default activity source (counted on its way to the
// session), a live feed that can scroll itself (a ticker) or the whole page, and a script that
// fakes input. The test drives the page's clock (playwright's page.clock).
const params = new URLSearchParams(location.search);
let notices = 0;
let scrolls = 0;
const session = createSession({
  refresh: () => Promise.reject(new Error('this page never refreshes: its token lives a day')),
  idleTimeout: Number(params.get('idle') ?? 5_000),
  endingWarning: 0,
  activity: (notify) =>
    browserActivity(() => {
      notices++;
      notify();
    }),
  onWarning: () => {},
});
session.login({ accessToken: 'opaque-activity-page-token', expiresIn: 86_400 });

const feed = document.getElementById('feed') as HTMLElement;
for (let i = 0; i < 500; i++) feed.insertAdjacentHTML('beforeend', `<p>item ${i}</p>`);
const status = document.getElementById('status') as HTMLElement;
session.subscribe((s) => (status.textContent = s.status));
const waiting = new Set<() => void>();
// every scroll event, of the feed or of the page (scroll events do not bubble; capture sees them)
document.addEventListener(
  'scroll',
  () => {
    scrolls++;
    waiting.forEach((check) => check());
  },
  { capture: true },
);

const act = {
  status: () => session.getSnapshot().status,
  kind: () => (isSessionError(session.getSnapshot().error) ? session.getSnapshot().error?.kind : null),
  notices: () => notices,
  scrolls: () => scrolls,
  /** The feed scrolls itself every 400 ms (`element`), or a live feed keeps the page scrolled to its newest item (`page`). */
  startTicker(mode: 'element' | 'page') {
    setInterval(() => {
      if (mode === 'element') feed.scrollTop += 20;
      else {
        feed.insertAdjacentHTML('beforeend', `<p>news ${scrolls}</p>`);
        window.scrollBy(0, 40);
      }
    }, 400);
  },
  /** Resolves once `n` scroll events have reached the page (the browser dispatches them on its next frame). */
  waitScrolls: (n: number) =>
    new Promise<void>((resolve) => {
      const check = () => {
        if (scrolls < n) return;
        waiting.delete(check);
        resolve();
      };
      waiting.add(check);
      check();
    }),
  /** What a script can dispatch: every kind of input the activity source listens to, none trusted. */
  fake() {
    const body = document.body;
    body.dispatchEvent(new KeyboardEvent('keydown', { key: 'a', bubbles: true }));
    body.dispatchEvent(new PointerEvent('pointerdown', { bubbles: true }));
    body.dispatchEvent(new PointerEvent('pointermove', { bubbles: true, clientX: 5, clientY: 5 }));
    body.dispatchEvent(new WheelEvent('wheel', { bubbles: true, deltaY: 40 }));
    body.dispatchEvent(new TouchEvent('touchstart', { bubbles: true }));
    document.dispatchEvent(new Event('scroll'));
    feed.dispatchEvent(new Event('scroll'));
    document.dispatchEvent(new Event('visibilitychange'));
  },
};
(window as unknown as { act: typeof act }).act = act;
