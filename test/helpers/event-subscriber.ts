// A WebSocket subscriber to sys/events/subscribe (Node's built-in WebSocket client), and a raw upgrade to read a refusal's status.
import http from 'node:http'
import https from 'node:https'

export interface Subscriber {
  /** The next event, in arrival order (parsed JSON envelope). */
  // biome-ignore lint/suspicious/noExplicitAny: tests read the event envelope's JSON
  next(): Promise<any>
  /** Resolves with the close code and reason once the server closes the stream. */
  closed: Promise<{ code: number; reason: string }>
  close(): void
}

export function subscribeUrl(address: string, eventType: string, query: Record<string, string> = {}): string {
  const params = new URLSearchParams({ json: 'true', ...query })
  return `${address.replace(/^http/, 'ws')}/v1/sys/events/subscribe/${eventType}?${params}`
}

/** Opens the stream and resolves once the server has accepted it (the subscription is live from then on). */
export function subscribe(
  address: string,
  eventType: string,
  token: string,
  query: Record<string, string> = {},
): Promise<Subscriber> {
  const socket = new WebSocket(subscribeUrl(address, eventType, query), {
    headers: { 'x-vault-token': token },
  } as unknown as string[])
  const queue: unknown[] = []
  const waiting: ((value: unknown) => void)[] = []
  socket.addEventListener('message', (message) => {
    const event = JSON.parse(String(message.data))
    const waiter = waiting.shift()
    if (waiter) waiter(event)
    else queue.push(event)
  })
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.addEventListener('close', (e) => resolve({ code: e.code, reason: e.reason })),
  )
  return new Promise((resolve, reject) => {
    socket.addEventListener('open', () =>
      resolve({
        next: () => (queue.length > 0 ? Promise.resolve(queue.shift()) : new Promise((r) => waiting.push(r))),
        closed,
        close: () => socket.close(),
      }),
    )
    socket.addEventListener('error', () => reject(new Error('the WebSocket was refused')))
  })
}

/** Attempt the upgrade by hand and return the refusal's status and JSON body (or 101 when accepted). */
export function upgradeAttempt(
  address: string,
  eventType: string,
  token: string,
  query: Record<string, string> = { json: 'true' },
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON error bodies
): Promise<{ status: number; body: any }> {
  const url = new URL(`${address}/v1/sys/events/subscribe/${eventType}?${new URLSearchParams(query)}`)
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': Buffer.alloc(16, 7).toString('base64'),
        'x-vault-token': token,
      },
    })
    req.on('upgrade', (_res, socket) => {
      socket.destroy()
      resolve({ status: 101, body: undefined })
    })
    req.on('response', (res) => {
      let text = ''
      res.on('data', (chunk) => {
        text += chunk
      })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }))
    })
    req.on('error', reject)
    req.end()
  })
}

/**
 * A subscription over wss:// trusting `ca` (Node's built-in WebSocket cannot be given a CA): the handshake by hand
 * and the server's unmasked text frames read from the socket. Resolves once the server has accepted it.
 */
export function subscribeTls(
  address: string,
  eventType: string,
  token: string,
  ca: string,
  // biome-ignore lint/suspicious/noExplicitAny: tests read the event envelope's JSON
): Promise<{ next(): Promise<any>; close(): void }> {
  const url = new URL(`${address}/v1/sys/events/subscribe/${eventType}?json=true`)
  return new Promise((resolve, reject) => {
    const req = https.request(url, {
      ca,
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': Buffer.alloc(16, 9).toString('base64'),
        'x-vault-token': token,
      },
    })
    req.on('upgrade', (_res, socket, head) => {
      let buffer = Buffer.from(head)
      const messages: string[] = []
      const waiting: ((text: string) => void)[] = []
      socket.on('data', (chunk: Buffer) => {
        buffer = Buffer.concat([buffer, chunk])
        for (;;) {
          if (buffer.length < 2) return
          let length = (buffer[1] as number) & 0x7f
          let offset = 2
          if (length === 126) {
            if (buffer.length < 4) return
            length = buffer.readUInt16BE(2)
            offset = 4
          } else if (length === 127) {
            if (buffer.length < 10) return
            length = Number(buffer.readBigUInt64BE(2))
            offset = 10
          }
          if (buffer.length < offset + length) return
          const opcode = (buffer[0] as number) & 0x0f
          const text = buffer.subarray(offset, offset + length).toString('utf8')
          buffer = buffer.subarray(offset + length)
          if (opcode !== 1) continue
          const waiter = waiting.shift()
          if (waiter) waiter(text)
          else messages.push(text)
        }
      })
      resolve({
        next: async () =>
          JSON.parse(
            messages.length > 0 ? messages.shift()! : await new Promise<string>((r) => waiting.push(r)),
          ),
        close: () => socket.destroy(),
      })
    })
    req.on('response', (res) => reject(new Error(`the upgrade was refused with ${res.statusCode}`)))
    req.on('error', reject)
    req.end()
  })
}
