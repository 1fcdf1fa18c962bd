/**
 * Running a command on a pseudo-terminal, as an operator's shell would: util-linux
 * `script -qfec CMD /dev/null` gives it a pty as stdin, stdout and stderr, and copies
 * what it writes there to our pipe. Killed after the test if still running.
 *
 * @example
 * ```ts
 * const run = startInPty(t, `exec node bin/run.js fleet sample --user nobody`, {env})
 * await run.waitFor(/fleet sample ready/)
 * ```
 */
import {type ChildProcessWithoutNullStreams, spawn, spawnSync} from 'node:child_process'
import {readdirSync, readFileSync, readlinkSync} from 'node:fs'
import type {TestContext} from 'node:test'

/** A command running on a pty. */
export interface PtyRun {
  readonly child: ChildProcessWithoutNullStreams
  /** How `script` ended. */
  readonly exited: Promise<{code: number | null; signal: NodeJS.Signals | null}>
  /** Everything the pty printed so far, CRLF turned into LF. */
  output(): string
  /** Resolves with the first match of `re` in the output (now or later); rejects after `ms`, or when the command ends first. */
  waitFor(re: RegExp, ms?: number): Promise<RegExpMatchArray>
}

/** An open descriptor of a process. */
export interface Descriptor {
  readonly cloexec: boolean
  readonly fd: number
  /** Where /proc/PID/fd/N points. */
  readonly target: string
}

interface Waiter {
  readonly re: RegExp
  readonly resolve: (match: RegExpMatchArray) => void
  readonly reject: (error: Error) => void
  timer?: NodeJS.Timeout
}

/** Why no pty can be had here (no `script`), or null. */
export function ptyUnavailable(): string | null {
  const probe = spawnSync('script', ['-qfec', 'true', '/dev/null'], {stdio: 'ignore'})
  return probe.status === 0 ? null : `util-linux script is not usable here (${probe.error?.message ?? `exit ${probe.status}`})`
}

/** Starts `command` (a bash command line, as a root shell would run it) on a fresh pty. */
export function startInPty(t: TestContext, command: string, {env = process.env, uid, gid}: {env?: NodeJS.ProcessEnv; uid?: number; gid?: number} = {}): PtyRun {
  // stdin stays an open pipe: script forwards its EOF to the pty. script runs `$SHELL -c command`.
  const child = spawn('script', ['-qfec', command, '/dev/null'], {env: {...env, SHELL: '/bin/bash'}, gid, stdio: ['pipe', 'pipe', 'pipe'], uid})
  let output = ''
  const waiters = new Set<Waiter>()
  const check = (): void => {
    for (const waiter of waiters) {
      const match = output.match(waiter.re)
      if (match) {
        waiters.delete(waiter)
        clearTimeout(waiter.timer)
        waiter.resolve(match)
      }
    }
  }

  for (const stream of [child.stdout, child.stderr]) {
    stream.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk.replaceAll('\r\n', '\n')
      check()
    })
  }

  const exited = new Promise<{code: number | null; signal: NodeJS.Signals | null}>((resolve) => child.once('close', (code, signal) => resolve({code, signal})))
  void exited.then(({code, signal}) => {
    for (const waiter of waiters) {
      clearTimeout(waiter.timer)
      waiter.reject(new Error(`the pty's command ended (code ${code}, signal ${signal}) before printing ${waiter.re}:\n${output}`))
    }
  })
  t.after(() => {
    if (child.pid === undefined) return
    for (const pid of descendantsOf(child.pid)) killQuietly(pid)
    killQuietly(child.pid)
  })
  return {
    child,
    exited,
    output: () => output,
    waitFor(re, ms = 60_000) {
      return new Promise<RegExpMatchArray>((resolve, reject) => {
        const waiter: Waiter = {re, reject, resolve}
        waiter.timer = setTimeout(() => {
          waiters.delete(waiter)
          reject(new Error(`timed out after ${ms} ms waiting for ${re}:\n${output}`))
        }, ms)
        waiters.add(waiter)
        check()
      })
    },
  }
}

/** Every open descriptor of a live process: [{fd, target, cloexec}]. */
export function descriptorsOf(pid: number): Descriptor[] {
  const descriptors: Descriptor[] = []
  for (const name of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const flagsLine = /^flags:\s*([0-7]+)$/m.exec(readFileSync(`/proc/${pid}/fdinfo/${name}`, 'utf8'))
      if (!flagsLine) throw new Error(`/proc/${pid}/fdinfo/${name} has no flags: line`)
      const flags = Number.parseInt(flagsLine[1], 8)
      descriptors.push({cloexec: (flags & 0o2000000) !== 0, fd: Number(name), target: readlinkSync(`/proc/${pid}/fd/${name}`)})
    } catch (error) {
      // Closed between the listing and the read.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    }
  }

  return descriptors.sort((a, b) => a.fd - b.fd)
}

/** Fields of /proc/PID/status as a Map (e.g. `NoNewPrivs` -> '1', `CapBnd` -> '0000000000002000'). */
export function statusFields(pid: number): Map<string, string> {
  const fields = new Map<string, string>()
  for (const line of readFileSync(`/proc/${pid}/status`, 'utf8').split('\n')) {
    const colon = line.indexOf(':')
    if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1).trim())
  }

  return fields
}

/** Live descendants of `pid` (children first), from /proc. */
export function descendantsOf(pid: number): number[] {
  const parents = new Map<number, number>()
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8')
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      if (state !== 'Z') parents.set(Number(name), Number(ppid))
    } catch {
      // Gone meanwhile.
    }
  }

  const found: number[] = []
  const walk = (parent: number): void => {
    for (const [child, ppid] of parents) {
      if (ppid === parent) {
        found.push(child)
        walk(child)
      }
    }
  }

  walk(pid)
  return found
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error
  }
}
