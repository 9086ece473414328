// The adapter's own request/response shapes, independent of node:http so the LIST path and tests share them.
import type { ConnectionInfo } from '../../sdk/request.ts'

export interface HttpRequest {
  method: string
  /** Raw request target: path plus optional query string. */
  url: string
  headers: Record<string, string | string[] | undefined>
  body: Buffer
  remoteAddress: string
  /** Set on TLS listeners: the client's certificate chain, if it presented one. */
  connection?: ConnectionInfo
}

export interface HttpResult {
  status: number
  headers: Record<string, string>
  body: string | Uint8Array
  /** The body's length in bytes, when it is already known (saves scanning a string body to count its UTF-8). */
  byteLength?: number
}

const JSON_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-type': 'application/json',
  'cache-control': 'no-store',
})

/**
 * A JSON body with Vault's trailing newline. The body is a string: node:http sends a string body together with
 * the head as one string in one `write`, where a Buffer body goes out as a second chunk of a corked `writev`
 * (head and body as two buffers, through the stream's buffered-write path), which cost a write answer more CPU
 * than flattening the short string (docs/performance.md, the write path).
 */
export function jsonResult(
  status: number,
  value: unknown,
  extraHeaders?: Record<string, string>,
): HttpResult {
  return {
    status,
    headers: extraHeaders ? { ...JSON_HEADERS, ...extraHeaders } : JSON_HEADERS,
    body: `${JSON.stringify(value)}\n`,
  }
}

/** A JSON body already encoded, with Vault's trailing newline included. */
export function textResult(status: number, json: string): HttpResult {
  return { status, headers: JSON_HEADERS, body: json }
}

export function emptyResult(status = 204): HttpResult {
  return { status, headers: { 'cache-control': 'no-store' }, body: '' }
}
