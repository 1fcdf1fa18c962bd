/**
 * A real HTTP receiver for webhook tests, on 127.0.0.1: it records every
 * request (headers, raw body, whether its signature verifies) and answers
 * as the test says (a status, or never: a receiver that hangs).
 *
 * @example
 * ```ts
 * const receiver = await startReceiver(t, {secret: 's3cret'})
 * ... // decnet POSTs to receiver.url
 * const [delivery] = await receiver.received(1)
 * ```
 */
import {createServer, type IncomingMessage, type RequestListener, type ServerResponse} from 'node:http'
import {createServer as createTlsServer} from 'node:https'
import type {AddressInfo} from 'node:net'
import type {TestContext} from 'node:test'

import {verifyWebhook} from '../../src/alerts/webhook-signature.js'

/** One request as the receiver saw it. */
export interface ReceivedRequest {
  readonly method: string
  readonly path: string
  readonly headers: IncomingMessage['headers']
  readonly body: string
  /** The signature verified with the receiver's secret. */
  readonly verified: boolean
  /** The status answered (undefined: it hung). */
  readonly status?: number
}

/** What the receiver answers to the request numbered `index` (from 0): a status, or `hang` (never answers). */
export type Answer = (index: number) => 'hang' | number

/** A running receiver. */
export interface Receiver {
  readonly url: string
  readonly port: number
  readonly requests: ReceivedRequest[]
  /** Resolves once `count` requests have been received (answered or hanging). */
  received(count: number): Promise<ReceivedRequest[]>
  /** The requests answered 2xx. */
  accepted(): ReceivedRequest[]
  close(): Promise<void>
}

/** Starts a receiver on 127.0.0.1 (`port`, default any free one; over TLS with `tls`'s certificate and key, PEM). Closed after the test. */
export async function startReceiver(t: TestContext, options: {secret: string; answer?: Answer; port?: number; tls?: {cert: string; key: string}}): Promise<Receiver> {
  const requests: ReceivedRequest[] = []
  const waiters: Array<{count: number; resolve: (requests: ReceivedRequest[]) => void}> = []
  const hanging = new Set<ServerResponse>()
  let index = 0
  const listener: RequestListener = (req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      const header = (name: string) => (typeof req.headers[name] === 'string' ? (req.headers[name]) : undefined)
      const answer = (options.answer ?? (() => 200))(index++)
      const verified = verifyWebhook(options.secret, header('x-decnet-timestamp'), body, header('x-decnet-signature'))
      requests.push({body, headers: req.headers, method: req.method ?? '', path: req.url ?? '', verified, ...(answer === 'hang' ? {} : {status: answer})})
      if (answer === 'hang') hanging.add(res)
      else res.writeHead(answer, {'content-type': 'text/plain'}).end('ok')
      for (const waiter of [...waiters]) {
        if (requests.length < waiter.count) continue
        waiters.splice(waiters.indexOf(waiter), 1)
        waiter.resolve(requests.slice(0, waiter.count))
      }
    })
  }
  const server = options.tls === undefined ? createServer(listener) : createTlsServer(options.tls, listener)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve())
  })
  const {port} = server.address() as AddressInfo
  const close = async () => {
    for (const res of hanging) res.destroy()
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }

  t.after(close)
  return {
    accepted: () => requests.filter((request) => request.status !== undefined && request.status >= 200 && request.status < 300),
    close,
    port,
    received: (count) => (requests.length >= count ? Promise.resolve(requests.slice(0, count)) : new Promise((resolve) => waiters.push({count, resolve}))),
    requests,
    url: `${options.tls === undefined ? 'http' : 'https'}://127.0.0.1:${port}/hooks/decnet?token=t0ken`,
  }
}

/** A port on 127.0.0.1 where nothing listens now (a receiver that is down): taken, then released. */
export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const {port} = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}
