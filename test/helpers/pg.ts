/**
 * A throwaway PostgreSQL cluster for tests: initdb + pg_ctl from the
 * binaries on PATH (or /usr/lib/postgresql/N/bin), run as user `postgres`
 * when we are root (initdb refuses root), listening on 127.0.0.1 on a free
 * port with its unix socket in the temp dir, fsync off. One cluster per
 * test process, started on first use, stopped and removed at process exit.
 */
import {execFileSync, spawnSync} from 'node:child_process'
import {chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync} from 'node:fs'
import {type AddressInfo, createServer} from 'node:net'
import {tmpdir} from 'node:os'
import {delimiter, join} from 'node:path'

/**
 * A throwaway cluster. `stop()` stops the server and removes the cluster; `stopServer()` / `startServer()` take the
 * server down and bring it back on the same port and data (for database outage tests).
 */
export interface Cluster {
  readonly url: string
  readonly port: number
  readonly dir: string
  stop(): void
  stopServer(mode?: 'fast' | 'immediate'): void
  startServer(): void
  running(): boolean
}

/** Finds a PostgreSQL program on PATH or in Debian's versioned directories; null when absent. */
export function findPgProgram(name: string): string | null {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean)
  if (existsSync('/usr/lib/postgresql')) {
    const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a))
    for (const version of versions) dirs.push(join('/usr/lib/postgresql', version, 'bin'))
  }

  for (const dir of dirs) {
    const candidate = join(dir, name)
    if (existsSync(candidate)) return candidate
  }

  return null
}

/** Why a local cluster cannot be started (null when it can). */
export function localClusterUnavailable(): string | null {
  const missing = ['initdb', 'pg_ctl', 'postgres'].filter((name) => !findPgProgram(name))
  if (missing.length > 0) return `no PostgreSQL binaries (${missing.join(', ')}) on PATH or in /usr/lib/postgresql/*/bin`
  if (isRoot() && !userExists('postgres')) return 'running as root and there is no `postgres` user to run initdb as'
  return null
}

let clusterPromise: Promise<Cluster> | undefined // one per test process: tests share it, each gets fresh databases

/** Starts (once per process) and returns the throwaway cluster. */
export function localCluster(): Promise<Cluster> {
  clusterPromise ??= startCluster()
  return clusterPromise
}

/**
 * Starts a cluster of the caller's own (not the shared one): a test that stops
 * and restarts its server uses this, so other tests' databases stay up.
 * Removed at process exit, or earlier with `stop()`.
 */
export function privateCluster(): Promise<Cluster> {
  return startCluster()
}

async function startCluster(): Promise<Cluster> {
  const why = localClusterUnavailable()
  if (why) throw new Error(why)
  const dir = mkdtempSync(join(tmpdir(), 'decnet-pg-'))
  const data = join(dir, 'data')
  const asPostgres = isRoot()
  if (asPostgres) {
    const {uid, gid} = userIds('postgres')
    chownSync(dir, uid, gid)
  }

  const program = (name: string): string => {
    const file = findPgProgram(name)
    if (file === null) throw new Error(`no PostgreSQL ${name} on PATH or in /usr/lib/postgresql/*/bin`)
    return file
  }

  const run = (name: string, args: string[]): void => {
    const file = program(name)
    const [cmd, argv] = asPostgres ? ['runuser', ['-u', 'postgres', '--', file, ...args]] : [file, args]
    execFileSync(cmd, argv, {cwd: dir, stdio: ['ignore', 'pipe', 'pipe']})
  }

  let started = false
  let options = ''
  const stopServer = (mode: 'fast' | 'immediate' = 'immediate'): void => {
    if (!started) return
    started = false
    const file = program('pg_ctl')
    const args = ['-D', data, '-m', mode, '-w', 'stop']
    spawnSync(asPostgres ? 'runuser' : file, asPostgres ? ['-u', 'postgres', '--', file, ...args] : args, {stdio: 'ignore'})
  }

  const startServer = (): void => {
    if (started) return
    run('pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), '-o', options, '-w', '-t', '60', 'start'])
    started = true
  }

  const stop = (): void => {
    stopServer()
    rmSync(dir, {recursive: true, force: true})
  }

  installCleanup(stop)
  try {
    run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C'])
    for (let attempt = 1; ; attempt++) {
      const port = await freePort()
      options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`
      try {
        startServer()
        return {url: `postgres://postgres@127.0.0.1:${port}/postgres`, port, dir, stop, stopServer, startServer, running: () => started}
      } catch (error) {
        if (attempt >= 3) throw new Error(`cannot start the test postgresql cluster: ${(error as Error).message}\n${serverLog(dir)}`)
      }
    }
  } catch (error) {
    stop()
    throw error
  }
}

function serverLog(dir: string): string {
  try {
    return readFileSync(join(dir, 'server.log'), 'utf8').slice(-2000)
  } catch (error) {
    return `(no server log: ${(error as Error).message})`
  }
}

function installCleanup(stop: () => void): void {
  process.once('exit', stop)
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      stop()
      process.kill(process.pid, signal)
    })
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const {port} = server.address() as AddressInfo
      server.close(() => resolve(port))
    })
  })
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0
}

function userExists(name: string): boolean {
  return spawnSync('id', ['-u', name], {stdio: 'ignore'}).status === 0
}

function userIds(name: string): {uid: number; gid: number} {
  const uid = Number(execFileSync('id', ['-u', name], {encoding: 'utf8'}).trim())
  const gid = Number(execFileSync('id', ['-g', name], {encoding: 'utf8'}).trim())
  return {uid, gid}
}
