// In process: @coffer/client's EventStream reopening subscriptions the server closed with 4001 (policies changed).
import assert from 'node:assert/strict'
import { afterEach, beforeEach, it, mock } from 'node:test'
import { EventStream } from '../../packages/client/src/events.ts'

/**
 * A stand-in for the global WebSocket: each one opens on the next microtask and is then closed by the "server"
 * with the code the test chooses, so no network and no real time are involved.
 */
class ScriptedSocket extends EventTarget {
  static made = 0
  static closeWith: number | undefined = 4001
  static latest: ScriptedSocket | undefined
  constructor(_url: string, _options?: unknown) {
    super()
    ScriptedSocket.made++
    ScriptedSocket.latest = this
    queueMicrotask(() => {
      this.dispatchEvent(new Event('open'))
      const code = ScriptedSocket.closeWith
      if (code !== undefined)
        queueMicrotask(() => this.dispatchEvent(Object.assign(new Event('close'), { code })))
    })
  }
  close(): void {}
}

const realWebSocket = globalThis.WebSocket

beforeEach(() => {
  ScriptedSocket.made = 0
  ScriptedSocket.closeWith = 4001
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 })
  ;(globalThis as { WebSocket: unknown }).WebSocket = ScriptedSocket
})

afterEach(() => {
  mock.timers.reset()
  ;(globalThis as { WebSocket: unknown }).WebSocket = realWebSocket
})

/** Let every queued microtask (and the ones they queue) run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 50; i++) await Promise.resolve()
}

it('a subscription the server keeps closing with 4001 as soon as it opens is reopened with backoff, not in a loop', async () => {
  const stream = new EventStream('http://127.0.0.1:1', async () => 'token', { types: ['kv*'] })
  let changes = 0
  stream.on('accessChanged', () => changes++)
  stream.start()
  await settle()
  // The first close is answered at once (reads are not served from memory until the new subscription opens); when
  // the new one is closed as quickly, the stream waits for a timer before opening again.
  assert.equal(ScriptedSocket.made, 2)
  assert.equal(changes, 2)
  await settle()
  assert.equal(ScriptedSocket.made, 2, 'no further connection without time passing')
  mock.timers.tick(250)
  await settle()
  assert.equal(ScriptedSocket.made, 3, 'reopened once the backoff (at most 250 ms) elapsed')
  // The waits grow: the next one waits between 250 and 500 ms.
  mock.timers.tick(240)
  await settle()
  assert.equal(ScriptedSocket.made, 3)
  mock.timers.tick(260)
  await settle()
  assert.equal(ScriptedSocket.made, 4)
  stream.close()
})

it('a subscription closed with 4001 after it had been open a while is reopened at once, every time', async () => {
  ScriptedSocket.closeWith = undefined
  const stream = new EventStream('http://127.0.0.1:1', async () => 'token', { types: ['kv*'] })
  stream.start()
  await settle()
  assert.equal(ScriptedSocket.made, 1)
  // Three policy changes, each a minute apart: each close is followed at once by a new subscription.
  for (let round = 0; round < 3; round++) {
    mock.timers.tick(60_000)
    const sockets: number = ScriptedSocket.made
    closeLatest(4001)
    await settle()
    assert.equal(ScriptedSocket.made, sockets + 1, `round ${round}: reopened without waiting`)
  }
  stream.close()
})

/** Close the newest socket the stream opened, as the server would. */
function closeLatest(code: number): void {
  const socket = ScriptedSocket.latest
  assert.ok(socket, 'a socket is open')
  socket.dispatchEvent(Object.assign(new Event('close'), { code }))
}
