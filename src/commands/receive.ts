import {join} from 'node:path'

import {Flags} from '@oclif/core'

import {databaseFlag, sqliteCreate} from '../cli/database-command.js'
import {DecnetCommand} from '../cli/decnet-command.js'
import {millisecondsFlag} from '../cli/seconds.js'
import {stopOnSignals} from '../cli/stop-on-signals.js'
import {chooseDatabase} from '../db/database-choice.js'
import {migrateToLatest} from '../db/migrate.js'
import {withDatabase} from '../db/open.js'
import {ExitCode} from '../exit-codes.js'
import {ListenAddressError, parseListenAddress} from '../ingest/syslog/listen-address.js'
import {DEFAULT_SPOOL_MAX_BYTES, MIN_SPOOL_MAX_BYTES} from '../ingest/spool/spool.js'
import {ListenError, SyslogReceiver, type ReceiverStats} from '../ingest/syslog/syslog-receiver.js'

/** `decnet receive --listen ...`: a syslog receiver storing DECNET's lines as they arrive. */
export default class Receive extends DecnetCommand {
  static override description = `Listens for DECNET's RFC 5424 syslog lines and stores them like \`decnet ingest\` does (accepted into \`logs\`, the others into \`rejected_lines\` with the peer, \`tcp://ADDRESS:PORT\`, as their source). TCP takes octet-counted (RFC 6587, \`LEN SP MSG\`) or newline-delimited messages, detected per connection; TLS (RFC 5425) requires a client certificate signed by --tls-ca (mutual TLS, as DECNET's forwarders use it) and refuses any other client with a log line; UDP (RFC 5426) takes one message a datagram.

Each connection's messages are durable before more is read from it: committed, or, while the database is away, fsync'd to an on-disk spool (--spool-dir, bounded by --spool-max-bytes) that is drained in order, exactly once, when it is back. When the spool is full a sender is slowed (TCP backpressure), never dropped. UDP cannot push back: datagrams past --max-buffered are dropped and counted. Limits: --max-connections, --max-message, --max-buffered, --idle-timeout. SIGINT or SIGTERM stop it: what was read is committed first (exit 0).`

  static override enableJsonFlag = true
  static override examples = [
    '<%= config.bin %> <%= command.id %> --listen tls://0.0.0.0:6514 --tls-cert server.crt --tls-key server.key --tls-ca decnet-ca.crt',
    '<%= config.bin %> <%= command.id %> --listen tcp://127.0.0.1:5514 --listen udp://127.0.0.1:5514',
  ]

  static override flags = {
    db: databaseFlag,
    'idle-timeout': Flags.string({default: '300', helpValue: 'SECONDS', summary: 'Close a connection silent for this long.'}),
    listen: Flags.string({helpValue: 'PROTO://IP[:PORT]', multiple: true, required: true, summary: 'Where to listen: tcp://, tls:// (port 6514 by default) or udp://, an IP address, a port.'}),
    'max-buffered': Flags.integer({default: 64 * 1024 * 1024, min: 65_536, summary: 'Bytes held over all connections (unfinished messages, chunks being stored).'}),
    'max-connections': Flags.integer({default: 256, min: 1, summary: 'TCP and TLS connections open at once; more are refused.'}),
    'max-message': Flags.integer({default: 65_536, max: 65_536, min: 480, summary: 'The largest message in bytes; a longer one is rejected (its first KiB kept).'}),
    'spool-dir': Flags.string({helpValue: 'DIR', summary: 'Where batches wait (fsync\'d) while the database is away (default: DATA_DIR/receive-spool; created 0700; one receiver per directory).'}),
    'spool-max-bytes': Flags.integer({default: DEFAULT_SPOOL_MAX_BYTES, min: MIN_SPOOL_MAX_BYTES, summary: 'The spool\'s size limit; when it is full the receiver reads nothing more (TCP pushes back; UDP drops, counted).'}),
    'tls-ca': Flags.string({helpValue: 'FILE', summary: 'CA certificate(s) (PEM) that TLS clients\' certificates must chain to.'}),
    'tls-cert': Flags.string({helpValue: 'FILE', summary: 'The TLS listener\'s certificate (PEM).'}),
    'tls-key': Flags.string({helpValue: 'FILE', summary: 'The TLS listener\'s private key (PEM).'}),
  }

  static override summary = 'Receive DECNET syslog over TCP, mutual TLS or UDP and store each line as it arrives.'

  /** Returns the receiver's counts when stopped; `--json` prints them. */
  async run(): Promise<ReceiverStats & {listened: readonly string[]}> {
    const {flags} = await this.parse(Receive)
    let listen
    try {
      listen = flags.listen.map((text) => parseListenAddress(text))
    } catch (error) {
      if (error instanceof ListenAddressError) this.error(error.message, {exit: ExitCode.USAGE})
      throw error
    }

    const tlsFlags = [flags['tls-key'], flags['tls-cert'], flags['tls-ca']]
    if (listen.some((address) => address.protocol === 'tls') && tlsFlags.includes(undefined)) {
      this.error('Expected `--tls-key`, `--tls-cert` and `--tls-ca` with a tls:// listener (clients are verified against the CA)', {exit: ExitCode.USAGE})
    }

    const tls = tlsFlags.includes(undefined) ? undefined : {key: flags['tls-key']!, cert: flags['tls-cert']!, ca: flags['tls-ca']!}
    const limits = {maxConnections: flags['max-connections'], maxMessageBytes: flags['max-message'], maxBufferedBytes: flags['max-buffered'], idleTimeoutMs: millisecondsFlag('--idle-timeout', flags['idle-timeout'])!}
    const stop = stopOnSignals()
    const log = (line: string): void => void process.stderr.write(`decnet receive: ${line}\n`)
    const database = chooseDatabase({dataDir: this.config.dataDir, flag: flags.db})
    for (const warning of database.warnings) this.warn(warning)
    try {
      return await withDatabase(database.url, async (db) => {
        await migrateToLatest(db)
        const spool = {directory: flags['spool-dir'] ?? join(this.config.dataDir, 'receive-spool'), maxBytes: flags['spool-max-bytes']}
        const receiver = await SyslogReceiver.start(db, {listen, tls, ...limits, spool, signal: stop.signal, log})
        for (const address of receiver.addresses) log(`listening on ${address}`)
        await new Promise((resolve) => (stop.signal.aborted ? resolve(undefined) : stop.signal.addEventListener('abort', resolve, {once: true})))
        await receiver.close()
        const {stats} = receiver
        this.log(`accepted ${stats.accepted}, rejected ${stats.rejected}, connections ${stats.connections}, refused ${stats.refused}, udp dropped ${stats.udpDropped}, spooled ${stats.spooled}, spool bytes left ${stats.spoolBytes}`)
        return {...stats, listened: receiver.addresses}
      }, {create: sqliteCreate(database, 'write')})
    } catch (error) {
      if (error instanceof ListenError) this.error(error.message, {exit: ExitCode.FAILURE})
      throw error
    } finally {
      stop.dispose()
    }
  }
}
