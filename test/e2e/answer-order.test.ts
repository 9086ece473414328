// Answers written once per event-loop turn still reach the right client: pipelined requests on one connection are
// answered in order, and many connections sending at once each get their own answer.
import assert from 'node:assert/strict'
import net from 'node:net'
import { after, before, describe, it } from 'node:test'
import { startDevServer, type TestServer } from '../helpers/server.ts'

let t: TestServer
const SECRETS = 24
before(async () => {
  t = await startDevServer()
  for (let i = 0; i < SECRETS; i++) {
    const res = await t.call('POST', `secret/data/order/s${i}`, {
      body: { data: { n: i, pad: 'é'.repeat(i) } },
    })
    assert.equal(res.status, 200)
  }
})
after(() => t.close())

/** The HTTP/1.1 answers in `raw`, each split at its Content-Length (every answer here has one). */
function splitAnswers(raw: Buffer): { status: number; body: string }[] {
  const answers: { status: number; body: string }[] = []
  let at = 0
  while (at < raw.length) {
    const headEnd = raw.indexOf('\r\n\r\n', at)
    if (headEnd === -1) break
    const head = raw.subarray(at, headEnd).toString('latin1')
    const length = Number(/\r\ncontent-length: (\d+)/i.exec(head)?.[1] ?? 0)
    const bodyStart = headEnd + 4
    if (bodyStart + length > raw.length) break
    answers.push({
      status: Number(head.slice(9, 12)),
      body: raw.subarray(bodyStart, bodyStart + length).toString('utf8'),
    })
    at = bodyStart + length
  }
  return answers
}

/** Write `requests` on one connection in one go, then read until `expected` answers have arrived. */
function exchange(requests: string[], expected: number): Promise<{ status: number; body: string }[]> {
  const { hostname, port } = new URL(t.address)
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => socket.write(requests.join('')))
    let raw = Buffer.alloc(0)
    socket.on('data', (chunk: Buffer) => {
      raw = Buffer.concat([raw, chunk])
      const answers = splitAnswers(raw)
      if (answers.length >= expected) {
        socket.destroy()
        resolve(answers)
      }
    })
    socket.on('error', reject)
    socket.setTimeout(10_000, () => socket.destroy(new Error('timed out waiting for the answers')))
  })
}

const read = (i: number) =>
  `GET /v1/secret/data/order/s${i} HTTP/1.1\r\nHost: coffer\r\nX-Vault-Token: ${t.rootToken}\r\n\r\n`

describe('answers per event-loop turn', () => {
  it('answers pipelined requests on one connection in request order, each with its own secret', async () => {
    const order = Array.from({ length: SECRETS }, (_, i) => (i * 7) % SECRETS)
    // A missing secret in the middle: its 404 must keep its place too.
    const requests = [...order.map(read), read(999), read(order[0]!)]
    const answers = await exchange(requests, requests.length)
    assert.equal(answers.length, requests.length)
    order.forEach((n, i) => {
      assert.equal(answers[i]!.status, 200)
      assert.equal(JSON.parse(answers[i]!.body).data.data.n, n)
    })
    assert.equal(answers[SECRETS]!.status, 404)
    assert.equal(JSON.parse(answers[SECRETS + 1]!.body).data.data.n, order[0])
  })

  it('gives each of many connections sending at once its own answer, with an exact Content-Length', async () => {
    const answers = await Promise.all(Array.from({ length: 64 }, (_, i) => exchange([read(i % SECRETS)], 1)))
    answers.forEach(([answer], i) => {
      assert.equal(answer!.status, 200)
      const body = JSON.parse(answer!.body)
      assert.equal(body.data.data.n, i % SECRETS)
      assert.equal(body.data.data.pad, 'é'.repeat(i % SECRETS))
    })
    const ids = new Set(answers.map(([answer]) => JSON.parse(answer!.body).request_id))
    assert.equal(ids.size, 64, 'every answer has its own request id')
  })
})
