// An HTTP answer written straight to a socket and the connection closed: for requests answered below node:http's parser.
import http from 'node:http'
import type { Duplex } from 'node:stream'
import type { HttpResult } from './http-types.ts'

export function writeRaw(socket: Duplex, result: HttpResult): void {
  const body = typeof result.body === 'string' ? Buffer.from(result.body) : Buffer.from(result.body)
  const reason = http.STATUS_CODES[result.status] ?? ''
  const lines = [`HTTP/1.1 ${result.status} ${reason}`, `Date: ${new Date().toUTCString()}`]
  for (const [name, value] of Object.entries(result.headers)) lines.push(`${name}: ${value}`)
  lines.push(`Content-Length: ${body.length}`, 'Connection: close', '', '')
  socket.end(Buffer.concat([Buffer.from(lines.join('\r\n'), 'latin1'), body]))
}
