import {setField} from './structured-data.js'

/** The prefix of the SSH shell-command free-text form. */
export const CMD_PREFIX = 'CMD '

/**
 * Reads the SSH honeypot's shell-command message,
 * `CMD uid=0 user=root src=203.0.113.7 pwd=/root cmd=uname -a`: the
 * `key=value` pairs before `cmd=` (values end at a space, or are
 * double-quoted with backslash escapes), and `cmd`, which runs to the end of
 * the line as is. Returns null when the message is not in that form. Words
 * that are not `key=value` are skipped.
 *
 * @example
 * ```ts
 * parseCmdText('CMD uid=0 user=root cmd=cat /etc/passwd') // {uid: '0', user: 'root', cmd: 'cat /etc/passwd'}
 * ```
 */
export function parseCmdText(msg: string): Record<string, string> | null {
  if (!msg.startsWith(CMD_PREFIX)) return null
  const pairs: Record<string, string> = {}
  const n = msg.length
  let i = CMD_PREFIX.length
  while (i < n) {
    while (i < n && msg.charCodeAt(i) === 32) i++
    if (i >= n) break
    let j = i
    while (j < n && isKeyChar(msg.charCodeAt(j))) j++
    if (j === i || msg.charCodeAt(j) !== 61) {
      // not a key=value word: skip it
      while (i < n && msg.charCodeAt(i) !== 32) i++
      continue
    }

    const key = msg.slice(i, j)
    i = j + 1
    if (key === 'cmd') {
      pairs.cmd = msg.slice(i).trimEnd()
      break
    }

    let value: string
    if (msg.charCodeAt(i) === 34) {
      ;[value, i] = quoted(msg, i + 1)
    } else {
      j = msg.indexOf(' ', i)
      if (j === -1) j = n
      value = msg.slice(i, j)
      i = j
    }

    if (!Object.hasOwn(pairs, key)) setField(pairs, key, value)
  }

  return pairs
}

function isKeyChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 45 || c === 46
}

/** A double-quoted value starting after its opening quote: [value, index after the closing quote]. */
function quoted(msg: string, start: number): [string, number] {
  let out = ''
  let i = start
  for (; i < msg.length; i++) {
    const c = msg[i]
    if (c === '"') return [out, i + 1]
    if (c === '\\' && i + 1 < msg.length) {
      out += msg[++i]
    } else {
      out += c
    }
  }

  return [out, i]
}
