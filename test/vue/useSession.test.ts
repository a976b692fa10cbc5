// @vitest-environment jsdom
import { flushPromises, mount } from '@vue/test-utils';
import { defineComponent, h, nextTick, ref } from 'vue';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createSession, jsonRefresh, type Session, type SessionStatus } from '../../src/index.js';
import { provideSession, sessionPlugin, useSession, useSessionSelector } from '../../src/vue.js';
import { pair, scriptedRefresh } from '../helpers/refreshStub.js';
import { authServer, jumpClock } from '../helpers/server.js';

const sessions: Session[] = [];
afterEach(() => {
  for (const s of sessions.splice(0)) s.stop();
  vi.useRealTimers();
});

/** A session on the real auth server whose refreshes answer only once the test opens the gate. */
async function setup() {
  const clock = jumpClock();
  const server = await authServer({ accessTtl: 60, now: clock.now });
  let openGate = () => {};
  const gate = new Promise<void>((open) => (openGate = open));
  const refresh = jsonRefresh({ url: `${server.url}/refresh` });
  const session = createSession({
    refresh: async (ctx) => {
      await gate;
      return refresh(ctx);
    },
    now: clock.now,
    retry: { attempts: 0 },
    wake: false,
  });
  sessions.push(session);
  // Counts live subscriptions, as a user of the session would see them: every subscribe() and
  // every unsubscribe it returned.
  let live = 0;
  const subscribe = session.subscribe;
  session.subscribe = (listener) => {
    live++;
    const off = subscribe(listener);
    let done = false;
    return () => {
      if (!done) live--;
      done = true;
      off();
    };
  };
  return { clock, server, session, openGate, liveSubscriptions: () => live };
}

/** A component that renders one field of useSession() and counts its renders. */
function fieldView(field: 'status' | 'pending' | 'claims' | 'expiresAt' | 'isAuthenticated', renders: Record<string, number>) {
  return defineComponent({
    name: `${field}-view`,
    setup() {
      const session = useSession();
      return () => {
        renders[field] = (renders[field] ?? 0) + 1;
        const value = session[field].value;
        return h('p', { 'data-field': field }, field === 'claims' ? String((value as { sub?: string } | null)?.sub ?? '—') : String(value));
      };
    },
  });
}

function mountWith(session: Session, child: ReturnType<typeof defineComponent>) {
  return mount(
    defineComponent({
      setup() {
        provideSession(session);
        return () => h(child);
      },
    }),
  );
}

