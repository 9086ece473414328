// Pipelined requests on one connection are taken on a few at a time, so a client that never reads its answers cannot make the server hold more than a few.
import type { ServerResponse } from 'node:http'
import type { Socket } from 'node:net'

/**
 * Requests of one connection handled at once: each holds its answer in memory until the client has taken it. Go's
 * server (and so Vault) handles one at a time; a few more keep a pipelining client's answers flowing.
 */
export const HANDLED_AT_ONCE = 32
/**
 * Requests parsed but not yet taken on. Node stops reading a connection once its answers back up, but not while
 * they are still being worked out, so a client can pile up requests behind slow ones; past this many it is cut off.
 */
export const WAITING_AT_MOST = 2048

interface Backlog {
  handling: number
  waiting: Array<() => void>
}

const backlogs = new WeakMap<Socket, Backlog>()

/**
 * Run `start` for the request answered by `res` now, or once enough of the connection's earlier answers have gone
 * (node:http keeps the answers in request order whatever order they are written in).
 */
export function admit(socket: Socket, res: ServerResponse, start: () => void): void {
  let backlog = backlogs.get(socket)
  if (backlog === undefined) {
    backlog = { handling: 0, waiting: [] }
    backlogs.set(socket, backlog)
  }
  const run = (): void => {
    backlog.handling++
    // 'close' follows 'finish', and comes also for an answer the connection's end abandoned.
    res.once('close', () => {
      backlog.handling--
      backlog.waiting.shift()?.()
    })
    start()
  }
  if (backlog.handling < HANDLED_AT_ONCE) {
    run()
    return
  }
  if (backlog.waiting.length >= WAITING_AT_MOST) {
    socket.destroy()
    return
  }
  backlog.waiting.push(run)
}
