// Socket audit device: TCP, unix and UDP round trips, reconnects, and a peer that stops reading.
import assert from 'node:assert/strict'
import { createSocket } from 'node:dgram'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { track, turns } from '../../../../test/helpers/gates.ts'
import { AuditDeviceError, AuditDeviceTimeoutError } from './device.ts'
import { createSocketDevice, parseHostPort } from './socket-device.ts'

const root = mkdtempSync(join(tmpdir(), 'coffer-audit-socket-'))
after(() => rmSync(root, { recursive: true, force: true }))
const TIMEOUT_MS = 150

interface Collector {
  readonly server: Server
  /** What each accepted connection received, in accept order. */
  readonly connections: string[]
  readonly sockets: Socket[]
  received(): string
  /** Resolves once `lines` complete lines have arrived in total. */
  next(lines: number): Promise<void>
}

function collector(): Collector {
  const connections: string[] = []
  const sockets: Socket[] = []
  const waiters: { n: number; resolve: () => void }[] = []
  const lineCount = (): number => connections.join('').split('\n').length - 1
  const server = createServer((socket: Socket) => {
    const index = connections.push('') - 1
    sockets.push(socket)
    socket.setEncoding('utf8').on('data', (chunk: string) => {
      connections[index] += chunk
      for (const waiter of waiters.filter((w) => lineCount() >= w.n)) waiter.resolve()
    })
  })
  return {
    server,
    connections,
    sockets,
    received: () => connections.join(''),
    next: (n) =>
      new Promise<void>((resolve) => {
        if (lineCount() >= n) resolve()
        else waiters.push({ n, resolve })
      }),
  }
}

async function listenTcp(server: Server): Promise<string> {
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  assert.ok(address !== null && typeof address === 'object')
  return `127.0.0.1:${address.port}`
}

