// Drive a URL with autocannon in its own process and read back requests/s and latency percentiles.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const AUTOCANNON = fileURLToPath(new URL('../node_modules/autocannon/autocannon.js', import.meta.url))

export interface LoadResult {
  rps: number
  p50: number
  p99: number
  errors: number
  non2xx: number
}

export interface LoadSpec {
  url: string
  method?: 'GET' | 'POST'
  body?: string
  headers?: Record<string, string>
  connections: number
  seconds: number
}

export function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const args = [AUTOCANNON, '-j', '-c', String(spec.connections), '-d', String(spec.seconds), '-m', spec.method ?? 'GET']
  for (const [name, value] of Object.entries(spec.headers ?? {})) args.push('-H', `${name}=${value}`)
  if (spec.body !== undefined) args.push('-b', spec.body, '-H', 'content-type=application/json')
  args.push(spec.url)
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString()
    })
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString()
    })
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`autocannon exited ${code}: ${err.slice(0, 500)}`))
      const result = JSON.parse(out)
      resolve({
        rps: result.requests.average,
        p50: result.latency.p50,
        p99: result.latency.p99,
        errors: result.errors,
        non2xx: result.non2xx,
      })
    })
  })
}
