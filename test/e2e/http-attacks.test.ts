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
