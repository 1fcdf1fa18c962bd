/** A signal that aborts on SIGINT or SIGTERM, and how to stop listening. */
export interface StopOnSignals {
  /** Aborted by the first SIGINT or SIGTERM; its `reason` is the signal's name. */
  signal: AbortSignal
  /** Stops listening (idempotent). */
  dispose: () => void
}

/**
 * Turns the first SIGINT or SIGTERM into an aborted signal, so a command can
 * finish what is in flight and say how far it got. The handlers are removed
 * at once, so a second signal gets Node's default: the process dies.
 *
 * @example
 * ```ts
 * const stop = stopOnSignals()
 * try { await ingest(db, files, {signal: stop.signal}) } finally { stop.dispose() }
 * ```
 */
export function stopOnSignals(): StopOnSignals {
  const controller = new AbortController()
  const dispose = (): void => {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal)
  }

  function onSignal(signal: NodeJS.Signals): void {
    dispose()
    controller.abort(signal)
  }

  process.on('SIGINT', onSignal).on('SIGTERM', onSignal)
  return {signal: controller.signal, dispose}
}
