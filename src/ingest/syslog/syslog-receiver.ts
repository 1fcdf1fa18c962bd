import {createSocket, type Socket as UdpSocket} from 'node:dgram'
import {readFileSync} from 'node:fs'
import {createServer as createTcpServer, type Server, type Socket} from 'node:net'
import {createServer as createTlsServer} from 'node:tls'

import type {Kysely} from 'kysely'

import {LogWriter} from '../../db/log-writer.js'
import type {Database} from '../../db/schema.js'
import {MAX_LINE_BYTES} from '../../logs/parse.js'
import {Spool} from '../spool/spool.js'
import {IntakeQueue} from './intake-queue.js'
import {formatAddress, type ListenAddress} from './listen-address.js'
import {SyslogConnection, type ConnectionContext} from './syslog-connection.js'

/** A listener could not be opened (address in use, a privileged port, unreadable certificate files). */
export class ListenError extends Error {
  constructor(message: string, options?: {cause?: unknown}) {
    super(message, options)
    this.name = 'ListenError'
  }
}

/** The files of the TLS listener: its key and certificate, and the CA its clients' certificates must chain to. */
export interface TlsFiles {
  key: string
  cert: string
  ca: string
}

/** Options of {@link SyslogReceiver.start}. */
export interface ReceiverOptions {
  listen: readonly ListenAddress[]
  /** Required by a `tls` listener: client certificates are always verified against `ca` (mutual TLS, as DECNET's forwarders use it). */
  tls?: TlsFiles
  /** TCP and TLS connections open at once (default 256); more are refused. */
  maxConnections?: number
  /** The largest message (default and at most 64 KiB); a longer one is rejected, its first KiB kept. */
  maxMessageBytes?: number
  /** Bytes held over all connections: unfinished messages and chunks being committed (default 64 MiB); UDP datagrams past it are dropped. */
  maxBufferedBytes?: number
  /** A connection silent for this long is closed (default 300 s). */
  idleTimeoutMs?: number
  /** A message, or a TLS handshake, must arrive within this long once begun (default 30 s). */
  frameTimeoutMs?: number
  /**
   * The on-disk spool batches go to while the database is away (see
   * `IntakeQueue`): `directory` (created 0700; one receiver per directory) and
   * `maxBytes` (default 1 GiB; past it the receiver reads nothing more, TCP
   * pushes back). Without it an outage is waited out with every connection
   * paused.
   */
  spool?: ReceiverSpoolOptions
  /** Ends a database outage's wait (no spool), or a wait for room in a full spool. */
  signal?: AbortSignal
  /** Operator messages: refused clients, closed connections, drops, outages. */
  log?: (line: string) => void
}

/** Where the receiver spools, and how much (see {@link ReceiverOptions.spool}). */
export interface ReceiverSpoolOptions {
  directory: string
  maxBytes?: number
}

/** What the receiver did. */
export interface ReceiverStats {
  accepted: number
  rejected: number
  /** Messages written to the spool while the database was away (counted again in `accepted` or `rejected` once drained). */
  spooled: number
  /** Bytes the spool holds now (its depth). */
  spoolBytes: number
  /** Messages this receiver spooled that are not stored yet (the spool's depth in lines; a previous run's leftovers not counted). */
  spoolLines: number
  /** TCP and TLS connections accepted, over the run. */
  connections: number
  /** Connections refused: over `maxConnections`, or a TLS client whose certificate (or handshake) failed. */
  refused: number
  /** UDP datagrams dropped because the buffer budget was spent (UDP cannot push back). */
  udpDropped: number
}

/**
 * A syslog receiver (RFC 5424 messages) over TCP (RFC 6587: octet counting
 * or LF framing, detected per connection), TLS (RFC 5425, client
 * certificates verified against a CA) and UDP (RFC 5426, one message a
 * datagram). Every message goes through the parser of `decnet ingest`:
 * accepted into `logs`, or into `rejected_lines` with the peer
 * (`tcp://ADDRESS:PORT`) as its source. A connection's messages are
 * committed before anything more is read from it.
 *
 * @example
 * ```ts
 * const receiver = await SyslogReceiver.start(db, {listen: [parseListenAddress('tcp://127.0.0.1:5514')]})
 * // ... later
 * await receiver.close()
 * ```
 */
