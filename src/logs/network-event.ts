/**
 * What a network sensor saw of an attacker, as one line the `network` rules
 * read: the event type, then `key=value` pairs, the telling keys of the
 * event first (so that a rule's evidence, the line from its start, shows
 * them), then every other field in the order logged:
 *
 * ```
 * tcp_syn_fingerprint os_guess=nmap dst_port=443 options_sig=M,W,T,S,S window=1024 ttl=52 ...
 * ipv6_link_local_leak src_ip=fe80::1c2b:3aff:fe4d:5e6f iid_kind=eui64 mac_oui=1e:2b:3a ...
 * zone_transfer qname=corp.example qtype=AXFR ...
 * ```
 *
 * Events read (DECNET-EVENTS.md §1.11-1.13): the host sniffer's
 * `tcp_syn_fingerprint`, `tls_client_hello`, `quic_client_hello` and
 * `ssh_client_banner`; the IPv6 link-local leak (sniffer and prober); the
 * prober's `jarm_fingerprint`, `hassh_fingerprint`, `tcpfp_fingerprint`,
 * `icmp_error_leak` and `icmp6_error_leak` (the attacker's own host, probed
 * back); and the DNS decky's `zone_transfer`, `fingerprint_probe`,
 * `amp_probe`, `tunneling_suspect`, `flood_suspect` and `recon_burst`.
 * Values are cut to 256 characters, their blanks written `_` and control
 * bytes `\xNN`; at most 48 fields, and the line never exceeds
 * {@link MAX_NETWORK_TEXT}.
 */
import type {FieldsInput} from './fields.js'

import {eventTypeIn, oneLine} from './event-text.js'
import {readFields} from './fields.js'

/** The longest text {@link networkText} returns. */
export const MAX_NETWORK_TEXT = 4096

const MAX_FIELDS = 48
const MAX_VALUE = 256

/** The event types read, each with its telling keys (written first). */
const FIRST_KEYS: ReadonlyMap<string, readonly string[]> = new Map([
  ['amp_probe', ['qname', 'qtype', 'edns_size']],
  ['fingerprint_probe', ['probe', 'qname', 'response']],
  ['flood_suspect', ['qps', 'window_sec', 'sample_qtype']],
  ['hassh_fingerprint', ['hassh_server_hash', 'ssh_banner', 'target_port']],
  ['icmp6_error_leak', ['icmp6_matrix', 'icmp6_fp_hash']],
  ['icmp_error_leak', ['icmp_matrix', 'icmp_fp_hash']],
  ['ipv6_link_local_leak', ['src_ip', 'ipv6_addr', 'iid_kind', 'mac_oui', 'vector', 'on_iface', 'attacker_v4']],
  ['jarm_fingerprint', ['jarm_hash', 'target_port']],
  ['quic_client_hello', ['ja4_quic', 'sni', 'alpn']],
  ['recon_burst', ['distinct_types', 'sequence']],
  ['ssh_client_banner', ['ssh_version', 'dst_port']],
  ['tcp_syn_fingerprint', ['os_guess', 'dst_port', 'options_sig', 'window', 'ttl', 'initial_ttl', 'mss', 'wscale']],
  ['tcpfp_fingerprint', ['tcpfp_hash', 'tcpfp_raw', 'target_port']],
  ['tls_client_hello', ['ja3', 'ja4', 'sni', 'tls_version', 'alpn', 'dst_port']],
  ['tunneling_suspect', ['tunnel_method', 'qname', 'qtype']],
  ['zone_transfer', ['qname', 'qtype', 'zone']],
])

/** What {@link networkText} needs of a log row. */
export interface NetworkSource {
  readonly event_type: string
  readonly fields: FieldsInput
}

/**
 * The network text of a sensor row (see the module's documentation), or null
 * for any other row.
 *
 * @example
 * ```ts
 * networkText({event_type: 'zone_transfer', fields: {src: '198.51.100.7', qname: 'corp.example', qtype: 'AXFR'}})
 * // 'zone_transfer qname=corp.example qtype=AXFR src=198.51.100.7'
 * ```
 */
export function networkText(row: NetworkSource): null | string {
  const type = eventTypeIn(row.event_type ?? '', FIRST_KEYS)
  if (type === null) return null
  const first = FIRST_KEYS.get(type)!
  const fields = readFields(row.fields)
  const keys = [...first.filter((key) => key in fields), ...Object.keys(fields).filter((key) => !first.includes(key))].slice(0, MAX_FIELDS)
  let text = type
  for (const key of keys) {
    const value = fields[key]
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') continue
    const pair = ` ${oneLine(key, 64).replaceAll(/[\s=]/g, '_')}=${oneLine(String(value), MAX_VALUE).replaceAll(' ', '_')}`
    if (text.length + pair.length > MAX_NETWORK_TEXT) break
    text += pair
  }

  return text
}
