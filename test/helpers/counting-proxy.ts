// A pass-through HTTP proxy in front of a test server that counts the API requests it forwards (WebSocket upgrades piped).
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import net from 'node:net'

export interface CountingProxy {
  address: string
  /** Requests forwarded for `method path` (path without /v1/ and query), e.g. count('GET', 'secret/data/app'). */
  count(method: string, path: string): number
  close(): Promise<void>
}

export async function startCountingProxy(target: string): Promise<CountingProxy> {
  const counts = new Map<string, number>()
  const sockets = new Set<net.Socket>()
  const targetUrl = new URL(target)
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '').replace(/^\/v1\//, '').replace(/\?.*$/, '')
    const key = `${req.method} ${path}`
    counts.set(key, (counts.get(key) ?? 0) + 1)
    const upstream = http.request(
      {
        host: targetUrl.hostname,
        port: targetUrl.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (reply) => {
        res.writeHead(reply.statusCode ?? 502, reply.headers)
        reply.pipe(res)
      },
    )
    upstream.on('error', () => {
      res.writeHead(502)
      res.end()
    })
    req.pipe(upstream)
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  // WebSocket: replay the upgrade request to the target and join the two sockets.
  server.on('upgrade', (req, socket, head) => {
    const upstream = net.connect(Number(targetUrl.port), targetUrl.hostname, () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`]
      for (let i = 0; i < req.rawHeaders.length; i += 2)
        lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`)
      upstream.write(`${lines.join('\r\n')}\r\n\r\n`)
      upstream.write(head)
      upstream.pipe(socket)
      socket.pipe(upstream)
    })
    sockets.add(upstream)
    upstream.on('close', () => sockets.delete(upstream))
    upstream.on('error', () => socket.destroy())
    socket.on('error', () => upstream.destroy())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    address: `http://127.0.0.1:${port}`,
    count: (method, path) => counts.get(`${method} ${path}`) ?? 0,
    close: async () => {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
