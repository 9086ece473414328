// A JSON client for an HTTPS Coffer listener that trusts a test CA and can present a client certificate.
import { readFileSync } from 'node:fs'
import https from 'node:https'
import type { Reply } from './server.ts'

export interface ClientCert {
  certFile: string
  keyFile: string
}

export interface HttpsCallOptions {
  token?: string
  body?: unknown
  /** The client certificate (file may hold the leaf and its intermediates) presented on this request's connection. */
  cert?: ClientCert
}

export function httpsClient(address: string, serverCaFile: string, defaultToken = '') {
  const ca = readFileSync(serverCaFile)
  return (method: string, path: string, opts: HttpsCallOptions = {}): Promise<Reply> =>
    new Promise((resolve, reject) => {
      const headers: Record<string, string> = {}
      const token = opts.token ?? defaultToken
      if (token) headers['x-vault-token'] = token
      const body = opts.body === undefined ? undefined : JSON.stringify(opts.body)
      if (body !== undefined) headers['content-type'] = 'application/json'
      const req = https.request(
        `${address}/v1/${path}`,
        {
          method,
          headers,
          ca,
          // A fresh connection each time: the certificate belongs to the connection, not the request.
          agent: false,
          ...(opts.cert
            ? { cert: readFileSync(opts.cert.certFile), key: readFileSync(opts.cert.keyFile) }
            : {}),
        },
        (res) => {
          let text = ''
          res.setEncoding('utf8')
          res.on('data', (chunk: string) => (text += chunk))
          res.on('end', () => {
            let parsed: unknown = text
            try {
              parsed = text === '' ? undefined : JSON.parse(text)
            } catch {}
            resolve({ status: res.statusCode ?? 0, body: parsed, headers: new Headers() })
          })
        },
      )
      req.on('error', reject)
      req.end(body)
    })
}
