import {request as httpRequest} from 'node:http'
import {request as httpsRequest} from 'node:https'

import {SIGNATURE_HEADER, signWebhook, TIMESTAMP_HEADER} from './webhook-signature.js'

/** What a receiver answered, or why it could not. */
export type Delivery = {readonly ok: boolean; readonly status: number} | {readonly error: string; readonly ok: false}

/** One delivery's request. */
export interface WebhookRequest {
  readonly url: URL
  readonly secret: string
  /** The JSON text to send. */
  readonly body: string
  /** The alert's id (the payload's `id`), sent as `X-Decnet-Delivery` too, so a receiver can drop a repeat. */
  readonly id: string
  /** Milliseconds before the request is given up. */
  readonly timeoutMs: number
  /** For an https receiver: the CA certificates (PEM) its certificate is checked against, instead of the system's. */
  readonly ca?: string
  /** Unix seconds of signing (default now). */
  readonly now?: number
  readonly signal?: AbortSignal
}

/**
 * POSTs one alert: `Content-Type: application/json`, `X-Decnet-Timestamp`
 * (Unix seconds), `X-Decnet-Signature` (`sha256=` HMAC over
 * `timestamp.body`), `X-Decnet-Delivery` (the alert's id). A 2xx answer is
 * a delivery; anything else (another status, a redirect, which is not
 * followed, a refused connection, a timeout) is not. Never throws; the
 * answer's body is read and discarded (at most what the socket brings).
 *
 * @example
 * ```ts
 * const result = await postWebhook({url, secret, body, id, timeoutMs: 10_000})
 * if (result.ok) forget(alert)
 * ```
 */
export async function postWebhook(request: WebhookRequest): Promise<Delivery> {
  const {body, ca, id, secret, signal, timeoutMs, url} = request
  const timestamp = String(Math.floor(request.now ?? Date.now() / 1000))
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest
  return new Promise<Delivery>((resolve) => {
    const req = send(
      url,
      {
        headers: {
          'content-length': Buffer.byteLength(body),
          'content-type': 'application/json',
          'user-agent': 'decnet-webhook/1',
          'x-decnet-delivery': id,
          [SIGNATURE_HEADER]: signWebhook(secret, timestamp, body),
          [TIMESTAMP_HEADER]: timestamp,
        },
        method: 'POST',
        signal,
        ...(ca === undefined || url.protocol !== 'https:' ? {} : {ca}),
        timeout: timeoutMs,
      },
      (res) => {
        res.resume()
        const status = res.statusCode ?? 0
        res.on('end', () => resolve({ok: status >= 200 && status < 300, status}))
        res.on('error', () => resolve({ok: status >= 200 && status < 300, status}))
      },
    )
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)))
    req.on('error', (error: NodeJS.ErrnoException) => resolve({error: deliveryError(error, ca !== undefined), ok: false}))
    req.end(body)
  })
}

/** OpenSSL's codes for a peer certificate that does not verify (Node gives them as `error.code`). */
const UNTRUSTED = /^(?:UNABLE_TO_GET_ISSUER_CERT(?:_LOCALLY)?|UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|CERT_UNTRUSTED|CERT_SIGNATURE_FAILURE)$/

/** Why a request failed, in a few words: the error's code; for a certificate that does not verify, what to do about it. */
function deliveryError(error: NodeJS.ErrnoException, privateCa: boolean): string {
  const code = error.code ?? error.message
  if (UNTRUSTED.test(code)) {
    return `${code}: the receiver's TLS certificate is not signed by a trusted CA (${privateCa ? 'not by one of --webhook-ca\'s' : 'a private CA: give it with --webhook-ca FILE'})`
  }

  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return `${code}: the receiver's TLS certificate is not for this host name`
  if (/^CERT_(?:HAS_EXPIRED|NOT_YET_VALID)$/.test(code)) return `${code}: the receiver's TLS certificate is not valid now`
  return code
}

/** A delivery's outcome in a few words (`HTTP 500`, `ECONNREFUSED`). */
export function describeDelivery(delivery: Delivery): string {
  return 'error' in delivery ? delivery.error : `HTTP ${delivery.status}`
}
