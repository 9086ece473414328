// Hostile HTTP/1.1 clients on raw sockets: smuggling, header abuse, slow and greedy clients; each gets a clear 4xx or is cut off.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { openRaw, statusesOf } from '../helpers/raw-http.ts'
import { startDevServer, type TestServer } from '../helpers/server.ts'

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
})

describe('HTTP attacks: smuggling', () => {
  const body = '{"data":{"a":"smuggled"}}'
  const chunked = `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`
  const write = (path: string, framing: string) =>
    `POST /v1/secret/data/${path} HTTP/1.1\r\nHost: x\r\nX-Vault-Token: ${t.rootToken}\r\n` +
    `Content-Type: application/json\r\n${framing}\r\n${chunked}`

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

describe('HTTP attacks: bodies', () => {
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
})
