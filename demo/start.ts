import react from '@vitejs/plugin-react';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'vite';
import { startAuthServer } from './server/authServer.js';

/** Options of {@link startDemo}. */
export interface DemoOptions {
  port?: number;
  accessTtl?: number;
  refreshTtl?: number;
  /** The server's clock (tests move it). */
  now?: () => number;
}

/**
 * Builds the demo app with Vite and serves it from the real auth server on 127.0.0.1, so the
 * app and the server share one origin. Returns the server and a `stop()` that cleans up.
 */
export async function startDemo(options: DemoOptions = {}) {
  const outDir = await mkdtemp(join(tmpdir(), 'silent-session-demo-'));
  await build({
    root: join(import.meta.dirname, 'app'),
    configFile: false,
    logLevel: 'warn',
    plugins: [react()],
    build: { outDir, emptyOutDir: true },
  });
  const server = await startAuthServer({
    port: options.port ?? 0,
    accessTtl: options.accessTtl ?? 20,
    refreshTtl: options.refreshTtl ?? 600,
    graceMs: 2_000,
    staticDir: outDir,
    admin: true,
    ...(options.now ? { now: options.now } : {}),
  });
  return {
    server,
    url: server.url,
    async stop() {
      await server.close();
      await rm(outDir, { recursive: true, force: true });
    },
  };
}

// `npm run demo`
if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const demo = await startDemo({ port: Number(process.env.PORT ?? 5173) }).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EADDRINUSE') throw error;
    return startDemo({ port: 0 }); // the usual port is taken: any free one
  });
  console.log(
    `\n  silent-session demo running at ${demo.url}\n  (access tokens live 20 s, refresh tokens 10 min; signed out after 60 s without activity,` +
      ` warned 20 s before: ${demo.url}/?idle=120&warning=30 changes that; Ctrl-C stops it)\n`,
  );
  const stop = async () => {
    await demo.stop();
    console.log('  demo stopped');
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
