/**
 * A private, throwaway PostgreSQL cluster for fault tests that stop and start the database
 * server: `initdb` into a temporary directory, `pg_ctl start` on a free loopback port, and stop
 * and start again at will. Never the machine's shared cluster (no pg_ctlcluster): that one serves
 * everyone else. PostgreSQL refuses to run as root, so when this process is root the cluster runs
 * as the `postgres` OS user (runuser), its directory owned by that user.
 *
 * `privateClusterSupport()` says why it cannot run here (no binaries, no such user); a suite
 * skips with that reason.
 */
import { execFile } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Where the server binaries are: PG_BIN, or Debian's PostgreSQL 15 (or the newest found). */
function binaryDirectory(): string | undefined {
  const candidates = [process.env.PG_BIN, ...['17', '16', '15', '14'].map((v) => `/usr/lib/postgresql/${v}/bin`)].filter((d): d is string => !!d);
  return candidates.find((d) => existsSync(join(d, 'pg_ctl')) && existsSync(join(d, 'initdb')));
}

const RUN_AS = 'postgres';

async function osUser(name: string): Promise<{ uid: number; gid: number } | undefined> {
  try {
    const { stdout: uid } = await run('id', ['-u', name]);
    const { stdout: gid } = await run('id', ['-g', name]);
    return { uid: Number(uid.trim()), gid: Number(gid.trim()) };
  } catch {
    return undefined;
  }
}

/** Why a private cluster cannot run on this machine; undefined when it can. */
export async function privateClusterSupport(): Promise<string | undefined> {
  if (!binaryDirectory()) return 'no PostgreSQL server binaries (pg_ctl, initdb) in /usr/lib/postgresql/*/bin or PG_BIN';
  if (userInfo().uid === 0 && !(await osUser(RUN_AS))) return `running as root and no "${RUN_AS}" OS user to run PostgreSQL as`;
  return undefined;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface PrivateCluster {
  port: number;
  /** postgres://postgres@127.0.0.1:<port>/postgres (trust authentication, loopback only). */
  url: string;
  /** The URL of another database on it. */
  urlOf(database: string): string;
  /** Whether the server is up, as pg_ctl sees it. */
  running(): Promise<boolean>;
  /** Start (again), waiting until it takes connections. */
  start(): Promise<void>;
  /** Stop: "fast" (clients disconnected, clean shutdown) or "immediate" (like a crash). */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  /** Stop and remove every file of it. */
  destroy(): Promise<void>;
}

/** initdb a new cluster in a temporary directory and start it on a free loopback port. */
export async function startPrivateCluster(options: { settings?: Record<string, string> } = {}): Promise<PrivateCluster> {
  const reason = await privateClusterSupport();
  if (reason) throw new Error(`private PostgreSQL cluster: ${reason}`);
  const bin = binaryDirectory()!;
  const asRoot = userInfo().uid === 0;
  const user = asRoot ? (await osUser(RUN_AS))! : undefined;
  const root = mkdtempSync(join(tmpdir(), 'private-postgres-'));
  const data = join(root, 'data');
  const log = join(root, 'server.log');
  if (user) {
    chownSync(root, user.uid, user.gid);
    chmodSync(root, 0o700);
  }
  const asOwner = (command: string, args: string[]) => (user ? run('runuser', ['-u', RUN_AS, '--', join(bin, command), ...args]) : run(join(bin, command), args));
  await asOwner('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8', '--locale', 'C.UTF-8']);
  const port = await freePort();
  const settings = { listen_addresses: '127.0.0.1', unix_socket_directories: root, fsync: 'on', max_connections: '50', shared_buffers: '32MB', ...options.settings };
  const serverOptions = Object.entries(settings).map(([k, v]) => `-c ${k}=${v}`).join(' ') + ` -p ${port}`;
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const cluster: PrivateCluster = {
    port,
    url,
    urlOf: (database) => `postgres://postgres@127.0.0.1:${port}/${database}`,
    running: async () => {
      try {
        await asOwner('pg_ctl', ['-D', data, 'status']);
        return true;
      } catch {
        return false;
      }
    },
    start: async () => {
      await asOwner('pg_ctl', ['-D', data, '-l', log, '-o', serverOptions, '-w', '-t', '60', 'start']);
    },
    stop: async (mode = 'fast') => {
      await asOwner('pg_ctl', ['-D', data, '-m', mode, '-w', '-t', '60', 'stop']);
    },
    destroy: async () => {
      if (await cluster.running()) await cluster.stop('immediate').catch(() => {});
      rmSync(root, { recursive: true, force: true });
    },
  };
  try {
    await cluster.start();
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
  return cluster;
}
