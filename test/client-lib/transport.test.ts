// In process: @coffer/client's HTTP layer against a real local HTTP server: retries only on 5xx/429/no answer,
// Vault's errors list, and no token in an error.
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { after, before, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { CofferClient, CofferConnectionError, CofferError } from '../../packages/client/src/index.ts'

const PACKAGE = fileURLToPath(new URL('../../packages/client/', import.meta.url))

/** Answers each request with the next status of the script (then 200), counting requests. */
let script: number[] = []
let requests = 0
let server: http.Server
let address: string
before(async () => {
  server = http.createServer((_req, res) => {
    requests++
    const status = script.shift() ?? 200
    res.writeHead(status, { 'content-type': 'application/json' })
    res.end(JSON.stringify(status >= 400 ? { errors: [`scripted ${status}`] } : { data: { ok: true } }))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  address = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
after(() => new Promise<void>((resolve) => server.close(() => resolve())))

const TOKEN = 'hvs.do-not-print-me'
const client = () =>
  new CofferClient({
    address,
    token: TOKEN,
    retry: { retries: 3, backoffMs: 1 },
    cache: { enabled: false },
  })

it('retries 503 and 429 with backoff, then succeeds', async () => {
  script = [503, 429, 502]
  requests = 0
  assert.deepEqual(await client().request('GET', 'x'), { data: { ok: true } })
  assert.equal(requests, 4)
})

it('gives up after the configured retries with the last error', async () => {
  script = [500, 500, 500, 500, 500]
  requests = 0
  const error = await client()
    .request('GET', 'x')
    .catch((e: unknown) => e)
  assert.ok(error instanceof CofferError)
  assert.equal(error.status, 500)
  assert.equal(requests, 4)
})

it('never retries a 4xx other than 429, and carries the errors list without the token', async () => {
  for (const status of [400, 403, 404]) {
    script = [status]
    requests = 0
    const error = await client()
      .request('GET', 'x')
      .catch((e: unknown) => e)
    assert.ok(error instanceof CofferError)
    assert.equal(error.status, status)
    assert.deepEqual(error.errors, [`scripted ${status}`])
    assert.equal(requests, 1)
    assert.doesNotMatch(`${error.message} ${JSON.stringify(error)} ${error.stack}`, /do-not-print-me/)
  }
})

it('reports an unreachable server as a connection error without the token', async () => {
  const closed = http.createServer()
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
  const port = (closed.address() as AddressInfo).port
  await new Promise<void>((resolve) => closed.close(() => resolve()))
  const c = new CofferClient({
    address: `http://127.0.0.1:${port}`,
    token: TOKEN,
    retry: { retries: 1, backoffMs: 1 },
  })
  const error = await c.request('GET', 'x').catch((e: unknown) => e)
  c.close()
  assert.ok(error instanceof CofferConnectionError)
  assert.match(error.message, /ECONNREFUSED/)
  assert.doesNotMatch(`${error.message} ${error.stack}`, /do-not-print-me/)
})

it('the package stands alone: only node: built-ins and its own files are imported, no dependencies', () => {
  const pkg = JSON.parse(readFileSync(join(PACKAGE, 'package.json'), 'utf8'))
  assert.equal(pkg.name, '@coffer/client')
  assert.equal(pkg.dependencies, undefined)
  for (const file of readdirSync(join(PACKAGE, 'src'))) {
    const text = readFileSync(join(PACKAGE, 'src', file), 'utf8')
    for (const [, from] of text.matchAll(/from '([^']+)'/g)) {
      assert.ok(from!.startsWith('node:') || /^\.\/[\w-]+\.ts$/.test(from!), `${file} imports ${from}`)
    }
    assert.doesNotMatch(text, /console\.|process\.std(out|err)/, `${file} writes nothing to logs`)
  }
})
