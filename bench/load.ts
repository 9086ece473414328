// Drive a URL with the load generator (wrk when installed, else autocannon in its own process) and read back rates.
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { runWrk, wrkAvailable } from './wrk-runner.ts'

const RUNNER = fileURLToPath(new URL('./autocannon-runner.ts', import.meta.url))

export interface LoadResult {
  rps: number
  p50: number
  p99: number
  errors: number
  non2xx: number
  /** The load generator's CPU over the run, as a share of one core (1 = a core saturated); wrk only. */
  generatorCpu?: number
}

export interface LoadSpec {
  url: string
  method?: 'GET' | 'POST'
  body?: string
  /** Bodies to cycle through, one per request. */
  bodies?: string[]
  headers?: Record<string, string>
  connections: number
  seconds: number
  /**
   * `[<id>]` cycles through 0..idModulo-1 (paths seeded beforehand). Without it, `[<id>]` counts up behind a tag
   * drawn for this run, so no request of any run names a path an earlier run wrote.
   */
  idModulo?: number
}

/**
 * wrk when it is installed (Debian's package), unless BENCH_LOAD=autocannon: autocannon, a Node program on the
 * same two cores, saturates before a plain node:http server does and so understates every ratio's denominator.
 */
export const LOAD_GENERATOR: 'wrk' | 'autocannon' =
  process.env['BENCH_LOAD'] !== 'autocannon' && wrkAvailable() ? 'wrk' : 'autocannon'

export function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const run = { ...spec, url: taggedIds(spec) }
  return LOAD_GENERATOR === 'wrk' ? runWrk(run) : runAutocannon(run)
}

/**
 * The spec's URL with a tag of this run before `[<id>]` unless the ids cycle: both generators count from 0 on
 * every run, so a write scenario's rounds after its warm-up rewrote the warm-up's secrets (each write then paid
 * the reads of an update) where every request is meant to create a new one.
 */
export function taggedIds(spec: LoadSpec): string {
  if (spec.idModulo !== undefined || !spec.url.includes('[<id>]')) return spec.url
  return spec.url.replace('[<id>]', `${randomBytes(4).toString('hex')}-[<id>]`)
}

function runAutocannon(spec: LoadSpec): Promise<LoadResult> {
  const payload = JSON.stringify({ method: 'GET', headers: {}, ...spec })
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [RUNNER, payload], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString()
    })
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString()
    })
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`load generator exited ${code}: ${err.slice(0, 500)}`))
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