export class SyslogReceiver {
  readonly #queue: IntakeQueue
  readonly #spool: Spool | undefined
  readonly #servers: Server[] = []
  readonly #udp: UdpSocket[] = []
  readonly #connections = new Set<SyslogConnection>()
  readonly #addresses: string[] = []
  readonly #stats = {connections: 0, refused: 0, udpDropped: 0}
  #buffered = 0
  #closing: Promise<void> | undefined

  private constructor(queue: IntakeQueue, spool: Spool | undefined) {
    this.#queue = queue
    this.#spool = spool
  }

  /** Opens every listener (all or none: a failed bind closes the others). */
  static async start(db: Kysely<Database>, options: ReceiverOptions): Promise<SyslogReceiver> {
    const log = options.log ?? (() => undefined)
    const spool = options.spool === undefined ? undefined : await Spool.open({dir: options.spool.directory, maxBytes: options.spool.maxBytes, log})
    const waiting = spool === undefined ? 'reading nothing meanwhile' : `spooling to ${spool.dir} meanwhile`
    let queue: IntakeQueue
    try {
      queue = await IntakeQueue.create(db, new LogWriter(db), {spool, signal: options.signal, log, onOutage: (error, ms) => log(`database unavailable (${(error as Error).message}); retrying in ${(ms / 1000).toFixed(1)} s, ${waiting}`)})
    } catch (error) {
      await spool?.close()
      throw error
    }

    const receiver = new SyslogReceiver(queue, spool)
    for (const address of options.listen) {
      try {
        await receiver.#listen(address, options, log)
      } catch (error) {
        await receiver.close()
        const code = (error as NodeJS.ErrnoException).code
        const why = code === 'EADDRINUSE' ? 'address already in use' : code === 'EACCES' ? 'permission denied (a port below 1024 needs root or CAP_NET_BIND_SERVICE)' : (error as Error).message
        throw new ListenError(`cannot listen on ${formatAddress(address.protocol, address.host, address.port)}: ${why}`, {cause: error})
      }
    }

    return receiver
  }

  /** The bound addresses (`tcp://127.0.0.1:5514`): a port 0 asked for is the port given. */
  get addresses(): readonly string[] {
    return this.#addresses
  }

  /** TCP and TLS connections open now. */
  get openConnections(): number {
    return this.#connections.size
  }

