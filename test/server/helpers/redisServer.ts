import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A port nobody listens on right now (127.0.0.1). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** Whether a Redis answers PONG on `port` right now. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
    socket.on('error', () => done(false));
  });
}

export interface RedisServerOptions {
  /** Append-only file on (fsync always), in a temp folder: data survives a restart. */
  aof?: boolean;
}

/**
 * A real redis-server on 127.0.0.1 (persistence off unless `aof`), started for a test and
 * stopped by it: `stop()` kills it and removes its folder. `kill()` and `start()` restart it on
 * the same port; `pause()` / `resume()` freeze it with SIGSTOP / SIGCONT (a Redis that hangs).
 */
export async function startRedis(options: RedisServerOptions = {}) {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'silent-session-redis-'));
  let child: ChildProcess | null = null;

  async function start(): Promise<void> {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir, '--daemonize', 'no', '--loglevel', 'warning'];
    args.push(...(options.aof ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']));
    const proc = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    // never outlive the test process, even when a hook times out before stop()
    const reap = () => proc.kill('SIGKILL');
    process.once('exit', reap);
    proc.once('exit', () => process.off('exit', reap));
    let seen = '';
    const keep = (chunk: Buffer) => void (seen = (seen + chunk.toString()).slice(-2_000));
    proc.stdout?.on('data', keep);
    proc.stderr?.on('data', keep);
    const failed = new Promise<never>((_, reject) => {
      proc.once('error', (error) => reject(new Error(`redis-server did not start (is it installed? .ci/run installs it): ${error.message}`)));
      proc.once('exit', (code) => reject(new Error(`redis-server exited with ${code} before it was ready: ${seen.slice(-400)}`)));
    });
    failed.catch(() => {});
    // ready when it answers PING (with AOF on, after it has loaded the file)
    for (;;) {
      if (await Promise.race([ping(port), failed])) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  async function kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const proc = child;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill('SIGCONT'); // a paused server cannot act on SIGTERM
    proc.kill(signal);
    await exited;
    child = null;
  }

  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get pid() {
      return child?.pid;
    },
    start,
    kill,
    pause: () => void child?.kill('SIGSTOP'),
    resume: () => void child?.kill('SIGCONT'),
    async stop() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export type RedisServer = Awaited<ReturnType<typeof startRedis>>;
