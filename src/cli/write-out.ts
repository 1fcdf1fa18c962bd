import type {Writable} from 'node:stream'

/**
 * Writes `text` to `out` (standard output by default) and resolves once it
 * has been handed to the operating system, so a command printing a long
 * stream holds only what is being written, and nothing is lost when
 * `bin/run.js` calls `process.exit()` after the command (a pipe may take the
 * text asynchronously: a 200 KB `attackers show --json` through a pipe lost
 * its last 8 KB one run in six, resolving on `drain` alone).
 *
 * @example
 * ```ts
 * for await (const line of lines) await writeOut(`${line}\n`)
 * ```
 */
export async function writeOut(text: string, out: Writable = process.stdout): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    out.write(text, (error) => {
      if (error) reject(error)
      else resolve()
    })
  })
}
