/**
 * A file an attacker moved onto or asked of a decky, as one line the `file`
 * rules read:
 *
 * ```
 * sha256=5d41...9900 size=412 writer=wget uid=0 attribution=pid-chain path=/tmp/x.sh
 * tftp RRQ mode=octet filename=running-config
 * ```
 *
 * - A captured file: DECNET's SSH decky logs `file_captured` when a file is
 *   written or moved under `/root`, `/tmp`, `/var/tmp`, `/home`, `/var/www`,
 *   `/opt` or `/dev/shm` (DECNET-EVENTS.md §1.1): its `sha256`, `size`, the
 *   process that wrote it (`writer_comm`, `writer_uid`), how it was
 *   attributed to the session (`attribution`) and its path (`orig_path`).
 *   The hash comes first, so a rule's evidence (the line from its start)
 *   always names the file's content; the path comes last and may hold
 *   spaces. A missing value is written `-`.
 * - A TFTP request: the tftp decky's `request` event (`op` RRQ or WRQ,
 *   `filename`, `mode`; always refused, DECNET-EVENTS.md §1.10).
 *
 * Values are bounded and kept on one line (control bytes as `\xNN`).
 */
import type {FieldsInput} from './fields.js'

import {eventTypeIn, oneLine, textField} from './event-text.js'
import {readFields} from './fields.js'

/** The longest text {@link fileText} returns. */
export const MAX_FILE_TEXT = 4096

const FILE_EVENTS: ReadonlySet<string> = new Set(['file_captured', 'request'])

/** What {@link fileText} needs of a log row. */
export interface FileSource {
  readonly event_type: string
  readonly fields: FieldsInput
}

/**
 * The file text of a `file_captured` or TFTP `request` row (see the module's
 * documentation), or null for any other row.
 *
 * @example
 * ```ts
 * fileText({event_type: 'file_captured', fields: {sha256: 'ab12...', size: '412', orig_path: '/tmp/x.sh', writer_comm: 'wget'}})
 * // 'sha256=ab12... size=412 writer=wget uid=- attribution=- path=/tmp/x.sh'
 * ```
 */
export function fileText(row: FileSource): null | string {
  const type = eventTypeIn(row.event_type ?? '', FILE_EVENTS)
  if (type === null) return null
  const fields = readFields(row.fields)
  const value = (name: string, max: number): string => {
    const text = oneLine(textField(fields, name)?.trim() ?? '', max)
    return text === '' ? '-' : text.replaceAll(' ', '_')
  }

  if (type === 'request') {
    const op = textField(fields, 'op')?.trim().toUpperCase()
    const filename = textField(fields, 'filename')
    if ((op !== 'RRQ' && op !== 'WRQ') || filename === null) return null
    return `tftp ${op} mode=${value('mode', 16)} filename=${oneLine(filename, 2048)}`
  }

  const sha256 = textField(fields, 'sha256')?.trim().toLowerCase() ?? ''
  const path = textField(fields, 'orig_path') ?? textField(fields, 'stored_as') ?? ''
  if (sha256 === '' && path === '') return null
  const head = `sha256=${/^[\da-f]{64}$/.test(sha256) ? sha256 : value('sha256', 64)} size=${value('size', 20)} writer=${value('writer_comm', 32)} uid=${value('writer_uid', 12)} attribution=${value('attribution', 24)}`
  return `${head} path=${oneLine(path, MAX_FILE_TEXT - head.length - 6) || '-'}`
}
