// Pipelined requests on one connection are taken on a few at a time, so a client that never reads its answers cannot make the server hold more than a few, and none behind a refusal that ends the connection.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'

/**
 * Requests of one connection handled at once: each holds its answer in memory until the client has taken it. Go's
 * server (and so Vault) handles one at a time; a few more keep a pipelining client's answers flowing.
 */
export const HANDLED_AT_ONCE = 8
/**
 * Requests parsed but not yet taken on. Node stops reading a connection once its answers back up, but not while
 * they are still being worked out, so a client can pile up requests behind slow ones; past this many it is cut off.
 */
export const WAITING_AT_MOST = 2048

type Start = (req: IncomingMessage, res: ServerResponse) => void

interface Backlog {
  handling: number
  waiting: Array<[IncomingMessage, ServerResponse, Start]>
}

const backlogs = new WeakMap<Socket, Backlog>()
const backlogOf = new WeakMap<ServerResponse, Backlog>()

/**
 * Connections that take no more requests: one was refused in a way that ends the connection (a head or body
 * that cannot be trusted, any refusal sent with Connection: close). Node's parser reads on and hands over
 * the requests pipelined behind it, and a proxy in front may frame those bytes otherwise than Node did (the
 * smuggling setup); none of them is run. The count is of those dropped, so a client cannot pile them up.
 */
const ending = new WeakMap<Socket, number>()

/**
 * Take no request parsed from now on off this connection: it ends once the answers already under way are out.
 * `alsoWaiting` for a refusal that comes while a request is being handled (its body too large, or unreadable):
 * every request still waiting its turn was parsed after that one, behind the refused body, and is dropped too.
 * A refusal of a head as the parser hands it over keeps them: they came before it.
 */
export function takeNoMore(socket: Socket, alsoWaiting = false): void {
  if (!ending.has(socket)) ending.set(socket, 0)
  if (!alsoWaiting) return
  const backlog = backlogs.get(socket)
  if (backlog !== undefined) backlog.waiting.length = 0
}

/** Whether the connection takes no more requests (see takeNoMore). */
export function takesNoMore(socket: Socket): boolean {
  return ending.has(socket)
}

/**
 * Run `start(req, res)` now, or once enough of the connection's earlier answers have gone (node:http keeps the
 * answers in request order whatever order they are written in).
 */
export function admit(req: IncomingMessage, res: ServerResponse, start: Start): void {
  const socket = req.socket
  const dropped = ending.get(socket)
  if (dropped !== undefined) {
    // Never answered: the connection closes after the refusal, before this request's turn to be answered comes.
    if (dropped >= WAITING_AT_MOST) socket.destroy()
    else ending.set(socket, dropped + 1)
    return
  }
  let backlog = backlogs.get(socket)
  if (backlog === undefined) {
    backlog = { handling: 0, waiting: [] }
    backlogs.set(socket, backlog)
  }
  if (backlog.handling < HANDLED_AT_ONCE) {
    begin(backlog, req, res, start)
    return
  }
  if (backlog.waiting.length >= WAITING_AT_MOST) {
    socket.destroy()
    return
  }
  backlog.waiting.push([req, res, start])
}

function begin(backlog: Backlog, req: IncomingMessage, res: ServerResponse, start: Start): void {
  backlog.handling++
  backlogOf.set(res, backlog)
  // 'close' follows 'finish', and comes also for an answer the connection's end abandoned.
  res.once('close', answered)
  start(req, res)
}

function answered(this: ServerResponse): void {
  const backlog = backlogOf.get(this)
  if (backlog === undefined) return
  backlog.handling--
  const next = backlog.waiting.shift()
  if (next !== undefined) begin(backlog, ...next)
}
