// Hostile HTTP/1.1 clients on raw sockets: smuggling, header abuse, slow and greedy clients; each gets a clear 4xx or is cut off.
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { setTimeout as delay } from 'node:timers/promises'
import { connect as tlsConnect } from 'node:tls'
import { type RunningServer, startServer } from '../../src/server/start-server.ts'
import { type AccessKey, accessKeyFor, mustCall } from '../helpers/aws-clients.ts'
import { signedJsonHeaders } from '../helpers/aws-signers.ts'
import { withDeadline } from '../helpers/deadline.ts'
import { HANG_MS, openRaw, rawExchange, statusesOf } from '../helpers/raw-http.ts'
import { client, makeTempDir, startDevServer, startSealedServer, type TestServer } from '../helpers/server.ts'
import { startTlsServer } from '../helpers/tls-server.ts'

let t: TestServer
before(async () => {
  t = await startDevServer()
})
after(() => t.close())

const chunkedHead = (path: string) =>
  `POST /v1/secret/data/${path} HTTP/1.1\r\nHost: x\r\nX-Vault-Token: ${t.rootToken}\r\n` +
  'Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n'

describe('HTTP attacks: pipelining', () => {
  it('answers 400 and closes at once for a broken chunked body that arrives after an earlier body request was answered', async () => {
    const good = '{"data":{"a":1}}'
    const requests = [
      `${chunkedHead('pipelined-good')}${good.length.toString(16)}\r\n${good}\r\n0\r\n\r\n`,
      `POST /v1/secret/data/pipelined-good HTTP/1.1\r\nHost: x\r\nX-Vault-Token: ${t.rootToken}\r\n` +
        `Content-Length: ${good.length}\r\n\r\n${good}`,
    ]
    for (const first of requests) {
      const connection = await openRaw(t.address)
      try {
        // The first request and the head of the second go together; the broken chunk only after the first answer.
        await connection.write(first + chunkedHead('pipelined-bad'))
        await connection.until((text) => statusesOf(text).length === 1, 'the first answer')
        await connection.write('zz\r\n')
        const all = await connection.closed('the 400 for the broken body, and the close')
        assert.deepEqual(statusesOf(all), [200, 400], all)
        assert.match(all, /\{"errors":\["failed to read request body"\]\}\n$/)
      } finally {
        connection.destroy()
      }
    }
    assert.equal((await t.call('GET', 'secret/data/pipelined-bad')).status, 404)
  })

  it('answers 400 and closes for a broken chunked body behind more pipelined requests than are handled at once', async () => {
    const connection = await openRaw(t.address)
    try {
      const health = 'GET /v1/sys/health HTTP/1.1\r\nHost: x\r\n\r\n'
      await connection.write(`${health.repeat(40)}${chunkedHead('behind-many')}zz\r\n`)
      const all = await connection.closed('the answers, the 400 and the close')
      assert.deepEqual(statusesOf(all), [...Array(40).fill(200), 400])
      assert.match(all, /\{"errors":\["failed to read request body"\]\}\n$/)
    } finally {
      connection.destroy()
    }
  })
})

