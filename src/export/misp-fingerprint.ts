/**
 * Which of an attacker's fingerprints MISP has an attribute type for, and
 * that type: a User-Agent, JA3 (client hello) and HASSH-server hashes, and
 * JARM. A value that is not in the form MISP's type expects (the hashes are
 * attacker-influenced text like everything in a log line) is left out, as are
 * families MISP has no type for (they stay in `decnet export json`).
 */
import type {AttackerFingerprint} from '../attackers/attacker-profile.js'

const MD5 = /^[0-9a-f]{32}$/
const JARM = /^[0-9a-f]{62}$/

/**
 * The MISP attribute type and value for `fingerprint`, or undefined when MISP has none.
 *
 * @example
 * ```ts
 * mispFingerprint({type: 'ja3', value: 'E7D705A3286E19EA42F587B344EE6865', ...}) // {type: 'ja3-fingerprint-md5', value: 'e7d705a3286e19ea42f587b344ee6865'}
 * ```
 */
export function mispFingerprint(fingerprint: Pick<AttackerFingerprint, 'type' | 'value'>): undefined | {type: string; value: string} {
  const hex = fingerprint.value.toLowerCase()
  switch (fingerprint.type) {
    case 'http_useragent': {
      return fingerprint.value === '' || fingerprint.value === '""' ? undefined : {type: 'user-agent', value: fingerprint.value}
    }

    case 'ja3': {
      return MD5.test(hex) ? {type: 'ja3-fingerprint-md5', value: hex} : undefined
    }

    case 'hassh_server': {
      return MD5.test(hex) ? {type: 'hasshserver-md5', value: hex} : undefined
    }

    case 'jarm': {
      return JARM.test(hex) ? {type: 'jarm-fingerprint', value: hex} : undefined
    }

    default: {
      return undefined
    }
  }
}
