/**
 * A TCP proxy on loopback that a test can cut and restore: the database's
 * outage, made on demand. `cut()` destroys every proxied connection and
 * stops listening (new connections are refused: ECONNREFUSED, as when the
 * server is down); `restore()` listens again on the same port.
 *
 * @example
 * ```ts
 * const proxy = await startTcpProxy('127.0.0.1', 55432)
 * const url = proxy.rewrite('postgres://postgres@127.0.0.1:55432/db') // through the proxy
 * await proxy.cut()     // the database is away
 * await proxy.restore() // it is back
 * ```
 */
import {createServer, connect, type Server, type Socket} from 'node:net'

export interface TcpProxy {
  readonly port: number
  /** `url` with its host and port replaced by the proxy's. */
  rewrite: (url: string) => string
  cut: () => Promise<void>
  restore: () => Promise<void>
  close: () => Promise<void>
}

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>()
  const track = (socket: Socket): void => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
    socket.on('error', () => undefined)
  }

  const makeServer = (): Server =>
    createServer((client) => {
      track(client)
      const upstream = connect({host: targetHost, port: targetPort})
      track(upstream)
      client.pipe(upstream)
      upstream.pipe(client)
      client.once('close', () => upstream.destroy())
      upstream.once('close', () => client.destroy())
    })

  const listen = (server: Server, port: number): Promise<number> =>
    new Promise((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject)
        const address = server.address()
        resolve(typeof address === 'object' && address !== null ? address.port : port)
      })
    })

  let server: Server | undefined = makeServer()
  const port = await listen(server, 0)
  const stop = async (): Promise<void> => {
    const current = server
    server = undefined
    for (const socket of sockets) socket.destroy()
    if (current) await new Promise<void>((resolve) => current.close(() => resolve()))
  }

  return {
    port,
    rewrite(url) {
      const parsed = new URL(url)
      parsed.hostname = '127.0.0.1'
      parsed.port = String(port)
      return parsed.toString()
    },
    cut: stop,
    async restore() {
      if (server) return
      server = makeServer()
      await listen(server, port)
    },
    close: stop,
  }
}