describe('useSession() in Vue', () => {
  it('re-renders a component only when the field it shows changes', async () => {
    const { clock, server, session, openGate } = await setup();
    session.login(await server.login('ann'));
    const renders: Record<string, number> = {};
    const views = (['status', 'pending', 'claims'] as const).map((f) => fieldView(f, renders));
    const wrapper = mountWith(session, defineComponent({ setup: () => () => views.map((v) => h(v)) }));
    const text = (field: string) => wrapper.get(`[data-field="${field}"]`).text();
    expect(renders).toEqual({ status: 1, pending: 1, claims: 1 });
    expect(text('claims')).toBe('ann');

    clock.advance(120_000); // the token expired while the page slept
    const first = session.getAccessToken();
    await nextTick();
    expect([text('status'), text('pending')]).toEqual(['refreshing', '1']);
    expect(renders).toEqual({ status: 2, pending: 2, claims: 1 });

    // pending alone moves: only the pending view renders
    const second = session.getAccessToken();
    await nextTick();
    expect(text('pending')).toBe('2');
    expect(renders).toEqual({ status: 2, pending: 3, claims: 1 });

    openGate();
    await Promise.all([first, second]);
    await nextTick();
    expect([text('status'), text('pending'), text('claims')]).toEqual(['authenticated', '0', 'ann']);
    // new claims object (new token), status and pending each changed once more
    expect(renders).toEqual({ status: 3, pending: 4, claims: 2 });
    expect(server.counters.refreshCalls).toBe(1);
    wrapper.unmount();
  });

  it('holds what it selects as it is: an equal selection keeps the ref quiet', async () => {
    const { server, session, openGate } = await setup();
    session.login(await server.login('bob'));
    let renders = 0;
    const Subject = defineComponent({
      setup() {
        const sub = useSessionSelector((s) => (s.claims?.sub as string | undefined) ?? null);
        return () => (renders++, h('p', sub.value ?? '—'));
      },
    });
    const wrapper = mountWith(session, Subject);
    const refreshed = session.refresh(); // new token, same subject
    await nextTick();
    openGate();
    await refreshed;
    await flushPromises();
    expect(session.getSnapshot().status).toBe('authenticated');
    expect(wrapper.text()).toBe('bob');
    expect(renders).toBe(1);
    wrapper.unmount();
  });

  it('leaves no subscription behind when components unmount', async () => {
    const { session, liveSubscriptions } = await setup();
    const shown = ref(true);
    const Child = defineComponent({
      setup() {
        const { status } = useSession();
        const pending = useSessionSelector((s) => s.pending);
        return () => h('p', `${status.value} ${pending.value}`);
      },
    });
    const wrapper = mountWith(
      session,
      defineComponent({ setup: () => () => [h(Child), shown.value ? h(Child) : null] }),
    );
    expect(liveSubscriptions()).toBe(4);
    shown.value = false;
    await nextTick();
    expect(liveSubscriptions()).toBe(2);
    wrapper.unmount();
    expect(liveSubscriptions()).toBe(0);
  });

  it('follows the lifecycle loggedOut → authenticated → refreshing → authenticated against the real server', async () => {
    const { server, session, openGate } = await setup();
    const seen: SessionStatus[] = [];
    const App = defineComponent({
      setup() {
        const { status, isAuthenticated, claims } = useSession();
        return () => {
          seen.push(status.value);
          return h('p', `${status.value} ${String(isAuthenticated.value)} ${String(claims.value?.sub ?? '—')}`);
        };
      },
    });
    const wrapper = mount(App, { global: { plugins: [sessionPlugin(session)] } });
    expect(wrapper.text()).toBe('loggedOut false —');

    session.login(await server.login('cleo'));
    await nextTick();
    expect(wrapper.text()).toBe('authenticated true cleo');

    const refreshed = session.refresh();
    await nextTick();
    expect(wrapper.text()).toBe('refreshing true cleo');
    openGate();
    await refreshed;
    await nextTick();
    expect(wrapper.text()).toBe('authenticated true cleo');
    expect(seen).toEqual(['loggedOut', 'authenticated', 'refreshing', 'authenticated']);
    expect(server.counters.refreshOk).toBe(1);
    wrapper.unmount();
  });

  it('never shows the access token, and its actions are the session’s', async () => {
    const { server, session } = await setup();
    const App = defineComponent({
      setup() {
        const s = useSession();
        return () => h('pre', JSON.stringify(Object.values(s).map((v) => (typeof v === 'function' ? 'fn' : (v as { value: unknown }).value))));
      },
    });
    let actions: ReturnType<typeof useSession> | undefined;
    const Probe = defineComponent({ setup: () => ((actions = useSession()), () => null) });
    const wrapper = mount(defineComponent({ setup: () => () => [h(App), h(Probe)] }), { global: { plugins: [sessionPlugin(session)] } });
    actions!.login(await server.login('dan'));
    await nextTick();
    const token = session.getSnapshot().accessToken as string;
    expect(wrapper.text()).toContain('"dan"');
    expect(wrapper.text()).not.toContain(token);
    expect(await actions!.getAccessToken()).toBe(token);
    actions!.logout();
    await nextTick();
    expect(session.getSnapshot().status).toBe('loggedOut');
    expect(wrapper.text()).toContain('"loggedOut"');
    wrapper.unmount();
  });

  it('touch() is "Stay signed in": the idle warning in the ending ref goes away, and the session stays', async () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 0, 1) });
    const start = Date.now();
    const session = createSession({ refresh: scriptedRefresh().fn, idleTimeout: 15 * 60_000, endingWarning: 60_000, activity: false, wake: false });
    sessions.push(session);
    session.login(pair(1, 3_600));
    let shown: ReturnType<typeof useSession> | undefined;
    const Warning = defineComponent({
      setup() {
        shown = useSession();
        return () => h('p', shown?.ending.value === null ? 'quiet' : `signing out (${String(shown?.ending.value?.reason)})`);
      },
    });
    const wrapper = mountWith(session, Warning);
    await vi.advanceTimersByTimeAsync(14 * 60_000);
    await nextTick();
    expect(wrapper.text()).toBe('signing out (idle)');
    shown!.touch();
    await nextTick();
    expect(wrapper.text()).toBe('quiet');
    await vi.advanceTimersByTimeAsync(14 * 60_000 - 1);
    expect(session.getSnapshot()).toMatchObject({ status: 'authenticated', ending: null });
    expect(Date.now() - start).toBe(28 * 60_000 - 1);
    wrapper.unmount();
  });

  it('useSession<Claims>() shows the claims the tokens carry', async () => {
    const { server, session } = await setup();
    const Name = defineComponent({
      setup() {
        const { claims } = useSession<{ sub: string }>();
        return () => h('p', claims.value?.sub.toUpperCase() ?? 'nobody');
      },
    });
    const wrapper = mountWith(session, Name);
    expect(wrapper.text()).toBe('nobody');
    session.login(await server.login('eve'));
    await nextTick();
    expect(wrapper.text()).toBe('EVE');
    wrapper.unmount();
  });

  it('says where to provide the session when none was provided', () => {
    const Lonely = defineComponent({ setup: () => (useSession(), () => null) });
    expect(() => mount(Lonely)).toThrow(
      'useSession() found no session: call provideSession(session) in a parent component\'s setup(), or app.use(sessionPlugin(session))',
    );
    const Selecting = defineComponent({ setup: () => (useSessionSelector((s) => s.status), () => null) });
    expect(() => mount(Selecting)).toThrow(/^useSessionSelector\(\) found no session/);
  });
});
