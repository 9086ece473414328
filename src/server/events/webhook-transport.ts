// Webhook sink transport: each event is an HTTPS POST of its JSON, signed with HMAC-SHA256 so the receiver can trust it.
import { createHmac } from 'node:crypto'
import https from 'node:https'
import type { SinkMessage, SinkTransport } from './sink.ts'

export interface WebhookOptions {
  url: string
  /** Shared with the receiver; signs every body. Never logged. */
  hmacSecret: string
  /** Milliseconds before a request is abandoned (and retried). */
  timeoutMs: number
  /** PEM of extra CAs to trust (a private receiver's certificate); the system roots otherwise. */
  ca?: string
}

/** The signature header: `sha256=<hex HMAC-SHA256 of the raw body>`, keyed with the sink's hmac_secret. */
export const SIGNATURE_HEADER = 'x-coffer-signature'

export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`
}

export function webhookTransport(opts: WebhookOptions): SinkTransport {
  const url = new URL(opts.url)
  if (url.protocol !== 'https:') throw new Error('a webhook sink needs an https:// url')
  const agent = new https.Agent({ keepAlive: true, ...(opts.ca ? { ca: opts.ca } : {}) })
  return {
    deliver: (message: SinkMessage) =>
      new Promise<void>((resolve, reject) => {
        const req = https.request(
          url,
          {
            method: 'POST',
            agent,
            timeout: opts.timeoutMs,
            headers: {
              'content-type': 'application/cloudevents+json',
              'content-length': Buffer.byteLength(message.body),
              [SIGNATURE_HEADER]: signBody(opts.hmacSecret, message.body),
              'x-coffer-event-id': message.id,
              'x-coffer-event-type': message.type,
            },
          },
          (res) => {
            res.resume()
            res.on('end', () => {
              const status = res.statusCode ?? 0
              if (status >= 200 && status < 300) resolve()
              else reject(new Error(`webhook answered ${status}`))
            })
            res.on('error', reject)
          },
        )
        req.on('timeout', () => req.destroy(new Error(`webhook did not answer within ${opts.timeoutMs} ms`)))
        req.on('error', (error) => reject(new Error(`webhook request failed: ${error.message}`)))
        req.end(message.body)
      }),
    reset: () => {},
    close: async () => agent.destroy(),
  }
}
