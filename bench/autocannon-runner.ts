// Runs in its own process: autocannon driven from the spec in argv, printing its JSON result on stdout.
// `[<id>]` in the path becomes a per-request counter (autocannon's own -I only rewrites bodies correctly).
import autocannon from 'autocannon'

const spec = JSON.parse(process.argv[2] ?? '{}') as {
  url: string
  method: string
  body?: string
  /** Bodies to cycle through, one per request (each login its own JWT). */
  bodies?: string[]
  headers: Record<string, string>
  connections: number
  seconds: number
  /** `[<id>]` cycles through 0..idModulo-1 instead of counting up forever. */
  idModulo?: number
}
const url = new URL(spec.url.replace('[<id>]', 'ID-PLACEHOLDER'))
const pathTemplate = decodeURI(url.pathname + url.search).replace('ID-PLACEHOLDER', '[<id>]')
let counter = 0
const request: autocannon.Request = {
  method: spec.method as autocannon.Request['method'],
  path: pathTemplate,
  headers: { ...spec.headers, ...(spec.body === undefined ? {} : { 'content-type': 'application/json' }) },
  ...(spec.body === undefined ? {} : { body: spec.body }),
}
// A per-request hook slows autocannon itself, so it is used only when the path must change per request.
if (pathTemplate.includes('[<id>]')) {
  const modulo = spec.idModulo ?? Number.MAX_SAFE_INTEGER
  request.setupRequest = (req) => ({
    ...req,
    path: pathTemplate.replace('[<id>]', String(counter++ % modulo)),
  })
}
// Bodies and a per-request path are not combined: no scenario needs both.
if (spec.bodies && spec.bodies.length > 0) {
  const bodies = spec.bodies
  request.setupRequest = (req) => ({ ...req, body: bodies[counter++ % bodies.length]! })
}
const result = await autocannon({
  url: url.origin,
  connections: spec.connections,
  duration: spec.seconds,
  requests: [request],
})
process.stdout.write(JSON.stringify(result))
