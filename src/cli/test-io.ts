// Test helpers: capture CLI output and run a scripted HTTP server on 127.0.0.1.
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { Readable } from 'node:stream'
import type { CliIo } from './context.ts'
import { runCli } from './main.ts'

export interface RunResult {
  code: number
  stdout: string
  stderr: string
}

export async function run(
  args: string[],
  io: Omit<CliIo, 'stdout' | 'stderr' | 'stdin'> & { stdin?: string } = {},
): Promise<RunResult> {
  let stdout = ''
  let stderr = ''
  const { stdin, ...rest } = io
  const code = await runCli(args, {
    env: {},
    homeDir: '/nonexistent-home',
    ...rest,
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
    stdin: Readable.from(stdin === undefined ? [] : [stdin]),
  })
  return { code, stdout, stderr }
}

export interface SeenRequest {
  method: string
  path: string
  query: URLSearchParams
  headers: http.IncomingHttpHeaders
  body: unknown
}

export type Handler = (req: SeenRequest) => { status: number; body?: unknown }

export async function fakeServer(
  handler: Handler,
): Promise<{ address: string; seen: SeenRequest[]; close(): Promise<void> }> {
  const seen: SeenRequest[] = []
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x')
      const text = Buffer.concat(chunks).toString()
      const entry: SeenRequest = {
        method: req.method ?? '',
        path: url.pathname.replace(/^\/v1\//, ''),
        query: url.searchParams,
        headers: req.headers,
        body: text === '' ? undefined : JSON.parse(text),
      }
      seen.push(entry)
      const reply = handler(entry)
      if (reply.body === undefined) res.writeHead(reply.status).end()
      else res.writeHead(reply.status, { 'Content-Type': 'application/json' }).end(JSON.stringify(reply.body))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    address: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
