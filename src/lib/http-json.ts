// A small HTTP(S) client for calls to identity providers and cluster APIs: optional pinned CA, deadline, size cap.
import http from 'node:http'
import https from 'node:https'

export interface HttpCall {
  url: string
  method?: 'GET' | 'POST'
  headers?: Record<string, string>
  body?: string
  /** PEM bundle to trust instead of the system roots (jwks_ca_pem, kubernetes_ca_cert). */
  ca?: string
  timeoutMs?: number
  maxBytes?: number
}

export interface HttpReply {
  status: number
  headers: http.IncomingHttpHeaders
  text: string
}

/** Why a call failed, without the request's headers or body (they may carry a bearer token). */
export class HttpCallError extends Error {}

export function httpCall(call: HttpCall): Promise<HttpReply> {
  let url: URL
  try {
    url = new URL(call.url)
  } catch {
    return Promise.reject(new HttpCallError(`invalid URL ${JSON.stringify(call.url)}`))
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    return Promise.reject(new HttpCallError(`unsupported URL scheme ${url.protocol}`))
  const maxBytes = call.maxBytes ?? 1024 * 1024
  const headers: Record<string, string> = { accept: 'application/json', ...call.headers }
  if (call.body !== undefined) headers['content-length'] = String(Buffer.byteLength(call.body))
  const where = `${url.origin}${url.pathname}`
  return new Promise((resolve, reject) => {
    const options: https.RequestOptions = { method: call.method ?? 'GET', headers, agent: false }
    if (call.ca && url.protocol === 'https:') options.ca = call.ca
    const transport = url.protocol === 'https:' ? https : http
    const req = transport.request(url, options, (res) => {
      const chunks: Buffer[] = []
      let size = 0
      res.on('data', (chunk: Buffer) => {
        size += chunk.length
        if (size > maxBytes) {
          req.destroy(new HttpCallError(`${where}: response larger than ${maxBytes} bytes`))
          return
        }
        chunks.push(chunk)
      })
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          text: Buffer.concat(chunks).toString(),
        }),
      )
      res.on('error', (error) => reject(new HttpCallError(`${where}: ${error.message}`)))
    })
    req.setTimeout(call.timeoutMs ?? 10_000, () =>
      req.destroy(new HttpCallError(`${where}: no answer within ${call.timeoutMs ?? 10_000} ms`)),
    )
    req.on('error', (error) =>
      reject(error instanceof HttpCallError ? error : new HttpCallError(`${where}: ${error.message}`)),
    )
    req.end(call.body)
  })
}

/** GET or POST expecting a 2xx JSON object; anything else is an HttpCallError naming the URL and status. */
export async function httpJson(call: HttpCall): Promise<Record<string, unknown>> {
  const reply = await httpCall(call)
  const where = new URL(call.url).origin + new URL(call.url).pathname
  if (reply.status < 200 || reply.status > 299)
    throw new HttpCallError(`${where} answered ${reply.status}: ${reply.text.slice(0, 200)}`)
  let parsed: unknown
  try {
    parsed = JSON.parse(reply.text)
  } catch {
    throw new HttpCallError(`${where} did not answer JSON`)
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new HttpCallError(`${where} did not answer a JSON object`)
  return parsed as Record<string, unknown>
}
