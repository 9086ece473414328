// The runtime's ceiling: a bare node:http server answering fixed JSON bodies of Coffer's response sizes.
import http from 'node:http'

const readBody = process.env['READ_BODY'] ?? '{}'
const writeBody = process.env['WRITE_BODY'] ?? '{}'

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = []
  req.on('data', (chunk: Buffer) => chunks.push(chunk))
  req.on('end', () => {
    const body = req.method === 'GET' ? readBody : writeBody
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' })
    res.end(body)
  })
})
server.keepAliveTimeout = 65_000
server.listen(0, '127.0.0.1', () => {
  const address = server.address() as { port: number }
  process.stdout.write(`Api Address: http://127.0.0.1:${address.port}\n`)
})
process.on('SIGTERM', () => server.close(() => process.exit(0)))