describe('socket audit device', () => {
  it('parses Vault-style addresses', () => {
    assert.deepEqual(parseHostPort('t', '127.0.0.1:9090'), { host: '127.0.0.1', port: 9090 })
    assert.deepEqual(parseHostPort('t', '[::1]:9090'), { host: '::1', port: 9090 })
    assert.throws(() => parseHostPort('t', 'localhost'), AuditDeviceError)
    assert.throws(() => parseHostPort('t', 'localhost:70000'), AuditDeviceError)
    assert.throws(() => createSocketDevice({ address: 'nope' }), /host:port/)
  })

  it('sends newline-terminated lines over TCP, connecting lazily', async () => {
    const { server, connections, received, next } = collector()
    const address = await listenTcp(server)
    const device = createSocketDevice({ address, socketType: 'tcp', writeTimeoutMs: 1000 })
    assert.equal(device.type, 'socket')
    assert.equal(connections.length, 0, 'no connection before the first entry')
    await device.write(['{"a":1}', '{"b":2}'])
    await device.write(['{"c":3}'])
    await next(3)
    assert.equal(received(), '{"a":1}\n{"b":2}\n{"c":3}\n')
    assert.equal(connections.length, 1)
    await device.close()
    server.close()
  })

  it('reconnects after the collector drops the connection and after reopen()', async () => {
    const { server, connections, sockets, next } = collector()
    const address = await listenTcp(server)
    const device = createSocketDevice({ address, writeTimeoutMs: 1000 })
    await device.write(['{"n":1}'])
    await next(1)
    const first = sockets[0]!
    first.destroy()
    await once(first, 'close')
    // Two turns of the loop let the device's socket read the FIN the kernel already delivered;
    // a line written before that would vanish into the closed connection, as it would with Vault.
    await new Promise((resolve) => setImmediate(resolve))
    await new Promise((resolve) => setImmediate(resolve))
    await device.write(['{"n":2}'])
    await next(2)
    await device.reopen()
    await device.write(['{"n":3}'])
    await next(3)
    assert.equal(connections.join(''), '{"n":1}\n{"n":2}\n{"n":3}\n')
    assert.deepEqual(connections, ['{"n":1}\n', '{"n":2}\n', '{"n":3}\n'], 'one connection per phase')
    await device.close()
    server.close()
  })

  it('rejects clearly when nothing listens, and works once the collector is up', async () => {
    const { server, received, next } = collector()
    const address = await listenTcp(server)
    server.close()
    await once(server, 'close')
    const device = createSocketDevice({ address, writeTimeoutMs: 1000 })
    await assert.rejects(device.write(['{"secret":"s3cr3t"}']), (err: unknown) => {
      assert.ok(err instanceof AuditDeviceError)
      assert.equal(err.code, 'ECONNREFUSED')
      assert.match(err.message, /cannot connect: connection refused/)
      assert.ok(!err.message.includes('s3cr3t'))
      return true
    })
    server.listen(Number(address.split(':')[1]), '127.0.0.1')
    await once(server, 'listening')
    await device.write(['{"up":true}'])
    await next(1)
    assert.equal(received(), '{"up":true}\n')
    await device.close()
    server.close()
  })

  it('times out at its deadline when the peer stops reading, then writes on a fresh connection', async (t) => {
    const accepted: Socket[] = []
    // pauseOnConnect: the collector accepts and never reads, so the kernel buffers fill up.
    const server = createServer({ pauseOnConnect: true }, (socket) => accepted.push(socket))
    const address = await listenTcp(server)
    t.mock.timers.enable({ apis: ['setTimeout'] })
    const device = createSocketDevice({ address, writeTimeoutMs: TIMEOUT_MS, maxQueuedBytes: 1024 ** 3 })
    // Far more than the send and receive buffers of a loopback connection hold together: it cannot complete.
    const stuck = track(device.write(['x'.repeat(64 * 1024 * 1024)]))
    await turns()
    t.mock.timers.tick(TIMEOUT_MS - 1)
    await turns()
    assert.equal(stuck.state, 'pending', 'not failed before its deadline')
    t.mock.timers.tick(1)
    await assert.rejects(stuck.promise, AuditDeviceTimeoutError)

    const reconnected = once(server, 'connection')
    await device.write(['{"later":true}'])
    await reconnected
    assert.equal(accepted.length, 2, 'the stuck connection was replaced')
    await device.close()
    for (const socket of accepted) socket.destroy()
    server.close()
  })

  it('round-trips over a unix socket', async () => {
    const { server, received, next } = collector()
    const path = join(root, 'collector.sock')
    server.listen(path)
    await once(server, 'listening')
    const device = createSocketDevice({ address: path, socketType: 'unix' })
    await device.write(['{"unix":1}', '{"unix":2}'])
    await next(2)
    assert.equal(received(), '{"unix":1}\n{"unix":2}\n')
    await device.close()
    server.close()
  })

  it('sends one UDP datagram per line', async () => {
    const receiver = createSocket('udp4')
    receiver.bind(0, '127.0.0.1')
    await once(receiver, 'listening')
    const datagrams: string[] = []
    const got = new Promise<void>((resolve) =>
      receiver.on('message', (msg) => {
        datagrams.push(msg.toString('utf8'))
        if (datagrams.length === 3) resolve()
      }),
    )
    const device = createSocketDevice({ address: `127.0.0.1:${receiver.address().port}`, socketType: 'udp' })
    await device.write(['{"u":1}', '{"u":2}'])
    await device.write(['{"u":3}'])
    await got
    assert.deepEqual(datagrams, ['{"u":1}\n', '{"u":2}\n', '{"u":3}\n'])
    await assert.rejects(device.write(['x'.repeat(70_000)]), /too large for one datagram \(EMSGSIZE\)/)
    await device.close()
    receiver.close()
  })

  it('rejects writes after close', async () => {
    const device = createSocketDevice({ address: '127.0.0.1:9', socketType: 'tcp' })
    await device.close()
    await assert.rejects(device.write(['{}']), /closed/)
  })
})
