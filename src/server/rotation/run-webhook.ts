// A registered webhook as a rotation function: the event POSTed with an HMAC-SHA256 signature; any 2xx is success.
import { createHmac } from 'node:crypto'
import { readFileSync } from 'node:fs'
import http from 'node:http'
import https from 'node:https'
import type { KvRotationEvent, RotationEvent } from '../../sdk/rotation.ts'
import type { WebhookFunction } from '../config/rotation-function-config.ts'
import type { FunctionEnvironment } from './run-command.ts'

export const SIGNATURE_HEADER = 'x-coffer-signature'
export const TIMESTAMP_HEADER = 'x-coffer-timestamp'
const RESPONSE_TAIL = 1000

/** `sha256=<hex>` of HMAC-SHA256(secret, "<timestamp>.<body>"): the timestamp is signed so a replay is visible. */
export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`
}

/**
 * The body is the event's members plus `Coffer`: the endpoint, region and session credentials the service calls
 * Secrets Manager back with (they reach only this secret and die with the attempt); for a KV secret, the endpoint
 * and a Coffer token for the Vault API instead.
 */
export function webhookBody(event: RotationEvent | KvRotationEvent, env: FunctionEnvironment): string {
  if (env.vaultToken !== undefined)
    return JSON.stringify({ ...event, Coffer: { Endpoint: env.endpoint, Token: env.vaultToken } })
  const credentials = env.credentials!
  return JSON.stringify({
    ...event,
    Coffer: {
      Endpoint: env.endpoint,
      Region: env.region,
      Credentials: {
        AccessKeyId: credentials.accessKeyId,
        SecretAccessKey: credentials.secretAccessKey,
        SessionToken: credentials.sessionToken,
      },
    },
  })
}

export function callWebhook(
  fn: WebhookFunction,
  event: RotationEvent | KvRotationEvent,
  env: FunctionEnvironment,
  signal: AbortSignal,
  now: () => number,
): Promise<void> {
  const body = webhookBody(event, env)
  const timestamp = String(Math.floor(now() / 1000))
  const url = new URL(fn.url)
  const client = url.protocol === 'https:' ? https : http
  return new Promise((resolve, reject) => {
    const request = client.request(
      url,
      {
        method: 'POST',
        timeout: fn.timeoutMs,
        signal,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          [TIMESTAMP_HEADER]: timestamp,
          [SIGNATURE_HEADER]: webhookSignature(fn.hmacSecret, timestamp, body),
        },
        ...(fn.caFile ? { ca: readFileSync(fn.caFile) } : {}),
      },
      (response) => {
        let text = ''
        response.on('data', (chunk: Buffer) => {
          text = (text + chunk.toString('utf8')).slice(-RESPONSE_TAIL)
        })
        response.on('end', () => {
          const status = response.statusCode ?? 0
          if (status >= 200 && status < 300) resolve()
          else
            reject(
              new Error(
                `${event.Step}: the webhook answered ${status}${text.trim() ? `: ${text.trim()}` : ''}`,
              ),
            )
        })
        response.on('error', (error) =>
          reject(new Error(`${event.Step}: the webhook failed: ${error.message}`)),
        )
      },
    )
    request.on('timeout', () => request.destroy(new Error(`timed out after ${fn.timeoutMs / 1000} s`)))
    request.on('error', (error) => reject(new Error(`${event.Step}: the webhook failed: ${error.message}`)))
    request.end(body)
  })
}
