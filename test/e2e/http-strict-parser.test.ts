// The listener parses strictly, and sees every header, even when NODE_OPTIONS loosens Node's parser or raises its limits.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { type ServerProcess, spawnServer } from '../helpers/process.ts'
import { rawExchange, statusesOf } from '../helpers/raw-http.ts'

describe('HTTP parser under loosened Node options', () => {
  let server: ServerProcess
  before(async () => {
    // Its own process: the flag is read once per process, so it cannot be turned on in the test's.
    server = await spawnServer(
      ['-dev', '-dev-inmem', '-dev-listen-address=127.0.0.1:0', '-dev-no-store-token', '-log-level=error'],
      {
        NODE_OPTIONS:
          `${process.env.NODE_OPTIONS ?? ''} --insecure-http-parser --max-http-header-size=262144`.trim(),
      },
    )
  })
  // Undefined when a name pattern leaves this suite's tests out.
  after(() => server?.stop())

  it('still refuses what a lenient parser lets through: CL with TE, obs-fold, bare LF, control bytes', async () => {
    const body = '{"a":1}'
    const head = 'POST /v1/sys/init HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n'
    for (const payload of [
      `${head}Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`,
      `${head}X-Note: a\r\n b\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      `${head.replaceAll('\r\n', '\n')}Content-Length: ${body.length}\n\n${body}`,
      `${head}X-Note: a\x01b\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    ]) {
      const all = await rawExchange(server.address, Buffer.from(payload, 'latin1'))
      assert.deepEqual(
        statusesOf(all),
        [400],
        `${JSON.stringify(payload.slice(head.length, head.length + 40))}: ${all}`,
      )
    }
  })

  it('sees every header, however many: past the most Node parses the head is refused, never cut short', async () => {
    // node:http hands a request at most 2000 headers and drops the rest unseen, where a second Host or a bad
    // Transfer-Encoding could hide; its parser refuses a head of more than about a thousand fields first, even
    // with the head limit raised, so no header is ever dropped.
    for (const [count, status, message] of [
      [950, 400, /multiple Host headers/],
      [2100, 431, /request headers too large/],
    ] as const) {
      const all = await rawExchange(
        server.address,
        `GET /v1/sys/health HTTP/1.1\r\nHost: x\r\n${'X-A: b\r\n'.repeat(count)}Host: y\r\n\r\n`,
      )
      assert.deepEqual(statusesOf(all), [status], all.slice(0, 300))
      assert.match(all, message)
    }
    const te = await rawExchange(
      server.address,
      `POST /v1/sys/init HTTP/1.1\r\nHost: x\r\n${'X-A: b\r\n'.repeat(950)}Transfer-Encoding: gzip, chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n`,
    )
    assert.match(te, /unsupported Transfer-Encoding/)
  })
})
