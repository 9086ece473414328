// Drive a URL with wrk (Debian's package): a generated Lua script shapes each request; the text report is parsed.
// wrk is a C event loop with headroom to spare, so it measures the server, where a Node load generator on the
// same two cores saturates before a plain node:http server does.
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { LoadResult, LoadSpec } from './load.ts'

/** Whether a wrk binary answers on PATH. */
export function wrkAvailable(): boolean {
  const probe = spawnSync('wrk', ['--version'], { stdio: 'ignore' })
  return probe.error === undefined
}

/** A Lua string literal holding `text` exactly: a long bracket whose level the text does not contain. */
export function luaString(text: string): string {
  // Checked against the text plus one `]`, so a text ending in `]` cannot close the bracket early either.
  let level = 0
  while (`${text}]`.includes(`]${'='.repeat(level)}]`)) level++
  const eq = '='.repeat(level)
  // A long bracket drops a newline right after its opening, so one is added for text that starts with one.
  return `[${eq}[${text.startsWith('\n') ? '\n' : ''}${text}]${eq}]`
}

/**
 * The Lua script for `spec`: one request template; `[<id>]` in the path becomes a per-request counter (modulo
 * `idModulo`), and `bodies` are cycled one per request. Without either, the request is formatted once.
 */
export function wrkScript(spec: LoadSpec, pathTemplate: string, host: string): string {
  // wrk.format sends only the headers it is given: HTTP/1.1 needs Host (Node answers 400 without it).
  const headers: Record<string, string> = { host }
  // A signed request's own Host and Content-Type are part of its signature: keep them as given.
  for (const [name, value] of Object.entries(spec.headers ?? {})) headers[name.toLowerCase()] = value
  if ((spec.body !== undefined || spec.bodies) && headers['content-type'] === undefined)
    headers['content-type'] = 'application/json'
  const lines = [
    `local method = ${luaString(spec.method ?? 'GET')}`,
    `local template = ${luaString(pathTemplate)}`,
    'local headers = {}',
    // wrk.format adds its own Host unless the table has one under exactly 'Host': any other spelling made two.
    ...Object.entries(headers).map(
      ([k, v]) => `headers[ ${luaString(k === 'host' ? 'Host' : k)} ] = ${luaString(v)}`,
    ),
    `local body = ${spec.body === undefined ? 'nil' : luaString(spec.body)}`,
    `local bodies = {${(spec.bodies ?? []).map(luaString).join(',\n')}}`,
    `local modulo = ${spec.idModulo ?? 2 ** 52}`,
    'local counter = 0',
    'local dynamic = string.find(template, "[<id>]", 1, true) ~= nil or #bodies > 0',
    'local fixed = nil',
    'request = function()',
    '  if not dynamic then',
    '    if fixed == nil then fixed = wrk.format(method, template, headers, body) end',
    '    return fixed',
    '  end',
    '  local path = template',
    '  local start = string.find(path, "[<id>]", 1, true)',
    '  if start then path = string.sub(path, 1, start - 1) .. string.format("%d", counter % modulo) .. string.sub(path, start + 6) end',
    '  local b = body',
    '  if #bodies > 0 then b = bodies[(counter % #bodies) + 1] end',
    '  counter = counter + 1',
    '  return wrk.format(method, path, headers, b)',
    'end',
  ]
  return `${lines.join('\n')}\n`
}

/** Milliseconds from one of wrk's durations ("812.00us", "1.20ms", "2.01s"). */
export function wrkDuration(text: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text.trim())
  if (!m) throw new Error(`unreadable wrk duration "${text}"`)
  const value = Number(m[1])
  const scale = { us: 0.001, ms: 1, s: 1000, m: 60_000 }[m[2] as 'us' | 'ms' | 's' | 'm']
  return value * scale
}

/** The figures of wrk's `--latency` report. */
export function parseWrkReport(report: string): LoadResult {
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(report)
  if (!rps) throw new Error(`wrk printed no rate:\n${report.slice(0, 500)}`)
  const percentile = (p: number) => {
    const m = new RegExp(`^\\s+${p}%\\s+(\\S+)`, 'm').exec(report)
    return m ? wrkDuration(m[1]!) : Number.NaN
  }
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(report)
  const errors = socket ? socket.slice(1, 5).reduce((sum, n) => sum + Number(n), 0) : 0
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(report)?.[1] ?? 0)
  return { rps: Number(rps[1]), p50: percentile(50), p99: percentile(99), errors, non2xx }
}

/** Seconds of CPU (user + system) on the second line of bash's `times` output, which is its children's. */
export function childCpuSeconds(times: string): number | undefined {
  const line = times.trim().split('\n')[1]
  const parts = line ? [...line.matchAll(/(\d+)m([\d.]+)s/g)] : []
  if (parts.length !== 2) return undefined
  return parts.reduce((sum, m) => sum + Number(m[1]) * 60 + Number(m[2]), 0)
}

/** Run wrk with one thread (the machine has two cores; the server needs one) and `spec.connections`. */
export function runWrk(spec: LoadSpec): Promise<LoadResult> {
  const url = new URL(spec.url.replace('[<id>]', 'ID-PLACEHOLDER'))
  const pathTemplate = decodeURI(url.pathname + url.search).replace('ID-PLACEHOLDER', '[<id>]')
  const dir = mkdtempSync(join(tmpdir(), 'coffer-wrk-'))
  const script = join(dir, 'request.lua')
  writeFileSync(script, wrkScript(spec, pathTemplate, url.host))
  const args = ['-t1', `-c${spec.connections}`, `-d${spec.seconds}s`, '--latency', '-s', script, url.origin]
  // bash's `times` prints the CPU its children used: wrk's own share shows whether the generator had headroom.
  const wrapper = 'wrk "$@"; status=$?; echo "@@cpu"; times; exit $status'
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', wrapper, 'wrk', ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString()
    })
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString()
    })
    child.on('exit', (code) => {
      rmSync(dir, { recursive: true, force: true })
      // wrk reports a broken script on stderr and then runs its default GET /: never measure that.
      if (code !== 0 || err.trim() !== '')
        return reject(new Error(`wrk exited ${code}: ${err.slice(0, 500)}`))
      try {
        const [report = '', cpu = ''] = out.split('@@cpu')
        const used = childCpuSeconds(cpu)
        resolve({
          ...parseWrkReport(report),
          ...(used === undefined ? {} : { generatorCpu: used / spec.seconds }),
        })
      } catch (error) {
        reject(error)
      }
    })
  })
}
