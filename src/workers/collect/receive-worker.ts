/**
 * The `receive` worker of the `collect` fleets: `decnet receive` as a
 * supervised worker, on the listeners of the collect settings that belong
 * to its fleet (option `ports`: `unprivileged`, ports from 1024, for
 * `collect`; `privileged`, below 1024, for `collect-bind`, whose profile
 * holds CAP_NET_BIND_SERVICE).
 */
import type {ListenAddress} from '../../ingest/syslog/listen-address.js'
import type {ReceiverOptions} from '../../ingest/syslog/syslog-receiver.js'
import type {SourceReport} from '../../prefork/source-report.js'
import type {WorkerContext} from '../../prefork/worker.js'

import {listenersOf, type PortGroup, type SpoolSettings} from '../../ingest/collect/collect-settings.js'
import {SyslogReceiver} from '../../ingest/syslog/syslog-receiver.js'
import {collectSettings, idle, nowIso, openCollectDatabase, reportSources} from './collect-context.js'

/** The receiver's options, with the spool the settings name (the receiver's spool takes it). */
type ReceiveOptions = ReceiverOptions & {spool?: SpoolSettings}

/**
 * Receives syslog on its listeners until stopped; on stop, what each
 * connection sent is committed before it is closed. A listener that cannot
 * be opened (address in use, a low port without CAP_NET_BIND_SERVICE) ends
 * the worker with that reason.
 */
export default async function receiveWorker(ctx: WorkerContext): Promise<void> {
  const settings = collectSettings(ctx)
  const group = portGroup(ctx.options.ports)
  const listen: ListenAddress[] = listenersOf(settings, group).map(({host, port, protocol}) => ({host, port, protocol}))
  if (listen.length === 0) {
    const which = group === 'privileged' ? 'below 1024' : 'from 1024 up'
    return idle(ctx, `idle: no listener on a port ${which} (collect settings: listen)`)
  }

  const db = await openCollectDatabase(ctx, 'the receive worker')
  if (db === undefined) return // stopped while waiting for the database
  let lastError: {at: string; message: string} | undefined
  const log = (line: string): void => {
    lastError = {at: nowIso(), message: line}
    console.error(`receive: ${line}`)
  }

  const options: ReceiveOptions = {
    idleTimeoutMs: settings.idleTimeoutSeconds * 1000,
    listen,
    log,
    maxBufferedBytes: settings.maxBufferedBytes,
    maxConnections: settings.maxConnections,
    maxMessageBytes: settings.maxMessageBytes,
    signal: ctx.signal,
    ...(settings.tls === null ? {} : {tls: settings.tls}),
    ...(settings.spool === null ? {} : {spool: settings.spool}),
  }
  let receiver: SyslogReceiver
  try {
    receiver = await SyslogReceiver.start(db, options)
  } catch (error) {
    await db.destroy()
    throw error
  }

  const stopReporting = reportSources(ctx, (): SourceReport[] => {
    const {stats} = receiver
    return [
      {
        accepted: stats.accepted,
        connections: receiver.openConnections,
        kind: 'listener',
        lagBytes: null,
        lastError: lastError?.message ?? null,
        lastErrorAt: lastError?.at ?? null,
        queued: settings.spool === null ? null : stats.spoolLines,
        rejected: stats.rejected,
        source: receiver.addresses.join(' '),
      },
    ]
  })
  try {
    for (const address of receiver.addresses) console.log(`receive: listening on ${address}`)
    ctx.status?.(`listening on ${receiver.addresses.join(', ')}`)
    ctx.ready()
    if (!ctx.once) await new Promise<void>((resolve) => (ctx.signal.aborted ? resolve() : ctx.signal.addEventListener('abort', () => resolve(), {once: true})))
    await receiver.close()
  } finally {
    await stopReporting()
    await db.destroy()
  }
}

function portGroup(value: unknown): PortGroup {
  if (value === 'privileged' || value === 'unprivileged') return value
  throw new Error(`Expected option \`ports\` to be "privileged" or "unprivileged", got ${JSON.stringify(value)}`)
}
