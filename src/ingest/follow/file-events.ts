import {watch, type FSWatcher} from 'node:fs'
import {basename, dirname} from 'node:path'

import createDebug from 'debug'

const debug = createDebug('decnet:ingest')

/** How often a followed file is looked at even when no event came: a change the watcher missed (NFS, a watch limit) is seen within this. */
export const POLL_MS = 1000

/** The poll when the directory cannot be watched at all. */
export const POLL_UNWATCHED_MS = 250

/**
 * Wakes a follower when something may have happened to its file: an
 * inotify event (through `fs.watch`) in the file's directory for a name
 * that starts with the file's name (the file itself, its rotated copies),
 * or a bounded poll when no event comes. The directory is watched rather
 * than the file, so creation, rename and deletion are seen too, and a file
 * that does not exist yet is waited for. A directory that cannot be watched
 * (missing, no inotify) falls back to polling; it is watched again once it
 * exists.
 */
export class FileEvents {
  readonly #directory: string
  readonly #name: string
  #watcher: FSWatcher | undefined
  #changed = false
  #wake: (() => void) | undefined

  constructor(path: string) {
    this.#directory = dirname(path)
    this.#name = basename(path)
    this.#watch()
  }

  /** True while the directory is watched (events arrive); false while only polling. */
  get watching(): boolean {
    return this.#watcher !== undefined
  }

  /**
   * Resolves on the next event (or at once if one came since the last wait),
   * at the poll, at `deadline` (ms since the epoch) when given, or when
   * `signal` aborts, whichever is first.
   */
  async next(signal: AbortSignal | undefined, deadline?: number): Promise<void> {
    if (this.#watcher === undefined) this.#watch()
    if (this.#changed || signal?.aborted) {
      this.#changed = false
      return
    }

    const poll = this.#watcher === undefined ? POLL_UNWATCHED_MS : POLL_MS
    const ms = Math.max(0, Math.min(poll, deadline === undefined ? poll : deadline - Date.now()))
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer)
        signal?.removeEventListener('abort', done)
        this.#wake = undefined
        resolve()
      }

      const timer = setTimeout(done, ms)
      signal?.addEventListener('abort', done, {once: true})
      this.#wake = done
    })
    this.#changed = false
  }

  /** Stops watching (idempotent). */
  close(): void {
    this.#watcher?.close()
    this.#watcher = undefined
    this.#wake?.()
  }

  #watch(): void {
    try {
      const watcher = watch(this.#directory, {persistent: false}, (_event, name) => {
        if (name !== null && !String(name).startsWith(this.#name)) return
        this.#changed = true
        this.#wake?.()
      })
      watcher.on('error', (error) => {
        debug('watching %s failed (%s): polling', this.#directory, error.message)
        watcher.close()
        if (this.#watcher === watcher) this.#watcher = undefined
        this.#changed = true
        this.#wake?.()
      })
      this.#watcher = watcher
    } catch (error) {
      // missing directory, inotify watch limit: the poll still sees changes
      debug('cannot watch %s (%s): polling every %d ms', this.#directory, (error as Error).message, POLL_UNWATCHED_MS)
    }
  }
}
