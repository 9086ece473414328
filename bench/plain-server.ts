// The runtime's ceiling: a bare node:http server answering fixed JSON bodies of Coffer's response sizes.
// With DURABLE_DB set it first stores each POST body durably, as two rows, through Coffer's SQLite storage:
// the floor cost of a durable write on this machine, with none of Coffer's request handling. With AUDIT_LINES_FILE
// and AUDIT_APPEND_FILE set it appends those bytes (an audited read's two lines) to a file for every GET before
// answering, once per event-loop turn as Coffer's audit device does: the floor cost of recording a read.
import { createHash } from 'node:crypto'
import { openSync, readFileSync, writeSync } from 'node:fs'
import http from 'node:http'
import { SqliteStorage } from '../src/server/physical/sqlite.ts'

/** The answer to send, from the environment or (for answers too large for an environment string) a file. */
function answer(name: string): string {
  const file = process.env[`${name}_FILE`]
  return file ? readFileSync(file, 'utf8') : (process.env[name] ?? '{}')
}

const readBody = answer('READ_BODY')
const writeBody = answer('WRITE_BODY')

const durable = process.env['DURABLE_DB'] ? SqliteStorage.open(process.env['DURABLE_DB']) : undefined
const metadataRow = new Uint8Array(300)
// A KV v2 mount's storage prefix (the barrier's logical/<mount uuid>/), as Coffer's rows carry.
const MOUNT_PREFIX = 'logical/00000000-0000-4000-8000-000000000000/'

/** Versions written per secret path, so a rewritten path gets a new version row as in Coffer. */
const versions = new Map<string, number>()

/**
 * The two rows a KV v2 write of the secret at `url` stores, under keys of the same shape: a new version row
 * under the SHA-256 of the secret's path (so it lands at a random place in the key index, as Coffer's does) and
 * the metadata under the path itself. Short sequential keys would append to the end of the index instead, which
 * cost the writer thread about 30 µs less per write here and made the floor unfairly cheap.
 */
function rowKeys(url: string): [string, string] {
  const path = url.replace(/^\/v1\/[^/]+\/data\//, '').replace(/\?.*$/, '')
  const version = (versions.get(path) ?? 0) + 1
  versions.set(path, version)
  const hash = createHash('sha256').update(path).digest('hex')
  return [`${MOUNT_PREFIX}versions/${hash}/${version}`, `${MOUNT_PREFIX}metadata/${path}`]
}

const auditLines = process.env['AUDIT_LINES_FILE'] ? readFileSync(process.env['AUDIT_LINES_FILE']) : undefined
const auditFd = process.env['AUDIT_APPEND_FILE'] ? openSync(process.env['AUDIT_APPEND_FILE'], 'a', 0o600) : -1
/** GETs of this turn waiting for their lines to be written, answered right after the turn's one write. */
let waiting: (() => void)[] = []

function recordThenAnswer(answer: () => void): void {
  if (waiting.length === 0) setImmediate(writeTurn)
  waiting.push(answer)
}

function writeTurn(): void {
  const answers = waiting
  waiting = []
  const lines = auditLines!
  const batch = Buffer.allocUnsafe(lines.length * answers.length)
  for (let i = 0; i < answers.length; i++) lines.copy(batch, i * lines.length)
  let offset = 0
  while (offset < batch.length) offset += writeSync(auditFd, batch, offset)
  for (const answer of answers) answer()
}

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = []
  req.on('data', (chunk: Buffer) => chunks.push(chunk))
  req.on('end', async () => {
    if (durable && req.method === 'POST') {
      const [versionKey, metadataKey] = rowKeys(req.url ?? '/')
      await durable.batch([
        { op: 'put', key: versionKey, value: Buffer.concat(chunks) },
        { op: 'put', key: metadataKey, value: metadataRow },
      ])
    }
    const body = req.method === 'GET' ? readBody : writeBody
    const answer = () => {
      // The same framing as Coffer's answers (Content-Length, not chunked), so both send the same bytes.
      res.writeHead(200, {
        'content-type': 'application/json',
        'cache-control': 'no-store',
        'content-length': Buffer.byteLength(body),
      })
      res.end(body)
    }
    if (auditLines && req.method === 'GET') recordThenAnswer(answer)
    else answer()
  })
})
server.keepAliveTimeout = 65_000
server.listen(0, '127.0.0.1', () => {
  const address = server.address() as { port: number }
  process.stdout.write(`Api Address: http://127.0.0.1:${address.port}\n`)
})
process.on('SIGTERM', () => server.close(() => process.exit(0)))
