// The runtime's ceiling: a bare node:http server answering fixed JSON bodies of Coffer's response sizes.
// With DURABLE_DB set it first stores each POST body durably, as two rows, through Coffer's SQLite storage:
// the floor cost of a durable write on this machine, with none of Coffer's request handling.
import http from 'node:http'
import { SqliteStorage } from '../src/server/physical/sqlite.ts'

const readBody = process.env['READ_BODY'] ?? '{}'
const writeBody = process.env['WRITE_BODY'] ?? '{}'

const durable = process.env['DURABLE_DB'] ? SqliteStorage.open(process.env['DURABLE_DB']) : undefined
const metadataRow = new Uint8Array(300)
let written = 0

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = []
  req.on('data', (chunk: Buffer) => chunks.push(chunk))
  req.on('end', async () => {
    if (durable && req.method === 'POST') {
      const n = written++
      await durable.batch([
        { op: 'put', key: `versions/${n}`, value: Buffer.concat(chunks) },
        { op: 'put', key: `metadata/${n}`, value: metadataRow },
      ])
    }
    const body = req.method === 'GET' ? readBody : writeBody
    // The same framing as Coffer's answers (Content-Length, not chunked), so both send the same bytes.
    res.writeHead(200, {
      'content-type': 'application/json',
      'cache-control': 'no-store',
      'content-length': Buffer.byteLength(body),
    })
    res.end(body)
  })
})
server.keepAliveTimeout = 65_000
server.listen(0, '127.0.0.1', () => {
  const address = server.address() as { port: number }
  process.stdout.write(`Api Address: http://127.0.0.1:${address.port}\n`)
})
process.on('SIGTERM', () => server.close(() => process.exit(0)))
