// A TCP proxy a test can cut and restore: a node behind it loses (and regains) its connections to a service.
import net from 'node:net'

export interface TcpProxy {
  /** host:port to connect to instead of the target. */
  port: number
  /** Drop every connection and refuse new ones (a partition). */
  cut(): void
  /** Accept connections again. */
  restore(): void
  close(): Promise<void>
}

export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  let open = true
  const sockets = new Set<net.Socket>()
  const server = net.createServer((inbound) => {
    if (!open) {
      inbound.destroy()
      return
    }
    const outbound = net.connect(targetPort, targetHost)
    sockets.add(inbound)
    sockets.add(outbound)
    const end = () => {
      inbound.destroy()
      outbound.destroy()
      sockets.delete(inbound)
      sockets.delete(outbound)
    }
    inbound.on('error', end).on('close', end)
    outbound.on('error', end).on('close', end)
    inbound.pipe(outbound)
    outbound.pipe(inbound)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as net.AddressInfo).port
  return {
    port,
    cut: () => {
      open = false
      for (const socket of sockets) socket.destroy()
      sockets.clear()
    },
    restore: () => {
      open = true
    },
    close: () =>
      new Promise((resolve) => {
        open = false
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}
