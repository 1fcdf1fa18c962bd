/**
 * The attacker profile as `decnet attackers` shows it (the JSON contract of
 * `decnet attackers --json` and `decnet attackers show IP --json`).
 */
import type {CapturedFile} from '../logs/artifact.js'

/** One command an attacker ran. */
export interface AttackerCommand {
  /** Event time, ISO-8601 UTC. */
  timestamp: string
  decky: string
  service: string
  command: string
}

/** An ATT&CK technique seen for an attacker. */
export interface TechniqueCount {
  /** The sub-technique when the tag names one (`T1059.004`), else the technique (`T1082`). */
  techniqueId: string
  /** The ATT&CK tactic (`TA0007`). */
  tactic: string
  /** How many of the attacker's log lines carry this technique under this tactic. */
  count: number
}

/** One attacker. */
export interface AttackerProfile {
  ip: string
  /** Earliest event time, ISO-8601 UTC. */
  firstSeen: string
  /** Latest event time, ISO-8601 UTC. */
  lastSeen: string
  eventCount: number
  /** In first-seen order. */
  services: string[]
  /** In first-contact order. */
  deckies: string[]
  /** True when the attacker touched two or more deckies. */
  isTraversal: boolean
  /** `decky-a -> decky-b`, or null when not a traversal. */
  traversalPath: null | string
  /**
   * In time order. `decnet attackers show` carries them all; a list
   * (`decnet attackers`) only the latest few (see `commandCount`).
   */
  commands: AttackerCommand[]
  /** How many commands the attacker ran in all (each log line once), whether or not `commands` holds them all. */
  commandCount: number
  authAttempts: number
  /** Most frequent first. */
  techniques: TechniqueCount[]
  /** ISO 3166-1 alpha-2 country from the operator's GeoIP database (`decnet fleet heavy --geoip-db`); null when none was given or it does not know the IP. */
  country: null | string
  /** Autonomous system number and name from the operator's ASN database (`--asn-db`); null likewise. */
  asn: null | number
  asName: null | string
}

/** A credential one attacker tried on one decky and service (`decnet attackers show`). */
export interface AttackerCredential {
  /** Who it tried to log in as; null when the service named no one. */
  principal: null | string
  /** `plaintext`, `ntlmssp_v2`, `http_bearer`, ... */
  secretKind: string
  /** The secret as an operator may read it: hex for hashes and challenge responses, else text with control and non-UTF-8 bytes as `\xNN` and `\` as `\\`; `…` when longer than the 1,024 bytes kept. */
  secret: string
  /** The secret's exact bytes (the first 1,024), standard base64. */
  secretB64: string
  /** SHA-256 (hex) of all the secret's bytes. */
  secretSha256: string
  service: string
  decky: string
  /** The NTLM domain first seen with it, or null. */
  domain: null | string
  /** `success` when any attempt was said to succeed, else `failure` when any was said to fail; null when the service never said. */
  outcome: 'failure' | 'success' | null
  /** Log lines that carried it. */
  attempts: number
  /** Earliest and latest event time of those lines, ISO-8601 UTC. */
  firstSeen: string
  lastSeen: string
}

/** The services an attacker reached, by what it did there (DECNET's event-kind buckets). */
export interface ServiceActivity {
  /** Services where a line shows it interacting (a command, a mail, a file, a session, ...), by name. */
  interacted: string[]
  /** Services where it only connected, probed, requested or tried to log in, by name. */
  scanned: string[]
}

/** A file DECNET captured after the attacker wrote it (a `file_captured` line): what the line says of the file (CapturedFile), and where and when. */
export interface AttackerFile extends Omit<CapturedFile, 'kind'> {
  /** Event time, ISO-8601 UTC. */
  timestamp: string
  decky: string
  service: string
}

/** An interactive session DECNET recorded (a `session_recorded` line). */
export interface AttackerSession {
  /** Event time (the session's end), ISO-8601 UTC. */
  timestamp: string
  decky: string
  /** The session's id. */
  id: null | string
  /** The session's own service (`ssh`, `telnet`). */
  service: string
  durationS: null | number
  /** Bytes of transcript. */
  bytes: null | number
  /** Whether the transcript hit DECNET's cap. */
  truncated: boolean | null
}

/** One attacker's profile as `decnet attackers show` gives it: the profile, its credentials, service activity and artifacts. */
export interface AttackerDetail extends AttackerProfile {
  /** The most tried first (then the latest seen), at most 1,000: see `credentialCount`. */
  credentials: AttackerCredential[]
  /** How many (decky, service, kind, secret, principal) credentials the attacker tried in all. */
  credentialCount: number
  serviceActivity: ServiceActivity
  /** Captured files, the newest first, at most 200. */
  artifacts: AttackerFile[]
  /** Recorded sessions, the newest first, at most 200. */
  sessions: AttackerSession[]
}

/** A credential across attackers (`decnet credentials`): one (kind, secret, principal). */
export interface CredentialSummary {
  principal: null | string
  secretKind: string
  /** As in {@link AttackerCredential}. */
  secret: string
  secretB64: string
  secretSha256: string
  /** Log lines that carried it, everywhere. */
  attempts: number
  /** Distinct attacker IPs that tried it (lines naming no attacker are not counted). */
  attackers: number
  deckies: number
  services: number
  /** Distinct decky:service pairs it was tried on: two or more is credential reuse. */
  targets: number
  outcome: 'failure' | 'success' | null
  firstSeen: string
  lastSeen: string
}
