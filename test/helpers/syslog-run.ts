/**
 * What the receiver tests and the receiver benchmark share: DECNET-shaped
 * syslog lines, the real `decnet receive` started with its own spool
 * directory and awaited until it listens, and loopback clients (test
 * certificates: test-certificates.ts).
 */
import assert from 'node:assert/strict'
import {mkdtempSync, rmSync} from 'node:fs'
import {connect, type Socket} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import type {TestContext} from 'node:test'

import {startDecnet, type FollowRun} from './follow-run.js'

/** The `n`-th DECNET-shaped line, `tag` in its message. */
export const LINE = (n: number, tag: string): string => `<134>1 2026-11-26T13:32:${String(n % 60).padStart(2, '0')}.000Z decky-${n % 3} ssh - login_failed [relay@55555 src_ip="198.51.100.${n % 200}"] ${tag} attempt ${n}`
/** `text` framed by octet counting (RFC 6587). */
export const octets = (text: string): string => `${Buffer.byteLength(text)} ${text}`

/** A temporary directory removed after the test. */
export const workDir = (t: TestContext): string => {
  const dir = mkdtempSync(join(tmpdir(), 'decnet-receive-'))
  t.after(() => rmSync(dir, {recursive: true, force: true}))
  return dir
}

/** Starts `decnet receive`; resolves with the run and the bound addresses, in the order asked. */
export async function startReceiver(t: TestContext, args: string[]): Promise<{run: FollowRun; addresses: string[]}> {
  const spool = args.includes('--spool-dir') ? [] : ['--spool-dir', join(workDir(t), 'spool')]
  const run = startDecnet(['receive', ...spool, ...args], {debug: 'decnet:syslog'})
  t.after(() => run.child.kill('SIGKILL'))
  const wanted = args.filter((arg) => /^(tcp|tls|udp):\/\//.test(arg)).length
  const addresses: string[] = []
  let at = 0
  while (addresses.length < wanted) {
    at = await run.saw(/listening on (\S+)\n/, at)
    addresses.push(/listening on (\S+)\n$/.exec(run.stderr().slice(0, at))![1])
  }

  return {run, addresses}
}

export const portOf = (address: string): number => Number(/:(\d+)$/.exec(address)![1])

export const tcpClient = (port: number): Promise<Socket> =>
  new Promise((resolve, reject) => {
    const socket = connect({host: '127.0.0.1', port}, () => resolve(socket))
    socket.once('error', reject)
  })

export const closeClient = (socket: Socket): Promise<void> =>
  new Promise((resolve) => {
    socket.once('close', () => resolve())
    socket.end()
  })

/** Where `socket` talks from, as the receiver names its peer. */
export const peer = (protocol: string, socket: Socket): string => `${protocol}://127.0.0.1:${socket.localPort}`

/** Stops the receiver with SIGTERM; returns its JSON summary. */
export async function stopReceiver(run: FollowRun): Promise<Record<string, number>> {
  run.child.kill('SIGTERM')
  const exit = await run.done
  assert.equal(exit.code, 0, exit.stderr)
  return JSON.parse(exit.stdout)
}
