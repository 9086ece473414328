// The listener parses strictly even when Node runs with --insecure-http-parser (as NODE_OPTIONS may set it for all).
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { type ServerProcess, spawnServer } from '../helpers/process.ts'
import { rawExchange, statusesOf } from '../helpers/raw-http.ts'

describe('HTTP parser under --insecure-http-parser', () => {
  let server: ServerProcess
  before(async () => {
    // Its own process: the flag is read once per process, so it cannot be turned on in the test's.
    server = await spawnServer(
      ['-dev', '-dev-inmem', '-dev-listen-address=127.0.0.1:0', '-dev-no-store-token', '-log-level=error'],
      { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --insecure-http-parser`.trim() },
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
})
