// The injector's HTTPS server: POST /mutate for the API server's admission webhook, GET /health for probes.
import { readFileSync } from 'node:fs'
import https from 'node:https'
import type { AddressInfo } from 'node:net'
import { handleAdmission } from './admission.ts'
import type { InjectorSettings } from './pod-patch.ts'

/** An AdmissionReview with a large pod is well under this; anything bigger is refused before parsing. */
const MAX_BODY = 4 * 1024 * 1024

export interface InjectorServerOptions extends InjectorSettings {
  listen: string
  tlsCertFile: string
  tlsKeyFile: string
  log(message: string): void
}

export interface RunningInjector {
  address: string
  close(): Promise<void>
}

function send(res: import('node:http').ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) })
  res.end(text)
}

export async function startInjector(options: InjectorServerOptions): Promise<RunningInjector> {
  const settings: InjectorSettings = { vaultAddress: options.vaultAddress, agentImage: options.agentImage }
  const server = https.createServer(
    { cert: readFileSync(options.tlsCertFile), key: readFileSync(options.tlsKeyFile) },
    (req, res) => {
      const path = (req.url ?? '/').split('?')[0]
      if (path === '/health' && req.method === 'GET') return send(res, 200, { ok: true })
      if (path !== '/mutate') return send(res, 404, { error: 'not found' })
      if (req.method !== 'POST') return send(res, 405, { error: 'POST only' })
      const chunks: Buffer[] = []
      let size = 0
      // Past the limit the rest is read and dropped (memory stays bounded), then 413: the caller reads a clear
      // answer instead of a reset connection mid-upload. Node's requestTimeout bounds a body that never ends.
      req.on('data', (chunk: Buffer) => {
        size += chunk.length
        if (size <= MAX_BODY) chunks.push(chunk)
      })
      req.on('end', () => {
        if (size > MAX_BODY) return send(res, 413, { error: `request body over ${MAX_BODY} bytes` })
        let reply: ReturnType<typeof handleAdmission>
        try {
          reply = handleAdmission(
            req.headers['content-type'],
            Buffer.concat(chunks).toString('utf8'),
            settings,
          )
        } catch (error) {
          // A review nobody foresaw must cost one answer, never the process that admits every pod. The message
          // is the error's kind only: the review's text (annotations, templates) stays out of the log.
          options.log(`could not answer a review: ${(error as Error).name}`)
          return send(res, 500, { error: 'internal error answering the review' })
        }
        if (reply.status !== 200) options.log(`refused a review: ${(reply.body as { error: string }).error}`)
        send(res, reply.status, reply.body)
      })
    },
  )
  const lastColon = options.listen.lastIndexOf(':')
  const host = options.listen.slice(0, lastColon).replace(/^\[|\]$/g, '')
  const port = Number(options.listen.slice(lastColon + 1))
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host || '0.0.0.0', () => resolve())
  })
  const bound = server.address() as AddressInfo
  const shown = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address
  return {
    address: `${shown}:${bound.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