describe('HTTP attacks: smuggling', () => {
  const body = '{"data":{"a":"smuggled"}}'
  const chunked = `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`
  const write = (path: string, framing: string) =>
    `POST /v1/secret/data/${path} HTTP/1.1\r\nHost: x\r\nX-Vault-Token: ${t.rootToken}\r\n` +
    `Content-Type: application/json\r\n${framing}\r\n${chunked}`

  it('refuses ambiguous framing with 400 and closes, writing nothing', async () => {
    const head = `POST /v1/secret/data/ambiguous HTTP/1.1\r\nHost: x\r\nX-Vault-Token: ${t.rootToken}\r\n`
    for (const payload of [
      `${head}Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n${chunked}`,
      `${head}Transfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n${chunked}`,
      `${head}Content-Length: ${body.length}\r\nContent-Length: 5\r\n\r\n${body}`,
      `${head}Content-Length: ${body.length}, ${body.length}\r\n\r\n${body}`,
      `${head}Content-Length: +${body.length}\r\n\r\n${body}`,
      `${head}Content-Length: -${body.length}\r\n\r\n${body}`,
      `${head}Content-Length: 0x${body.length.toString(16)}\r\n\r\n${body}`,
      `${head}Content-Length: ${String(body.length).split('').join(' ')}\r\n\r\n${body}`,
      `${head}Content-Length:\r\n\r\n${body}`,
      `${head}Content-Length: ${body.length}\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      `${head}Content-Length: ${body.length}\r\nTransfer-Encoding: chunked\r\nContent-Length: ${body.length}\r\n\r\n${chunked}`,
      `${head}Transfer-Encoding: xchunked\r\n\r\n${chunked}`,
      `${head}Transfer-Encoding: chunked, identity\r\n\r\n${chunked}`,
      `${head}Transfer-Encoding:\r\n chunked\r\n\r\n${chunked}`,
      `${head}Transfer-Encoding : chunked\r\n\r\n${chunked}`,
      `${head}Transfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n${body}\r\n0\r\n\r\n`,
      `${head}Transfer-Encoding: chunked\r\n\r\n-${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`,
      `${head}Transfer-Encoding: chunked\r\n\r\n0x${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`,
      `${head}Transfer-Encoding: chunked\r\n\r\n${body.length.toString(16)}\n${body}\n0\n\n`,
      // Chunk extensions past Node's limit or holding a bare CR or LF, a size with spaces, data without its CRLF.
      `${head}Transfer-Encoding: chunked\r\n\r\n${body.length.toString(16)};a=${'b'.repeat(100_000)}\r\n${body}\r\n0\r\n\r\n`,
      `${head}Transfer-Encoding: chunked\r\n\r\n${body.length.toString(16)};a=b\rc\r\n${body}\r\n0\r\n\r\n`,
      `${head}Transfer-Encoding: chunked\r\n\r\n${body.length.toString(16)};a="b\nc"\r\n${body}\r\n0\r\n\r\n`,
      `${head}Transfer-Encoding: chunked\r\n\r\n${body.length.toString(16)} \r\n${body}\r\n0\r\n\r\n`,
      `${head}Transfer-Encoding: chunked\r\n\r\n ${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`,
      `${head}Transfer-Encoding: chunked\r\n\r\n${body.length.toString(16)}\r\n${body}XX0\r\n\r\n`,
      // Trailers: a length, obs-fold, or more than the head limit.
      `${head}Transfer-Encoding: chunked\r\n\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\nContent-Length: 5\r\n\r\n`,
      `${head}Transfer-Encoding: chunked\r\n\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\nX-A: a\r\n b\r\n\r\n`,
      `${head}Transfer-Encoding: chunked\r\n\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\nX-A: ${'b'.repeat(100_000)}\r\n\r\n`,
      `${head.replaceAll('\r\n', '\n')}Content-Length: ${body.length}\n\n${body}`,
      `${head}X-Note: a\r\n b\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      `${head}X-Note: a\r\n\tb\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    ]) {
      const all = await rawExchange(t.address, payload)
      assert.deepEqual(statusesOf(all), [400], `${JSON.stringify(payload.slice(head.length))}: ${all}`)
      assert.match(all, /\{"errors":\["[^"]+"\]\}\n$/)
    }
    assert.equal((await t.call('GET', 'secret/data/ambiguous')).status, 404)
  })

  it('refuses a chunked body on HTTP/1.0, where the framing is faulty, and closes without reading on', async () => {
    const payload =
      `POST /v1/secret/data/http10 HTTP/1.0\r\nHost: x\r\nX-Vault-Token: ${t.rootToken}\r\n` +
      `Transfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n${chunked}GET /v1/sys/health HTTP/1.0\r\n\r\n`
    const all = await rawExchange(t.address, payload)
    assert.deepEqual(statusesOf(all), [400], all)
    assert.match(all, /\{"errors":\["Transfer-Encoding is not allowed in an HTTP\/1\.0 request"\]\}\n$/)
    assert.equal((await t.call('GET', 'secret/data/http10')).status, 404)
  })

  it("never runs a request sent inside another request's body", async () => {
    await t.call('POST', 'secret/data/kept', { body: { data: { a: 1 } } })
    const inner = `DELETE /v1/secret/metadata/kept HTTP/1.1\r\nHost: x\r\nX-Vault-Token: ${t.rootToken}\r\n\r\n`
    const outer = `POST /v1/secret/data/carrier HTTP/1.1\r\nHost: x\r\nX-Vault-Token: ${t.rootToken}\r\n`
    for (const payload of [
      `${outer}Content-Length: ${inner.length}\r\nConnection: close\r\n\r\n${inner}`,
      `${outer}Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n${inner.length.toString(16)}\r\n${inner}\r\n0\r\n\r\n`,
    ]) {
      const all = await rawExchange(t.address, payload)
      assert.deepEqual(statusesOf(all), [400], all)
    }
    assert.equal((await t.call('GET', 'secret/data/kept')).status, 200)
  })

  it('refuses any Transfer-Encoding but a single chunked, however it is split, and writes nothing', async () => {
    // A proxy in front may read the first coding, or the first header, and frame the body differently.
    for (const framing of [
      'Transfer-Encoding: identity, chunked\r\n',
      'Transfer-Encoding: gzip, chunked\r\n',
      'Transfer-Encoding: identity\r\nTransfer-Encoding: chunked\r\n',
      'Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n',
    ]) {
      const connection = await openRaw(t.address)
      try {
        await connection.write(write('te-refused', framing))
        const all = await connection.closed(`the refusal of ${JSON.stringify(framing)}`)
        assert.deepEqual(statusesOf(all), [400], all)
        // Node's parser refuses a repeated chunked itself, as malformed.
        assert.match(
          all,
          /\{"errors":\["(?:unsupported Transfer-Encoding: only chunked is accepted|malformed HTTP request)"\]\}/,
        )
      } finally {
        connection.destroy()
      }
    }
    assert.equal((await t.call('GET', 'secret/data/te-refused')).status, 404)
    // The coding name is case-insensitive and may have spaces around it.
    for (const framing of ['Transfer-Encoding: CHUNKED\r\n', 'Transfer-Encoding:   chunked  \r\n']) {
      const connection = await openRaw(t.address)
      try {
        await connection.write(write('te-accepted', framing))
        await connection.until((text) => statusesOf(text).length === 1, 'the answer')
        assert.deepEqual(statusesOf(connection.text()), [200], framing)
      } finally {
        connection.destroy()
      }
    }
  })
})

describe('HTTP attacks: request line', () => {
  it('serves a request target in absolute form as its path, for every verb and the AWS front door', async () => {
    await t.call('POST', 'secret/data/absolute', { body: { data: { a: 'absolute' } } })
    const token = `X-Vault-Token: ${t.rootToken}\r\n`
    const cases: Array<[string, RegExp]> = [
      [`GET http://x/v1/secret/data/absolute HTTP/1.1\r\nHost: x\r\n${token}`, /"a":"absolute"/],
      // The authority in the target wins over the Host header, and the scheme is case-insensitive.
      [
        `GET HTTP://elsewhere:8200/v1/secret/data/absolute?version=1 HTTP/1.1\r\nHost: x\r\n${token}`,
        /"a":"absolute"/,
      ],
      [`LIST http://x/v1/secret/metadata HTTP/1.1\r\nHost: x\r\n${token}`, /"keys":\[[^\]]*"absolute"/],
      [
        'POST http://x/ HTTP/1.1\r\nHost: x\r\nX-Amz-Target: secretsmanager.ListSecrets\r\n' +
          'Content-Type: application/x-amz-json-1.1\r\nContent-Length: 2\r\n\r\n{}',
        // The AWS front door answered (this server has no Secrets Manager), not the Vault API's 404.
        /"__type":"UnknownOperationException","message":"Secrets Manager is not enabled on this server."/,
      ],
    ]
    for (const [request, expected] of cases) {
      const payload = request.includes('\r\n\r\n') ? request : `${request}Connection: close\r\n\r\n`
      const connection = await openRaw(t.address)
      try {
        await connection.write(payload)
        const all = await connection.until(
          (text) => expected.test(text),
          `the answer to ${request.split('\r\n')[0]}`,
        )
        assert.match(all, expected)
      } finally {
        connection.destroy()
      }
    }
  })
})

describe('HTTP attacks: protocol version', () => {
  const body = '{"data":{"a":"versioned"}}'
  const write = (version: string, path: string) =>
    `POST /v1/secret/data/${path} HTTP/${version}\r\nHost: x\r\nX-Vault-Token: ${t.rootToken}\r\n` +
    `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`

  it('answers 505 to a well-formed version other than 1.0 and 1.1, never routes it, and closes', async () => {
    for (const version of ['2.0', '0.9', '1.2', '3.0', '9.9']) {
      const all = await rawExchange(t.address, write(version, `v-${version}`))
      assert.deepEqual(statusesOf(all), [505], `${version}: ${all}`)
      assert.match(all, /\{"errors":\["unsupported protocol version"\]\}\n$/, version)
      assert.equal((await t.call('GET', `secret/data/v-${version}`)).status, 404, version)
    }
    // The same for LIST, read below node:http's parser, and for an HTTP/2 connection preface sent in the clear.
    for (const payload of [
      `LIST /v1/sys/policies/acl HTTP/2.0\r\nHost: x\r\nX-Vault-Token: ${t.rootToken}\r\n\r\n`,
      `LIST /v1/sys/policies/acl HTTP/1.2\r\nHost: x\r\nX-Vault-Token: ${t.rootToken}\r\n\r\n`,
      'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n',
    ]) {
      const all = await rawExchange(t.address, payload)
      assert.deepEqual(statusesOf(all), [505], `${JSON.stringify(payload.slice(0, 30))}: ${all}`)
    }
    // A request line without a version at all (HTTP/0.9's simple request) is not served either.
    const simple = await rawExchange(t.address, 'GET /v1/sys/health\r\n\r\n')
    assert.deepEqual(statusesOf(simple), [505], simple)
  })

  it('answers 400 to a malformed version, LIST included, and closes', async () => {
    for (const version of ['HTTP/1.10', 'HTTP/11.1', 'http/1.1', 'HTTP/1', 'HTTP/1.1x', 'HTTX/1.1']) {
      for (const method of ['GET', 'LIST']) {
        const all = await rawExchange(t.address, `${method} /v1/sys/health ${version}\r\nHost: x\r\n\r\n`)
        assert.deepEqual(statusesOf(all), [400], `${method} ${version}: ${all}`)
        assert.match(all, /\{"errors":\["malformed HTTP (?:request|version)"\]\}\n$/, `${method} ${version}`)
      }
    }
  })
})

describe('HTTP attacks: methods', () => {
  it('answers 405 to a method in the wrong case or unknown to the parser, as Vault answers any verb it does not serve', async () => {
    for (const method of ['get', 'Get', 'list', 'post', 'PROPFIND', 'TRACE', 'BREW', 'A'.repeat(2000)]) {
      const all = await rawExchange(
        t.address,
        `${method} /v1/sys/policies/acl HTTP/1.1\r\nHost: x\r\nX-Vault-Token: ${t.rootToken}\r\nConnection: close\r\n\r\n`,
      )
      assert.deepEqual(statusesOf(all), [405], `${method.slice(0, 20)}: ${all.slice(0, 300)}`)
      assert.match(
        all,
        /\{"errors":\["unsupported (?:method [^"]{1,16}|operation)"\]\}\n$/,
        method.slice(0, 20),
      )
    }
    // A method longer than the packet it arrives in cannot be read whole: malformed, never a crash or a hang.
    const huge = await rawExchange(
      t.address,
      `${'A'.repeat(100_000)} /v1/sys/health HTTP/1.1\r\nHost: x\r\n\r\n`,
    )
    assert.deepEqual(statusesOf(huge), [400], huge.slice(0, 300))
    // Not a method at all (a TLS ClientHello on the plain port, a control byte): malformed.
    for (const start of ['\x16\x03\x01\x00', 'G\x01T']) {
      const all = await rawExchange(
        t.address,
        Buffer.from(`${start} /v1/sys/health HTTP/1.1\r\nHost: x\r\n\r\n`, 'latin1'),
      )
      assert.deepEqual(statusesOf(all), [400], JSON.stringify(start))
    }
  })

  it('answers CONNECT with 405 and closes, never reading what follows as a request', async () => {
    const write = `POST /v1/secret/data/after-connect HTTP/1.1\r\nHost: x\r\nX-Vault-Token: ${t.rootToken}\r\nContent-Length: 2\r\n\r\n{}`
    for (const target of ['other:443', '/v1/sys/health']) {
      const all = await rawExchange(
        t.address,
        `CONNECT ${target} HTTP/1.1\r\nHost: other:443\r\n\r\n${write}`,
      )
      assert.deepEqual(statusesOf(all), [405], all)
      assert.match(all, /\{"errors":\["unsupported method CONNECT"\]\}\n$/)
    }
    assert.equal((await t.call('GET', 'secret/data/after-connect')).status, 404)
    // Behind requests still being answered, the 405 waits its turn: answers never leave out of order.
    const health = 'GET /v1/sys/health HTTP/1.1\r\nHost: x\r\n\r\n'
    const all = await rawExchange(
      t.address,
      `${health.repeat(3)}CONNECT other:443 HTTP/1.1\r\nHost: other:443\r\n\r\n`,
    )
    assert.deepEqual(statusesOf(all), [200, 200, 200, 405], all)
    // Behind a refusal that ends the connection, it is not answered at all.
    const refused = await rawExchange(
      t.address,
      'GET /v1/sys/health HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\nCONNECT other:443 HTTP/1.1\r\nHost: other:443\r\n\r\n',
    )
    assert.deepEqual(statusesOf(refused), [400], refused)
  })
})

describe('HTTP attacks: Host', () => {
  const get = (method: string, version: string, host: string) =>
    `${method} /v1/sys/policies/acl HTTP/${version}\r\n${host}X-Vault-Token: ${t.rootToken}\r\nConnection: close\r\n\r\n`

  it('answers 400 to more than one Host header, or a Host value no authority can be, LIST and HTTP/1.0 included', async () => {
    const refused: Array<[string, RegExp]> = [
      ['Host: x\r\nHost: y\r\n', /multiple Host headers/],
      ['Host: x\r\nHost: x\r\n', /multiple Host headers/],
      ['Host: x\r\nhOsT: x\r\n', /multiple Host headers/],
      ['Host: x, y\r\n', /malformed Host header/],
      ['Host: x y\r\n', /malformed Host header/],
      ['Host: x/y\r\n', /malformed Host header/],
      ['Host: user@x\r\n', /malformed Host header/],
      ['Host: x?y\r\n', /malformed Host header/],
      ['Host: "x"\r\n', /malformed Host header/],
      ['Host: x\xe9\r\n', /malformed Host header/],
    ]
    for (const method of ['GET', 'LIST']) {
      for (const version of ['1.1', '1.0']) {
        for (const [host, message] of refused) {
          const all = await rawExchange(t.address, Buffer.from(get(method, version, host), 'latin1'))
          const what = `${method} HTTP/${version} ${JSON.stringify(host)}`
          assert.deepEqual(statusesOf(all), [400], `${what}: ${all}`)
          assert.match(all, message, what)
        }
      }
    }
  })

  it('refuses a bad Host before inviting a body with 100 Continue', async () => {
    const connection = await openRaw(t.address)
    try {
      // The client waits for 100 Continue or a final answer before it sends its body.
      await connection.write(
        `POST /v1/secret/data/expect-host HTTP/1.1\r\nHost: a\r\nHost: b\r\nX-Vault-Token: ${t.rootToken}\r\n` +
          'Expect: 100-continue\r\nContent-Length: 2\r\n\r\n',
      )
      const all = await connection.closed('the 400 and the close')
      assert.deepEqual(statusesOf(all), [400], all)
    } finally {
      connection.destroy()
    }
  })

  it('serves names, addresses with ports, IPv6 literals and an empty Host, as Go accepts them', async () => {
    for (const host of ['x', 'vault.example.com:8200', '127.0.0.1:8200', '[::1]:8200', 'under_score', '']) {
      for (const method of ['GET', 'LIST']) {
        const all = await rawExchange(t.address, get(method, '1.1', `Host: ${host}\r\n`))
        assert.deepEqual(statusesOf(all), [200], `${method} ${JSON.stringify(host)}: ${all}`)
      }
    }
  })

  it('holds a WebSocket handshake to the same version and Host rules', async () => {
    const handshake = (version: string, host: string) =>
      `GET /v1/sys/events/subscribe/kv-v2/data-write?json=true HTTP/${version}\r\n${host}Upgrade: websocket\r\n` +
      'Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n' +
      `X-Vault-Token: ${t.rootToken}\r\n\r\n`
    for (const [version, host, status] of [
      ['1.1', 'Host: a\r\nHost: b\r\n', 400],
      ['1.1', 'Host: a, b\r\n', 400],
      ['1.1', '', 400],
      ['2.0', 'Host: x\r\n', 505],
    ] as const) {
      const all = await rawExchange(t.address, handshake(version, host))
      assert.deepEqual(statusesOf(all), [status], `${version} ${JSON.stringify(host)}: ${all}`)
    }
    // The handshake itself still works, after the answers to the requests before it, in order.
    const health = 'GET /v1/sys/health HTTP/1.1\r\nHost: x\r\n\r\n'
    for (const before of ['', health.repeat(3)]) {
      const connection = await openRaw(t.address)
      try {
        await connection.write(`${before}${handshake('1.1', 'Host: x\r\n')}`)
        const all = await connection.until(
          (text) => /101 Switching Protocols[\s\S]*\r\n\r\n/.test(text),
          'the handshake answer',
        )
        assert.deepEqual(statusesOf(all), [...(before ? [200, 200, 200] : []), 101], all)
      } finally {
        connection.destroy()
      }
    }
    // A refused handshake waits its turn too.
    const refused = await rawExchange(
      t.address,
      `${health.repeat(3)}${handshake('1.1', 'Host: a\r\nHost: b\r\n')}`,
    )
    assert.deepEqual(statusesOf(refused), [200, 200, 200, 400], refused)
  })

  it('checks the Host header of a request in absolute form too, and routes it by its path alone', async () => {
    const absolute = (host: string) =>
      `GET http://other:8200/v1/sys/policies/acl HTTP/1.1\r\n${host}X-Vault-Token: ${t.rootToken}\r\nConnection: close\r\n\r\n`
    assert.deepEqual(statusesOf(await rawExchange(t.address, absolute('Host: x\r\n'))), [200])
    assert.deepEqual(statusesOf(await rawExchange(t.address, absolute('Host: x\r\nHost: other\r\n'))), [400])
    assert.deepEqual(statusesOf(await rawExchange(t.address, absolute('Host: a b\r\n'))), [400])
    // Go requires the header even then.
    assert.deepEqual(statusesOf(await rawExchange(t.address, absolute(''))), [400])
  })
})

describe('HTTP attacks: the connection after a refusal', () => {
  const body = '{"data":{"a":"smuggled"}}'
  const write = (path: string) =>
    `POST /v1/secret/data/${path} HTTP/1.1\r\nHost: x\r\nX-Vault-Token: ${t.rootToken}\r\n` +
    `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`
  const health = 'GET /v1/sys/health HTTP/1.1\r\nHost: x\r\n\r\n'

  it('never runs a request pipelined behind one refused for its head, on many connections at once', async () => {
    const chunked = `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`
    const refusals: Array<[string, string, number]> = [
      ['no-host', 'GET /v1/sys/health HTTP/1.1\r\n\r\n', 400],
      ['two-hosts', 'GET /v1/sys/health HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n', 400],
      ['bad-host', 'GET /v1/sys/health HTTP/1.1\r\nHost: a, b\r\n\r\n', 400],
      ['http2', 'GET /v1/sys/health HTTP/2.0\r\nHost: x\r\n\r\n', 505],
      ['http12', 'GET /v1/sys/health HTTP/1.2\r\nHost: x\r\n\r\n', 505],
      ['lowercase', 'get /v1/sys/health HTTP/1.1\r\nHost: x\r\n\r\n', 405],
      ['expect', 'GET /v1/sys/health HTTP/1.1\r\nHost: x\r\nExpect: x-later\r\n\r\n', 417],
      [
        'te-identity',
        `POST /v1/secret/data/te HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity, chunked\r\n\r\n${chunked}`,
        400,
      ],
      [
        'te-http10',
        `POST /v1/secret/data/te HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n${chunked}`,
        400,
      ],
      [
        'cl-te',
        `POST /v1/secret/data/te HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n${chunked}`,
        400,
      ],
      ['too-large', `GET /v1/sys/health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(40_000)}\r\n\r\n`, 431],
      ['obs-fold', 'GET /v1/sys/health HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n', 400],
    ]
    // Each on its own connection, all at once: a refused request ahead of a write, and an answered one ahead of both.
    const results = await Promise.all(
      refusals.map(async ([name, refused, status]) => {
        const all = await rawExchange(t.address, `${health}${refused}${write(`after-${name}`)}`)
        return [name, all, status] as const
      }),
    )
    for (const [name, all, status] of results)
      assert.deepEqual(statusesOf(all), [200, status], `${name}: ${all}`)
    for (const [name] of refusals)
      assert.equal((await t.call('GET', `secret/data/after-${name}`)).status, 404, `after-${name}`)
  })

  it('never runs a LIST, read below the parser, pipelined behind a refused request', async () => {
    // Each LIST run spends a use of this token: the uses left say whether any ran.
    const created = await t.call('POST', 'auth/token/create', { body: { policies: ['root'], num_uses: 50 } })
    const token = created.body.auth.client_token as string
    const list = `LIST /v1/secret/metadata HTTP/1.1\r\nHost: x\r\nX-Vault-Token: ${token}\r\n\r\n`
    const results = await Promise.all(
      [
        'GET /v1/sys/health HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n',
        'GET /v1/sys/health HTTP/2.0\r\nHost: x\r\n\r\n',
        'GET /v1/sys/health HTTP/1.1\r\nHost: x\r\nExpect: x-later\r\n\r\n',
        `POST /v1/sys/health HTTP/1.1\r\nHost: x\r\nContent-Length: ${64 * 1024 * 1024}\r\n\r\n`,
      ].map((refused) => rawExchange(t.address, `${refused}${list}`)),
    )
    for (const all of results) assert.equal(statusesOf(all).length, 1, all)
    const left = await t.call('POST', 'auth/token/lookup', { body: { token } })
    assert.equal(left.body.data.num_uses, 50)
  })

  it('never upgrades a WebSocket handshake pipelined behind a refused request', async () => {
    const handshake =
      'GET /v1/sys/events/subscribe/kv-v2/data-write?json=true HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n' +
      'Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n' +
      `X-Vault-Token: ${t.rootToken}\r\n\r\n`
    for (const refused of [
      'GET /v1/sys/health HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n',
      'GET /v1/sys/health HTTP/1.1\r\nHost: x\r\nExpect: x-later\r\n\r\n',
    ]) {
      const all = await rawExchange(t.address, `${refused}${handshake}`)
      assert.equal(statusesOf(all).length, 1, all)
      assert.doesNotMatch(all, /101 Switching Protocols/)
    }
  })

  it('never runs a request pipelined behind one refused while more are being handled than are taken on at once', async () => {
    // Forty reads fill the requests handled at once and queue the rest; the refusal and the write come behind them.
    const all = await rawExchange(
      t.address,
      `${health.repeat(40)}GET /v1/sys/health HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n${write('after-queue')}`,
    )
    assert.deepEqual(statusesOf(all), [...Array(40).fill(200), 400], all.slice(-300))
    assert.equal((await t.call('GET', 'secret/data/after-queue')).status, 404)
  })

  it('never runs a request pipelined behind a body refused as too large', async () => {
    const small = await startSealedServer({ maxRequestSize: 1024, storage: 'inmem' })
    try {
      const big = 'x'.repeat(2000)
      // Initialising is the write that shows: were the request behind the refused body run, the server would be.
      const init = '{"secret_shares":1,"secret_threshold":1}'
      const initialise = `PUT /v1/sys/init HTTP/1.1\r\nHost: x\r\nContent-Length: ${init.length}\r\n\r\n${init}`
      const results = await Promise.all(
        [
          `Content-Length: ${big.length}\r\n\r\n${big}`,
          `Transfer-Encoding: chunked\r\n\r\n${big.length.toString(16)}\r\n${big}\r\n0\r\n\r\n`,
          `Transfer-Encoding: chunked\r\n\r\n${'200\r\n'.concat('y'.repeat(512), '\r\n').repeat(4)}0\r\n\r\n`,
        ].flatMap((framing) =>
          // Alone, and behind more requests than are handled at once, so that it and the write wait their turn.
          ['', 'GET /v1/sys/seal-status HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(20)].map((before) =>
            rawExchange(
              small.address,
              `${before}POST /v1/sys/unseal HTTP/1.1\r\nHost: x\r\n${framing}${initialise}`,
            ),
          ),
        ),
      )
      for (const all of results) assert.equal(statusesOf(all).at(-1), 413, all)
      const status = await client(small.address, '')('GET', 'sys/init')
      assert.equal(status.body.initialized, false)
    } finally {
      await small.close()
    }
  })
})

describe('HTTP attacks: headers', () => {
  it('takes the token as Vault does and never authenticates with one of two conflicting tokens', async () => {
    const root = t.rootToken
    const get = (headers: string) =>
      rawExchange(t.address, `GET /v1/sys/mounts HTTP/1.1\r\nHost: x\r\n${headers}Connection: close\r\n\r\n`)
    // Two X-Vault-Token headers are joined into one value that is no token, in either order.
    for (const tokens of [
      [root, 'junk'],
      ['junk', root],
      [root, root],
    ])
      assert.deepEqual(statusesOf(await get(tokens.map((v) => `X-Vault-Token: ${v}\r\n`).join(''))), [403])
    // X-Vault-Token wins over Authorization: Bearer, as in Vault; an empty one leaves the bearer token.
    assert.deepEqual(statusesOf(await get(`X-Vault-Token: ${root}\r\nAuthorization: Bearer junk\r\n`)), [200])
    assert.deepEqual(statusesOf(await get(`X-Vault-Token: junk\r\nAuthorization: Bearer ${root}\r\n`)), [403])
    assert.deepEqual(statusesOf(await get(`X-Vault-Token: \r\nAuthorization: Bearer ${root}\r\n`)), [200])
    // Of two Authorization headers the first counts (as Go's Header.Get), never the one that happens to work.
    assert.deepEqual(
      statusesOf(await get(`Authorization: Bearer junk\r\nAuthorization: Bearer ${root}\r\n`)),
      [403],
    )
  })

  it('refuses NUL and control bytes in header names and values, and non-ASCII names', async () => {
    for (const header of [
      'X-A: a\0b',
      'X-\0A: b',
      'X-A: a\x01b',
      'X-\xe9: b',
      'X-Vault-Token: \0',
      'X-A: a\rb',
      'X-A: a\x7fb',
      'X-A: a\r\r\nX-B: c',
    ]) {
      const all = await rawExchange(
        t.address,
        Buffer.from(`GET /v1/sys/health HTTP/1.1\r\nHost: x\r\n${header}\r\n\r\n`, 'latin1'),
      )
      assert.deepEqual(statusesOf(all), [400], JSON.stringify(header))
    }
  })

  it("records the socket's address, whatever X-Forwarded-For, X-Real-IP or Forwarded claim", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'coffer-xff-'))
    try {
      const log = join(dir, 'audit.log')
      assert.equal(
        (await t.call('PUT', 'sys/audit/xff', { body: { type: 'file', options: { file_path: log } } }))
          .status,
        204,
      )
      const all = await rawExchange(
        t.address,
        `GET /v1/sys/mounts HTTP/1.1\r\nHost: x\r\nX-Vault-Token: ${t.rootToken}\r\nX-Forwarded-For: 6.6.6.6\r\n` +
          'X-Real-IP: 7.7.7.7\r\nForwarded: for=8.8.8.8\r\nConnection: close\r\n\r\n',
      )
      assert.deepEqual(statusesOf(all), [200])
      await t.call('DELETE', 'sys/audit/xff')
      const entries = readFileSync(log, 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line))
      const mounts = entries.filter((e) => e.request?.path === 'sys/mounts')
      assert.ok(mounts.length >= 2, JSON.stringify(entries))
      for (const entry of mounts) assert.equal(entry.request.remote_address, '127.0.0.1')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('HTTP attacks: JSON', () => {
  it('lets the last of duplicate JSON keys win everywhere: the policy check sees what the handler uses', async () => {
    const policy =
      'path "auth/token/create" { capabilities = ["update"]\n allowed_parameters = { "policies" = [["default"]] } }'
    assert.equal((await t.call('PUT', 'sys/policies/acl/dup-keys', { body: { policy } })).status, 204)
    const created = await t.call('POST', 'auth/token/create', { body: { policies: ['dup-keys'] } })
    const token = created.body.auth.client_token as string
    const refused = await t.call('POST', 'auth/token/create', {
      token,
      body: '{"policies":["default"],"policies":["root"]}',
    })
    assert.equal(refused.status, 403, JSON.stringify(refused.body))
    const allowed = await t.call('POST', 'auth/token/create', {
      token,
      body: '{"policies":["root"],"policies":["default"]}',
    })
    assert.equal(allowed.status, 200, JSON.stringify(allowed.body))
    assert.deepEqual(allowed.body.auth.policies, ['default'])
  })
})

describe('HTTP attacks: sizes', () => {
  it('answers 414 for a URL too long and 431 for headers too large, LIST included, pipelined or not', async () => {
    const long = `/v1/secret/data/${'a'.repeat(40_000)}`
    for (const [payload, status] of [
      [`GET ${long} HTTP/1.1\r\nHost: x\r\n\r\n`, 414],
      [`LIST ${long} HTTP/1.1\r\nHost: x\r\n\r\n`, 414],
      [`GET /v1/sys/health HTTP/1.1\r\nHost: x\r\n\r\nGET ${long} HTTP/1.1\r\nHost: x\r\n\r\n`, 414],
      [`GET /v1/sys/health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(40_000)}\r\n\r\n`, 431],
      [`LIST /v1/sys/policies/acl HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(40_000)}\r\n\r\n`, 431],
    ] as const) {
      const all = await rawExchange(t.address, payload)
      const statuses = statusesOf(all)
      assert.equal(statuses.at(-1), status, all.slice(0, 300))
      assert.match(
        all,
        status === 414
          ? /\{"errors":\["request URI too long"\]\}\n$/
          : /\{"errors":\["request headers too large"\]\}\n$/,
      )
    }
  })
})

describe('HTTP attacks: asterisk and Host', () => {
  it('answers OPTIONS * with 200 and no body, as Go answers it, and other verbs on * with 404', async () => {
    const options = await rawExchange(t.address, 'OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
    assert.deepEqual(statusesOf(options), [200], options)
    assert.match(options, /\r\ncontent-length: 0\r\n/i)
    assert.ok(options.endsWith('\r\n\r\n'), options)
    const get = await rawExchange(t.address, 'GET * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
    assert.deepEqual(statusesOf(get), [404], get)
  })

  it('answers an HTTP/1.1 request without Host with a 400 saying so, in the JSON error shape', async () => {
    const all = await rawExchange(t.address, 'GET /v1/sys/health HTTP/1.1\r\nConnection: close\r\n\r\n')
    assert.deepEqual(statusesOf(all), [400], all)
    assert.match(all, /\{"errors":\["missing required Host header"\]\}\n$/)
    // HTTP/1.0 has no Host requirement.
    assert.deepEqual(statusesOf(await rawExchange(t.address, 'GET /v1/sys/health HTTP/1.0\r\n\r\n')), [200])
  })
})

describe('HTTP attacks: bodies', () => {
  it('answers 413 to a chunked body that grows past max_request_size, without waiting for its end', async () => {
    const small = await startSealedServer({ maxRequestSize: 64 * 1024, storage: 'inmem' })
    try {
      const piece = 'x'.repeat(16 * 1024)
      // Six chunks: past the limit, and no last chunk ever comes.
      const chunks = `${piece.length.toString(16)}\r\n${piece}\r\n`.repeat(6)
      for (const [target, headers, expected] of [
        ['/v1/sys/init', '', /\{"errors":\["request body exceeds the limit of 65536 bytes"\]\}\n$/],
        [
          '/',
          'X-Amz-Target: secretsmanager.GetSecretValue\r\nContent-Type: application/x-amz-json-1.1\r\n',
          /"__type":"RequestEntityTooLargeException"/,
        ],
      ] as const) {
        const connection = await openRaw(small.address)
        try {
          await connection.write(
            `POST ${target} HTTP/1.1\r\nHost: x\r\n${headers}Transfer-Encoding: chunked\r\n\r\n`,
          )
          await connection.write(chunks)
          const all = await connection.closed('the 413 and the close')
          assert.deepEqual(statusesOf(all), [413], all)
          assert.match(all, expected)
        } finally {
          connection.destroy()
        }
      }
    } finally {
      await small.close()
    }
  })

  it('refuses Expect: 100-continue with a Content-Length over the limit at once, without inviting the body', async () => {
    for (const [target, headers] of [
      ['/v1/secret/data/expect', `X-Vault-Token: ${t.rootToken}\r\nContent-Type: application/json\r\n`],
      ['/', 'X-Amz-Target: secretsmanager.CreateSecret\r\nContent-Type: application/x-amz-json-1.1\r\n'],
    ] as const) {
      const connection = await openRaw(t.address)
      try {
        // The client keeps its side open and sends no body: it waits for 100 Continue or a final answer.
        await connection.write(
          `POST ${target} HTTP/1.1\r\nHost: x\r\n${headers}Expect: 100-continue\r\nContent-Length: 999999999\r\n\r\n`,
        )
        const all = await connection.closed('the 413 and the close')
        assert.deepEqual(statusesOf(all), [413], all)
        assert.match(all, /request body exceeds the limit of 33554432 bytes/)
      } finally {
        connection.destroy()
      }
    }
    // Under the limit, the client is invited to send its body, and the write goes through.
    const connection = await openRaw(t.address)
    try {
      const body = '{"data":{"a":"continued"}}'
      await connection.write(
        `POST /v1/secret/data/expect HTTP/1.1\r\nHost: x\r\nX-Vault-Token: ${t.rootToken}\r\n` +
          `Expect: 100-continue\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`,
      )
      await connection.until((text) => statusesOf(text).includes(100), 'the 100 Continue')
      await connection.write(body)
      assert.deepEqual(statusesOf(await connection.closed('the answer')), [100, 200])
    } finally {
      connection.destroy()
    }
    assert.equal((await t.call('GET', 'secret/data/expect')).body.data.data.a, 'continued')
  })

  it('invites the body of a LIST that asks with Expect: 100-continue, as every other verb', async () => {
    const connection = await openRaw(t.address)
    try {
      await connection.write(
        `LIST /v1/sys/policies/acl HTTP/1.1\r\nHost: x\r\nX-Vault-Token: ${t.rootToken}\r\n` +
          'Expect: 100-continue\r\nContent-Length: 2\r\n\r\n',
      )
      await connection.until((text) => statusesOf(text).includes(100), 'the 100 Continue')
      await connection.write('{}')
      const all = await connection.closed('the answer')
      assert.deepEqual(statusesOf(all), [100, 200], all)
      assert.match(all, /"keys":\[[^\]]*"root"/)
    } finally {
      connection.destroy()
    }
  })
})

describe('HTTP attacks: greedy clients', () => {
  it('handles only a bounded number of pipelined requests for a client that never reads its answers', async () => {
    // Answers of half a megabyte fill the kernel's socket buffers after a few; every request handled beyond those
    // is an answer the server holds in memory until the client reads, which it never does.
    assert.equal(
      (await t.call('POST', 'secret/data/wide', { body: { data: { v: 'w'.repeat(512 * 1024) } } })).status,
      200,
    )
    const created = await t.call('POST', 'auth/token/create', {
      body: { policies: ['root'], num_uses: 100_000 },
    })
    const token = created.body.auth.client_token as string
    // Each handled request spends one use of the token: what is left says how many the server took on.
    const handled = async () =>
      100_000 - (await t.call('POST', 'auth/token/lookup', { body: { token } })).body.data.num_uses
    const connection = await openRaw(t.address)
    try {
      connection.socket.pause()
      const read = `GET /v1/secret/data/wide HTTP/1.1\r\nHost: x\r\nX-Vault-Token: ${token}\r\n\r\n`
      connection.socket.write(read.repeat(600))
      // Until the count stops moving: the server has taken on all it will.
      const settled = await withDeadline(
        (async () => {
          let last = -1
          let steady = 0
          for (;;) {
            const now = await handled()
            steady = now === last ? steady + 1 : 0
            if (steady === 3) return now
            last = now
            await delay(250)
          }
        })(),
        'the pipelined requests to stop being handled',
      )
      assert.ok(settled > 0, 'some requests were handled')
      assert.ok(settled <= 150, `${settled} requests handled for a client that reads none of the answers`)
    } finally {
      connection.destroy()
    }
    assert.equal((await t.call('GET', 'sys/health')).status, 200)
  })
})

describe('HTTP attacks: slow clients', () => {
  let slow: RunningServer
  before(async () => {
    slow = await startServer({
      config: {
        listeners: [
          {
            type: 'tcp',
            address: '127.0.0.1:0',
            tlsDisable: true,
            maxRequestSize: 1024 * 1024,
            httpReadHeaderTimeout: 1,
            httpReadTimeout: 2,
          },
        ],
        // In memory: nothing here is stored.
        storage: { type: 'inmem' },
        defaultLeaseTtl: 3600,
        maxLeaseTtl: 3600,
        logLevel: 'error',
        disableMlock: true,
        ui: false,
      },
    })
  })
  // Undefined when a name pattern leaves this suite's tests out.
  after(() => slow?.close())

  it('keeps an event stream open past the header timeout: the WebSocket handshake was its request', async () => {
    const call = client(slow.address, '')
    const init = await call('PUT', 'sys/init', { body: { secret_shares: 1, secret_threshold: 1 } })
    await call('PUT', 'sys/unseal', { body: { key: init.body.keys[0] } })
    const root = init.body.root_token as string
    await call('POST', 'sys/mounts/secret', { token: root, body: { type: 'kv', options: { version: '2' } } })
    // A handshake on a fresh connection of its own, read raw: the server's frames are unmasked text.
    const connection = await openRaw(slow.address)
    try {
      await connection.write(
        'GET /v1/sys/events/subscribe/kv-v2/data-write?json=true HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n' +
          'Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n' +
          `X-Vault-Token: ${root}\r\n\r\n`,
      )
      await connection.until((text) => text.includes('\r\n\r\n'), 'the handshake answer')
      assert.deepEqual(statusesOf(connection.text()), [101])
      // Past the 1 s header timeout, which must not apply to a connection whose request was the handshake.
      await delay(1500)
      assert.equal(
        (await call('POST', 'secret/data/streamed', { token: root, body: { data: { a: 1 } } })).status,
        200,
      )
      const all = await connection.until(
        (text) => text.includes('secret/data/streamed'),
        'the event on the stream',
      )
      assert.deepEqual(statusesOf(all), [101], all)
    } finally {
      connection.destroy()
    }
  })

  /** Write `drip` every 100 ms until the server closes the connection; the answer it gave, if any. */
  async function trickle(head: string, drip: string): Promise<string> {
    const connection = await openRaw(slow.address)
    try {
      await connection.write(head)
      const timer = setInterval(() => {
        if (!connection.socket.destroyed) connection.socket.write(drip)
      }, 100)
      try {
        return await connection.closed('the server to cut the slow client off')
      } finally {
        clearInterval(timer)
      }
    } finally {
      connection.destroy()
    }
  }

  it('closes a connection that never sends a byte once the header timeout has passed', async () => {
    const connection = await openRaw(slow.address)
    try {
      assert.equal(await connection.closed('the idle connection to be closed'), '')
    } finally {
      connection.destroy()
    }
  })

  it('answers 408 to a head trickled byte by byte past the header timeout, serving other clients meanwhile', async () => {
    for (const head of [
      'GET /v1/sys/health HTTP/1.1\r\nHost: x\r\n',
      'LIST /v1/sys/policies/acl HTTP/1.1\r\nHost: x\r\n',
    ]) {
      let served = 0
      const others = (async () => {
        for (let i = 0; i < 5; i++) {
          const res = await fetch(`${slow.address}/v1/sys/seal-status`)
          await res.text()
          if (res.status === 200) served++
        }
      })()
      const answer = await trickle(head, 'X')
      await others
      assert.deepEqual(statusesOf(answer), [408], answer)
      assert.match(answer, /\{"errors":\["request timed out"\]\}\n$/)
      assert.equal(served, 5)
    }
    // A later request on a kept-alive connection is held to the same limit.
    const answer = await trickle(
      'GET /v1/sys/seal-status HTTP/1.1\r\nHost: x\r\n\r\nGET /v1/sys/health HTTP/1.1\r\n',
      'X',
    )
    assert.deepEqual(statusesOf(answer), [200, 408], answer)
  })

  it('closes a TLS connection that never finishes its handshake, or sends nothing after it, on the header timeout', async () => {
    const temp = makeTempDir('coffer-tls-slow-')
    const tls = await startTlsServer(temp.dir, { httpReadHeaderTimeout: 1 }, 'inmem')
    try {
      const address = tls.server.address.replace('https:', 'http:')
      // No ClientHello at all.
      const silent = await openRaw(address)
      try {
        assert.equal(await silent.closed('the silent connection to be closed'), '')
      } finally {
        silent.destroy()
      }
      // A handshake, then not a byte of a request.
      const { hostname, port } = new URL(tls.server.address)
      const idle = tlsConnect({ host: hostname, port: Number(port), ca: readFileSync(tls.serverCa) })
      try {
        let handshaken = false
        idle.once('secureConnect', () => {
          handshaken = true
        })
        const closed = new Promise<void>((resolve) => idle.once('close', () => resolve()))
        idle.on('error', () => {})
        await withDeadline(closed, 'the idle TLS connection to be closed', HANG_MS)
        assert.ok(handshaken, 'the handshake took place')
      } finally {
        idle.destroy()
      }
    } finally {
      await tls.server.close()
      temp.remove()
    }
  })

  it('answers 408 to a body trickled past the read timeout', async () => {
    for (const framing of ['Content-Length: 1000\r\n', 'Transfer-Encoding: chunked\r\n']) {
      const head = `PUT /v1/sys/init HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n${framing}\r\n`
      const answer = await trickle(head, framing.startsWith('Content') ? ' ' : '1\r\n \r\n')
      assert.deepEqual(statusesOf(answer), [408], answer)
      assert.match(answer, /\{"errors":\["request timed out"\]\}\n$/)
    }
  })
})

describe('HTTP attacks: the AWS front door', () => {
  let aws: TestServer
  let key: AccessKey
  before(async () => {
    // In memory: the calls here store one secret.
    aws = await startDevServer({ devAws: true, storage: 'inmem' })
    await mustCall(aws, 'PUT', 'sys/policies/acl/sm', {
      policy: 'path "secretsmanager/*" { capabilities = ["create", "read", "update", "delete", "list"] }',
    })
    key = await accessKeyFor(aws, 'sm', 'sm')
  })
  // Undefined when a name pattern leaves this suite's tests out.
  after(() => aws?.close())

  const call = async (action: string, body: string) => {
    const headers = await signedJsonHeaders({
      address: aws.address,
      service: 'secretsmanager',
      action,
      body,
      accessKeyId: key.id,
      secretAccessKey: key.secret,
    })
    return Object.entries(headers)
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('')
  }

  it('runs a signed call only as signed, whatever is added around it, and never its smuggled twin', async () => {
    const create = '{"Name":"front-door","SecretString":"kept"}'
    const created = await rawExchange(
      aws.address,
      `POST / HTTP/1.1\r\n${await call('CreateSecret', create)}Content-Length: ${create.length}\r\nConnection: close\r\n\r\n${create}`,
    )
    assert.deepEqual(statusesOf(created), [200], created)
    const body = '{"SecretId":"front-door"}'
    const signed = await call('GetSecretValue', body)
    const chunked = `${body.length.toString(16)}\r\n${body}\r\n0\r\n`
    const deleteTarget = 'X-Amz-Target: secretsmanager.DeleteSecret\r\n'
    const bogusAuthorization =
      'Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/secretsmanager/aws4_request, ' +
      `SignedHeaders=host, Signature=${'0'.repeat(64)}\r\n`
    for (const [what, request, status] of [
      ['a second target', `${signed}${deleteTarget}Content-Length: ${body.length}\r\n\r\n${body}`, 400],
      [
        'a first, bogus signature',
        `${bogusAuthorization}${signed}Content-Length: ${body.length}\r\n\r\n${body}`,
        400,
      ],
      ['CL and TE', `${signed}Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n${chunked}\r\n`, 400],
      ['identity, chunked', `${signed}Transfer-Encoding: identity, chunked\r\n\r\n${chunked}\r\n`, 400],
      ['another body', `${signed}Content-Length: ${create.length}\r\n\r\n${create}`, 400],
      // A trailer cannot name the action: the call stays the signed GetSecretValue.
      ['a trailer', `${signed}Transfer-Encoding: chunked\r\n\r\n${chunked}${deleteTarget}\r\n`, 200],
    ] as const) {
      const all = await rawExchange(
        aws.address,
        `POST / HTTP/1.1\r\n${request.replace(/\r\n\r\n/, '\r\nConnection: close\r\n\r\n')}`,
      )
      assert.deepEqual(statusesOf(all), [status], `${what}: ${all}`)
      if (status === 400) assert.doesNotMatch(all, /"SecretString"/, what)
    }
    const read = await rawExchange(
      aws.address,
      `POST / HTTP/1.1\r\n${signed}Content-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
    )
    assert.match(read, /"SecretString":"kept"/)
  })
})
