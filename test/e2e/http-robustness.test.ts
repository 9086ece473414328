// Bad input gets a clear 4xx and never a crash: malformed bodies, limits, traversal, verbs, and a random fuzz.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { startServer } from '../../src/server/start-server.ts'
import { client, startSealedServer, type TestServer } from '../helpers/server.ts'

/**
 * Send `payload` on a fresh connection and read until the server closes it. By default the client half-closes
 * after writing (as `printf … | nc` does); `halfClose: false` keeps its side open, as a client that waits for
 * the answer to `Connection: close`.
 */
function rawRequest(address: string, payload: string | Buffer, { halfClose = true } = {}): Promise<string> {
  const { hostname, port } = new URL(address)
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () =>
      halfClose ? socket.end(payload) : socket.write(payload),
    )
    const chunks: Buffer[] = []
    socket.on('data', (chunk) => chunks.push(chunk))
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')))
    socket.on('error', reject)
    socket.setTimeout(5000, () => socket.destroy(new Error('timeout')))
  })
}

describe('HTTP robustness', () => {
  let t: TestServer
  let root = ''
  before(async () => {
    t = await startSealedServer({ maxRequestSize: 64 * 1024 })
    const init = await t.call('PUT', 'sys/init', { body: { secret_shares: 1, secret_threshold: 1 } })
    root = init.body.root_token
    await t.call('PUT', 'sys/unseal', { body: { key: init.body.keys[0] } })
    await t.call('POST', 'sys/mounts/secret', {
      token: root,
      body: { type: 'kv', options: { version: '2' } },
    })
  })
  after(() => t.close())

  const call = (
    method: string,
    path: string,
    opts: { body?: unknown; headers?: Record<string, string> } = {},
  ) => t.call(method, path, { token: root, ...opts })

  it('answers a client that half-closes right after its request, even for a durable write', async () => {
    for (let i = 0; i < 10; i++) {
      const body = JSON.stringify({ data: { n: i } })
      const payload =
        `POST /v1/secret/data/half-open-${i} HTTP/1.1\r\nHost: x\r\nX-Vault-Token: ${root}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`
      const response = await rawRequest(t.address, payload)
      assert.match(response, /^HTTP\/1\.1 200 /, `write ${i}: ${response.slice(0, 200)}`)
    }
    const read = await call('GET', 'secret/data/half-open-9')
    assert.equal(read.body.data.data.n, 9)
  })

  it('answers a LIST from a client that half-closes, when the answer waits on storage (a wrapped list)', async () => {
    for (let i = 0; i < 5; i++) {
      const payload =
        `LIST /v1/sys/policies/acl HTTP/1.1\r\nHost: x\r\nX-Vault-Token: ${root}\r\n` +
        'X-Vault-Wrap-TTL: 5m\r\nContent-Length: 0\r\n\r\n'
      const response = await rawRequest(t.address, payload)
      assert.match(response, /^HTTP\/1\.1 200 /, `list ${i}: ${response.slice(0, 200)}`)
      const wrapped = JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4))
      const unwrapped = await t.call('POST', 'sys/wrapping/unwrap', { token: wrapped.wrap_info.token })
      assert.ok(unwrapped.body.data.keys.includes('root'), JSON.stringify(unwrapped.body))
    }
  })

  it('answers a malformed chunked body with 400 at once instead of holding the connection', async () => {
    for (const halfClose of [true, false]) {
      const payload =
        `POST /v1/secret/data/chunked HTTP/1.1\r\nHost: x\r\nX-Vault-Token: ${root}\r\n` +
        'Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n'
      const response = await rawRequest(t.address, payload, { halfClose })
      assert.match(response, /^HTTP\/1\.1 400 /, `halfClose ${halfClose}: ${response.slice(0, 200)}`)
      assert.match(response, /\{"errors":\["failed to read request body"\]\}/)
    }
    assert.equal((await call('GET', 'secret/data/chunked')).status, 404)
  })

  it('answers an AWS call to a service this server does not serve with a 400, not a 500', async () => {
    for (const [target, message] of [
      ['secretsmanager.GetSecretValue', 'Secrets Manager is not enabled on this server.'],
      ['AmazonSSM.GetParameter', 'Parameter Store is not enabled on this server.'],
      ['TrentService.Encrypt', 'KMS is not enabled on this server: mount a transit engine.'],
    ]) {
      const res = await fetch(`${t.address}/`, {
        method: 'POST',
        headers: { 'x-amz-target': target!, 'content-type': 'application/x-amz-json-1.1' },
        body: '{}',
      })
      assert.equal(res.status, 400, target)
      assert.deepEqual(await res.json(), { __type: 'UnknownOperationException', message })
    }
  })

  it('reads a LIST whose first segment carried only "L" or "LI"', async () => {
    const { hostname, port } = new URL(t.address)
    for (const split of [1, 2]) {
      const payload = `LIST /v1/sys/policies/acl HTTP/1.1\r\nHost: x\r\nX-Vault-Token: ${root}\r\n\r\n`
      const response = await new Promise<string>((resolve, reject) => {
        const socket = net.connect(Number(port), hostname)
        const chunks: Buffer[] = []
        socket.on('data', (chunk) => chunks.push(chunk))
        socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')))
        socket.on('error', reject)
        socket.setNoDelay(true)
        // The server must have read the first bytes alone before the rest arrives.
        socket.write(payload.slice(0, split), () => setTimeout(() => socket.end(payload.slice(split)), 50))
      })
      assert.match(response, /^HTTP\/1\.1 200 /, `split after ${split}: ${response.slice(0, 200)}`)
      assert.match(response, /"keys":\["default","root"\]/)
    }
  })

  it('answers CONNECT with 405 like any other unserved verb, instead of closing without a word', async () => {
    const response = await rawRequest(
      t.address,
      'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n',
    )
    assert.match(response, /^HTTP\/1\.1 405 /, response.slice(0, 200))
    assert.match(response, /\{"errors":\["unsupported method CONNECT"\]\}/)
  })

  it('answers an Expect other than 100-continue with 417 in the JSON error shape', async () => {
    const response = await rawRequest(
      t.address,
      `GET /v1/sys/health HTTP/1.1\r\nHost: x\r\nExpect: 200-ok\r\nX-Vault-Token: ${root}\r\n\r\n`,
    )
    assert.match(response, /^HTTP\/1\.1 417 /, response.slice(0, 200))
    assert.match(response, /content-type: application\/json/i)
    const body = JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4))
    assert.deepEqual(body, { errors: ['unsupported Expect header "200-ok": only 100-continue is supported'] })
  })

  it('refuses a repeated integer query parameter with 400, as Vault does, instead of taking the last value', async () => {
    await call('POST', 'secret/data/repeated', { body: { data: { v: 1 } } })
    await call('POST', 'secret/data/repeated', { body: { data: { v: 2 } } })
    const repeated = await call('GET', 'secret/data/repeated?version=1&version=2')
    assert.equal(repeated.status, 400, JSON.stringify(repeated.body))
    assert.deepEqual(repeated.body.errors, ['invalid value for "version": expected an integer'])
    const single = await call('GET', 'secret/data/repeated?version=1')
    assert.equal(single.body.data.data.v, 1)
  })

  it('rejects malformed JSON and non-object bodies with 400', async () => {
    const bad = await call('POST', 'secret/data/x', {
      body: '{"data": {',
      headers: { 'content-type': 'application/json' },
    })
    assert.equal(bad.status, 400)
    assert.match(bad.body.errors[0], /failed to parse JSON/)
    assert.equal((await call('POST', 'secret/data/x', { body: '[1,2]' })).status, 400)
    assert.equal((await call('POST', 'secret/data/x', { body: '"text"' })).status, 400)
  })

  it('rejects wrong field types with a message naming the field', async () => {
    const res = await call('POST', 'auth/token/create', { body: { ttl: 'forever' } })
    assert.equal(res.status, 400)
    assert.match(res.body.errors[0], /ttl/)
    const uses = await call('POST', 'auth/token/create', { body: { num_uses: 'many' } })
    assert.equal(uses.status, 400)
    assert.match(uses.body.errors[0], /num_uses/)
  })

  it('takes lone UTF-16 surrogates in JSON as U+FFFD, as Vault (Go) does, instead of answering 500', async () => {
    // JSON.stringify would escape the surrogate again; the raw text is what a hostile client sends.
    const entity = await call('POST', 'identity/entity', { body: '{"name":"lone\\ud800"}' })
    assert.equal(entity.status, 200, JSON.stringify(entity.body))
    assert.equal(entity.body.data.name, 'lone\ufffd')
    const lookup = await call('POST', 'identity/lookup/entity', { body: '{"name":"lone\\udfff"}' })
    assert.equal(lookup.status, 200, JSON.stringify(lookup.body))
    assert.equal(lookup.body.data.id, entity.body.data.id)
    const written = await call('POST', 'secret/data/surrogates', { body: '{"data":{"k\\udc00":"v\\ud83d"}}' })
    assert.equal(written.status, 200, JSON.stringify(written.body))
    const read = await call('GET', 'secret/data/surrogates')
    assert.deepEqual(read.body.data.data, { 'k\ufffd': 'v\ufffd' })
  })

  it('answers 413 for a body over max_request_size', async () => {
    const res = await call('POST', 'secret/data/big', { body: { data: { blob: 'x'.repeat(70 * 1024) } } })
    assert.equal(res.status, 413)
  })

  it('answers an AWS call over max_request_size in its own protocol: a typed JSON error or an STS XML one', async () => {
    const big = 'x'.repeat(70 * 1024)
    for (const target of [
      'secretsmanager.GetSecretValue',
      'AmazonSSM.GetParameter',
      'TrentService.Encrypt',
    ]) {
      const res = await fetch(`${t.address}/`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target },
        body: JSON.stringify({ SecretId: big }),
      })
      assert.equal(res.status, 413, target)
      assert.equal(res.headers.get('content-type'), 'application/x-amz-json-1.1')
      assert.equal(res.headers.get('x-amzn-errortype'), 'RequestEntityTooLargeException')
      assert.match(res.headers.get('x-amzn-requestid') ?? '', /^[0-9a-f-]{36}$/)
      assert.deepEqual(await res.json(), {
        __type: 'RequestEntityTooLargeException',
        message: 'request body exceeds the limit of 65536 bytes',
      })
    }
    const sts = await fetch(`${t.address}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `Action=GetCallerIdentity&Version=2011-06-15&Pad=${big}`,
    })
    assert.equal(sts.status, 413)
    assert.equal(sts.headers.get('content-type'), 'text/xml')
    assert.match(
      await sts.text(),
      /^<ErrorResponse xmlns="https:\/\/sts\.amazonaws\.com\/doc\/2011-06-15\/"><Error><Type>Sender<\/Type><Code>RequestEntityTooLargeException<\/Code><Message>request body exceeds the limit of 65536 bytes<\/Message><\/Error>/,
    )
    // A Vault API call is still answered in Vault's shape.
    const vault = await fetch(`${t.address}/v1/secret/data/big`, { method: 'POST', body: big })
    assert.deepEqual(await vault.json(), { errors: ['request body exceeds the limit of 65536 bytes'] })
  })

  it('refuses traversal, NUL and malformed encodings in paths', async () => {
    for (const path of ['secret/data/a%00b', 'secret/data/%zz', 'secret//data']) {
      const res = await call('GET', path)
      assert.equal(res.status, 400, path)
    }
    const dots = await rawRequest(
      t.address,
      `GET /v1/secret/data/../../sys/mounts HTTP/1.1\r\nHost: x\r\nX-Vault-Token: ${root}\r\nConnection: close\r\n\r\n`,
    )
    assert.match(dots, /^HTTP\/1\.1 400/)
    const raw = await rawRequest(
      t.address,
      `GET /v1/secret/data/%2E%2E/%2E%2E/sys/mounts HTTP/1.1\r\nHost: x\r\nX-Vault-Token: ${root}\r\nConnection: close\r\n\r\n`,
    )
    assert.match(raw, /^HTTP\/1\.1 400/)
  })

  it('answers 404 for unknown paths and missing reads, 405 for unsupported verbs and operations', async () => {
    const unknown = await call('GET', 'nowhere/at/all')
    assert.equal(unknown.status, 404)
    const missing = await call('GET', 'secret/data/absent')
    assert.equal(missing.status, 404)
    assert.deepEqual(missing.body, { errors: [] })
    assert.equal((await call('GET', 'not-v1')).status, 404)
    const trace = await rawRequest(
      t.address,
      `OPTIONS /v1/sys/mounts HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
    )
    assert.match(trace, /^HTTP\/1\.1 405/)
    assert.equal((await call('DELETE', 'sys/key-status')).status, 405)
  })

  it('wraps when asked, and refuses namespaces instead of silently ignoring them', async () => {
    const wrapped = await call('GET', 'sys/mounts', { headers: { 'x-vault-wrap-ttl': '60' } })
    assert.equal(wrapped.status, 200)
    assert.equal(wrapped.body.data, null)
    assert.equal(wrapped.body.wrap_info.ttl, 60)
    const badTtl = await call('GET', 'sys/mounts', { headers: { 'x-vault-wrap-ttl': '-5' } })
    assert.equal(badTtl.status, 400)
    assert.equal(
      (await call('GET', 'sys/mounts', { headers: { 'x-vault-namespace': 'team-a/' } })).status,
      400,
    )
    assert.equal((await call('GET', 'sys/mounts', { headers: { 'x-vault-namespace': 'root' } })).status, 200)
  })

  it('answers 415 for a PATCH without merge-patch content type', async () => {
    const res = await call('PATCH', 'secret/data/x', {
      body: { data: {} },
      headers: { 'content-type': 'application/json' },
    })
    assert.equal(res.status, 415)
  })

  it('answers 431 for huge headers and 400 for garbage request lines', async () => {
    const huge = await rawRequest(
      t.address,
      `GET /v1/sys/health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(40_000)}\r\n\r\n`,
    )
    assert.match(huge, /^HTTP\/1\.1 431/)
    const garbage = await rawRequest(t.address, 'BLAH\r\n\r\n')
    assert.match(garbage, /^HTTP\/1\.1 400/)
  })

  it('answers 400 at once for a chunked body the parser cannot read, and ends the connection', async () => {
    const head = (path: string) =>
      `POST /v1/secret/data/${path} HTTP/1.1\r\nHost: x\r\nX-Vault-Token: ${root}\r\n` +
      'Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n'
    for (const badChunk of ['zz\r\n{}\r\n0\r\n\r\n', '5\r\n{"dat\r\n5x\r\n0\r\n\r\n']) {
      // The client keeps its side open: it sees the answer only if the server answers and closes by itself.
      const alone = await rawRequest(t.address, head('bad-chunk') + badChunk, { halfClose: false })
      assert.match(alone, /^HTTP\/1\.1 400 /, alone.slice(0, 200))
    }
    // After a good request on the same connection: that one is answered, then the connection ends.
    const good = '{"data":{"a":"chunked"}}'
    const pipelined = await rawRequest(
      t.address,
      `${head('good-chunk')}${good.length.toString(16)}\r\n${good}\r\n0\r\n\r\n${head('bad-chunk')}zz\r\n`,
      { halfClose: false },
    )
    assert.match(pipelined, /^HTTP\/1\.1 200 /, pipelined.slice(0, 200))
    assert.equal(
      (await call('GET', 'secret/data/bad-chunk')).status,
      404,
      'nothing was written from a broken body',
    )
    assert.equal((await call('GET', 'secret/data/good-chunk')).body.data.data.a, 'chunked')
  })

  it('answers 400 naming the limit for bodies nested too deep, with audit on, before and after auth', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'coffer-depth-'))
    const nest = (levels: number) => `${'['.repeat(levels)}1${']'.repeat(levels)}`
    try {
      assert.equal(
        (
          await call('PUT', 'sys/audit/depth', {
            body: { type: 'file', options: { file_path: join(dir, 'audit.log') } },
          })
        ).status,
        204,
      )
      assert.equal((await call('POST', 'sys/auth/userpass', { body: { type: 'userpass' } })).status, 204)
      const cases: [string, string, string][] = [
        ['POST', 'secret/data/deep', `{"data":{"v":${nest(10_000)}}}`],
        ['POST', 'auth/userpass/login/someone', `{"password":${nest(5_000)}}`],
        ['POST', 'sys/wrapping/lookup', `{"token":${nest(5_000)}}`],
        ['PUT', 'sys/unseal', `{"key":${nest(5_000)}}`],
        ['PATCH', 'secret/data/deep', `{"data":${nest(600)}}`],
      ]
      for (const [method, path, body] of cases) {
        const res = await t.call(method, path, {
          body,
          headers: {
            'content-type': method === 'PATCH' ? 'application/merge-patch+json' : 'application/json',
          },
          ...(path.startsWith('secret/') ? { token: root } : {}),
        })
        assert.equal(res.status, 400, `${method} ${path}: ${JSON.stringify(res.body)}`)
        assert.deepEqual(res.body, { errors: ['request body nests deeper than 500 levels'] })
      }
      // The limit itself is usable end to end: written, audited, and read back.
      const atLimit = `{"data":{"v":${nest(498)}}}`
      assert.equal((await call('POST', 'secret/data/deep', { body: atLimit })).status, 200)
      const read = await call('GET', 'secret/data/deep')
      assert.equal(read.status, 200)
      assert.equal(JSON.stringify(read.body.data.data.v), nest(498))
    } finally {
      await call('DELETE', 'sys/audit/depth')
      await call('DELETE', 'sys/auth/userpass')
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('takes the limit from the listener option max_json_depth', async () => {
    const server = await startServer({
      config: {
        listeners: [
          { type: 'tcp', address: '127.0.0.1:0', tlsDisable: true, maxRequestSize: 1024, maxJsonDepth: 3 },
        ],
        storage: { type: 'inmem' },
        defaultLeaseTtl: 3600,
        maxLeaseTtl: 3600,
        logLevel: 'error',
        disableMlock: true,
        ui: false,
      },
    })
    try {
      const anon = client(server.address, '')
      const deep = await anon('PUT', 'sys/init', { body: '{"a":[[[1]]]}' })
      assert.deepEqual(deep, {
        ...deep,
        status: 400,
        body: { errors: ['request body nests deeper than 3 levels'] },
      })
      const init = await anon('PUT', 'sys/init', {
        body: '{"secret_shares":1,"secret_threshold":1,"x":[[]]}',
      })
      assert.equal(init.status, 200)
    } finally {
      await server.close()
    }
  })

  it('answers 400 for policies nested too deep, on both policy endpoints, in HCL and JSON', async () => {
    const deep = `${'['.repeat(10_000)}"v"${']'.repeat(10_000)}`
    const hcl = `path "secret/*" { capabilities = ["read"]\n allowed_parameters = { k = ${deep} } }`
    const json = JSON.stringify({ path: { 'secret/*': { capabilities: ['read'] } } }).replace(
      '["read"]',
      `["read"], "allowed_parameters": {"k": ${deep}}`,
    )
    for (const path of ['sys/policy/deep', 'sys/policies/acl/deep']) {
      for (const [text, pattern] of [
        [hcl, /^failed to parse policy: line 2, column \d+: the document nests deeper than 500 levels$/],
        [json, /^failed to parse policy: the policy nests deeper than 500 levels$/],
      ] as const) {
        const res = await call('PUT', path, { body: { policy: text } })
        assert.equal(res.status, 400, `${path}: ${JSON.stringify(res.body)}`)
        assert.match(res.body.errors[0], pattern)
      }
    }
  })

  it('accepts only final status codes (200-599) for every sys/health override, without a token', async () => {
    const overrides = [
      'activecode',
      'standbycode',
      'sealedcode',
      'uninitcode',
      'drsecondarycode',
      'performancestandbycode',
      'removedcode',
      'haunhealthycode',
    ]
    for (const name of overrides) {
      for (const value of ['101', '100', '199', '600', '999', '1000', '-200', 'abc', '2e2', '0x12c', '']) {
        const raw = await rawRequest(
          t.address,
          `GET /v1/sys/health?${name}=${encodeURIComponent(value)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
        )
        assert.match(raw, /^HTTP\/1\.1 400 /, `${name}=${value}: ${raw.slice(0, 40)}`)
        // The body may arrive chunked; the JSON object is the one brace-delimited run in the response.
        const body = JSON.parse(/\{.*\}/s.exec(raw)?.[0] ?? 'null')
        assert.deepEqual(body.errors, [
          `invalid value for "${name}": ${JSON.stringify(value)} is not an HTTP status code from 200 to 599`,
        ])
      }
    }
    for (const flag of ['standbyok', 'perfstandbyok']) {
      const res = await t.call('GET', `sys/health?${flag}=maybe`)
      assert.equal(res.status, 400)
      assert.match(res.body.errors[0], new RegExp(`"${flag}"`))
      assert.equal((await t.call('GET', `sys/health?${flag}=T`)).status, 200)
    }
    const head = await rawRequest(
      t.address,
      'HEAD /v1/sys/health?activecode=101 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    )
    assert.match(head, /^HTTP\/1\.1 400 /)
    for (const [query, status] of [
      ['activecode=200', 200],
      ['activecode=599', 599],
      ['activecode=0204', 204],
      ['activecode=%2B299', 299],
      ['sealedcode=200', 200],
    ] as const) {
      assert.equal((await t.call('GET', `sys/health?${query}`)).status, status, query)
    }
  })

  it('handles the raw LIST verb below the HTTP parser', async () => {
    await call('POST', 'secret/data/listed/a', { body: { data: { a: 1 } } })
    const raw = await rawRequest(
      t.address,
      `LIST /v1/secret/metadata/listed HTTP/1.1\r\nHost: x\r\nX-Vault-Token: ${root}\r\n\r\n`,
    )
    assert.match(raw, /^HTTP\/1\.1 200/)
    assert.match(raw, /"keys":\["a"\]/)
  })

  it('survives a few thousand random requests and still answers', async () => {
    const methods = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'LIST', 'HEAD']
    const paths = [
      'sys/mounts',
      'secret/data/f',
      'secret/metadata/',
      'auth/token/create',
      'sys/policies/acl/p',
      'sys/unseal',
      'sys/init',
      'x',
    ]
    let seed = 42
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff
      return seed % n
    }
    const statuses = new Map<number, number>()
    for (let i = 0; i < 2500; i++) {
      const method = methods[rand(methods.length)]!
      let path = paths[rand(paths.length)]!
      if (rand(4) === 0) path += `/${encodeURIComponent(randomBytes(rand(12) + 1).toString('latin1'))}`
      const kind = rand(5)
      const body =
        kind === 0
          ? randomBytes(rand(200)).toString('latin1')
          : kind === 1
            ? JSON.stringify({
                data: { k: rand(1000) },
                policy: 'path "x" {',
                ttl: rand(3) === 0 ? -5 : '1h',
                type: rand(2) ? 'kv' : 42,
              })
            : kind === 2
              ? JSON.stringify([rand(5)])
              : kind === 3
                ? '{"deep":' + '['.repeat(rand(50)) + ']'.repeat(rand(50)) + '}'
                : undefined
      const headers: Record<string, string> = {
        'content-type': rand(3) === 0 ? 'application/merge-patch+json' : 'application/json',
      }
      const payload =
        `${method} /v1/${path} HTTP/1.1\r\nHost: x\r\nX-Vault-Token: ${rand(3) === 0 ? 'junk' : root}\r\n` +
        Object.entries(headers)
          .map(([k, v]) => `${k}: ${v}\r\n`)
          .join('') +
        (body === undefined ? '' : `Content-Length: ${Buffer.byteLength(body, 'latin1')}\r\n`) +
        'Connection: close\r\n\r\n' +
        (body ?? '')
      // Half-closed after writing, as `printf … | nc` does: the answer must still come, writes included.
      const response = await rawRequest(t.address, Buffer.from(payload, 'latin1'))
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1] ?? 0)
      statuses.set(status, (statuses.get(status) ?? 0) + 1)
      assert.ok(status > 0, `no HTTP response for ${method} ${path}`)
      assert.ok(
        status < 500 || status === 503,
        `server error ${status} for ${method} ${path}: ${response.slice(0, 300)}`,
      )
    }
    const health = await call('GET', 'sys/health')
    assert.equal(health.status, 200, `statuses seen: ${JSON.stringify([...statuses])}`)
  })
})
