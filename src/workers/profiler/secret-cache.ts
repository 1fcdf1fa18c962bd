/**
 * The profiler's {@link SecretMemory}: the secrets of the last `secret_b64`
 * texts it decoded. A brute force tries the same wordlist on every decky, so
 * most credential lines of a cold build carry a secret already seen; each
 * then costs a map lookup instead of a base64 decoding and a SHA-256
 * (measured: most of the time the profiler spent reading credential lines).
 */
import type {Secret, SecretMemory} from '../../logs/credential.js'

import {BoundedMap} from '../../util/bounded-map.js'

/** Distinct secrets remembered; past this, the memory starts over. */
const MAX_SECRETS = 10_000
/** Longer `secret_b64` texts are not remembered (rare, and a flood of them must not fill memory). */
const MAX_ENCODED_CHARS = 256

/**
 * Remembers secrets by their `secret_b64` text (one per `ProfilerSemantics`).
 *
 * @example
 * ```ts
 * const secrets = new SecretCache()
 * extractCredential(fields, secrets)
 * ```
 */
export class SecretCache extends BoundedMap<Secret> implements SecretMemory {
  constructor() {
    super(MAX_SECRETS, MAX_ENCODED_CHARS)
  }
}
