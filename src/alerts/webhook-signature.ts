import {createHmac, timingSafeEqual} from 'node:crypto'

/** The header holding the signature: `sha256=<64 hex digits>`. */
export const SIGNATURE_HEADER = 'x-decnet-signature'
/** The header holding the time of signing: Unix seconds, decimal. */
export const TIMESTAMP_HEADER = 'x-decnet-timestamp'

/**
 * The signature of one delivery: HMAC-SHA256, keyed with the secret, over
 * `<timestamp>.<body>` (the timestamp header's text, a dot, the raw body
 * bytes), as `sha256=` and lowercase hex.
 *
 * @example
 * ```ts
 * signWebhook('s3cret', '1765148400', '{"event":"attacker.first_seen"}') // 'sha256=…'
 * ```
 */
export function signWebhook(secret: string, timestamp: string, body: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex')}`
}

/**
 * What a receiver does: recompute the signature and compare in constant
 * time; reject a timestamp further than `toleranceSeconds` from `now` (a
 * replayed old delivery).
 *
 * @example
 * ```ts
 * verifyWebhook('s3cret', req.headers['x-decnet-timestamp'], rawBody, req.headers['x-decnet-signature']) // true or false
 * ```
 */
export function verifyWebhook(
  secret: string,
  timestamp: string | undefined,
  body: Buffer | string,
  signature: string | undefined,
  options: {now?: number; toleranceSeconds?: number} = {},
): boolean {
  if (timestamp === undefined || signature === undefined || !/^\d{1,12}$/.test(timestamp)) return false
  const now = options.now ?? Date.now() / 1000
  if (Math.abs(now - Number(timestamp)) > (options.toleranceSeconds ?? 300)) return false
  const expected = Buffer.from(signWebhook(secret, timestamp, body))
  const given = Buffer.from(signature)
  return given.length === expected.length && timingSafeEqual(given, expected)
}