  get stats(): ReceiverStats {
    const {accepted, rejected, spooled} = this.#queue.counts
    return {accepted, rejected, spooled, spoolBytes: this.#queue.spoolBytes, spoolLines: this.#queue.spoolLines, ...this.#stats}
  }

  /** Stops listening; each connection's messages read so far are committed before it is closed (idempotent). */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await Promise.all(this.#servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))))
      await Promise.all([...this.#connections].map((connection) => connection.stop()))
      await Promise.all(this.#udp.map((socket) => new Promise<void>((resolve) => socket.close(() => resolve()))))
      await this.#queue.commit().catch(() => undefined) // UDP rows still waiting; an error was logged already
      await this.#queue.stop()
      await this.#spool?.close()
    })()
    return this.#closing
  }

  async #listen(address: ListenAddress, options: ReceiverOptions, log: (line: string) => void): Promise<void> {
    if (address.protocol === 'udp') return this.#listenUdp(address, options, log)
    const maxMessageBytes = Math.min(options.maxMessageBytes ?? MAX_LINE_BYTES, MAX_LINE_BYTES)
    const limits = {maxMessageBytes, idleTimeoutMs: options.idleTimeoutMs ?? 300_000, frameTimeoutMs: options.frameTimeoutMs ?? 30_000}
    const maxBuffered = options.maxBufferedBytes ?? 64 * 1024 * 1024
    const context: ConnectionContext = {
      queue: this.#queue,
      limits,
      log,
      reserve: (bytes) => {
        if (this.#buffered + bytes > maxBuffered) return false
        this.#buffered += bytes
        return true
      },
      release: (bytes) => void (this.#buffered -= bytes),
    }
    const accept = (socket: Socket): void => {
      const peer = formatAddress(address.protocol, socket.remoteAddress ?? 'unknown', socket.remotePort ?? 0)
      const connection = new SyslogConnection(socket, peer, context)
      this.#stats.connections++
      this.#connections.add(connection)
      void connection.closed.then(() => this.#connections.delete(connection))
    }

    let server: Server
    if (address.protocol === 'tls') {
      if (!options.tls) throw new Error('a tls:// listener needs --tls-key, --tls-cert and --tls-ca')
      const files = options.tls
      const read = (what: keyof TlsFiles): Buffer => {
        try {
          return readFileSync(files[what])
        } catch (error) {
          throw new Error(`cannot read the TLS ${what} ${files[what]}: ${(error as Error).message}`)
        }
      }

      // the client's certificate is checked here rather than by rejectUnauthorized, so the refusal
      // can say who and why (OpenSSL's verdict); nothing is read from a client before this check
      const tls = createTlsServer({key: read('key'), cert: read('cert'), ca: read('ca'), requestCert: true, rejectUnauthorized: false, minVersion: 'TLSv1.2', handshakeTimeout: limits.frameTimeoutMs}, (socket) => {
        if (socket.authorized) return accept(socket)
        this.#stats.refused++
        const why = socket.authorizationError ?? 'no client certificate'
        log(`refused TLS client ${formatAddress('tls', socket.remoteAddress ?? 'unknown', socket.remotePort ?? 0)}: its certificate is not accepted (${String(why)}; clients need a certificate signed by --tls-ca)`)
        socket.destroy()
      })
      tls.on('tlsClientError', (error, socket) => {
        this.#stats.refused++
        log(`refused TLS client ${formatAddress('tls', socket.remoteAddress ?? 'unknown', socket.remotePort ?? 0)}: handshake failed (${error.message})`)
      })
      server = tls
    } else {
      server = createTcpServer(accept)
    }

    server.maxConnections = options.maxConnections ?? 256
    server.on('drop', (data) => {
      this.#stats.refused++
      log(`refused ${formatAddress(address.protocol, data?.remoteAddress ?? 'unknown', data?.remotePort ?? 0)}: ${server.maxConnections} connections open (--max-connections)`)
    })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(address.port, address.host, () => {
        server.off('error', reject)
        resolve()
      })
    })
    server.on('error', (error) => log(`${address.protocol} listener: ${error.message}`))
    this.#servers.push(server)
    const bound = server.address()
    this.#addresses.push(formatAddress(address.protocol, address.host, typeof bound === 'object' && bound ? bound.port : address.port))
  }

  async #listenUdp(address: ListenAddress, options: ReceiverOptions, log: (line: string) => void): Promise<void> {
    const maxMessageBytes = Math.min(options.maxMessageBytes ?? MAX_LINE_BYTES, MAX_LINE_BYTES)
    const maxBuffered = options.maxBufferedBytes ?? 64 * 1024 * 1024
    const socket = createSocket({type: address.host.includes(':') ? 'udp6' : 'udp4'})
    let datagrams = 0
    socket.on('message', (message, peer) => {
      if (this.#buffered + message.length > maxBuffered) {
        if (this.#stats.udpDropped++ % 1000 === 0) log(`udp: dropped a datagram from ${formatAddress('udp', peer.address, peer.port)}: the receiver holds as many bytes as it may (${this.#stats.udpDropped} dropped so far)`)
        return
      }

      this.#buffered += message.length
      let end = message.length
      if (end > 0 && message[end - 1] === 10) end--
      if (end > 0 && message[end - 1] === 13) end--
      const source = formatAddress('udp', peer.address, peer.port)
      if (end > maxMessageBytes) this.#queue.add(source, ++datagrams, message.toString('utf8', 0, 1024), end, maxMessageBytes)
      else this.#queue.add(source, ++datagrams, message.toString('utf8', 0, end))
      this.#queue
        .commit()
        .catch((error: Error) => log(`udp: datagrams not stored: ${error.message}`))
        .finally(() => (this.#buffered -= message.length))
    })
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject)
      socket.bind(address.port, address.host, () => {
        socket.off('error', reject)
        resolve()
      })
    })
    socket.on('error', (error) => log(`udp listener: ${error.message}`))
    this.#udp.push(socket)
    this.#addresses.push(formatAddress('udp', address.host, socket.address().port))
  }
}
