// CORS on the Vault front door: refuse origins not allowed, answer preflights, and mark allowed answers (sys/config/cors).

import type { Core } from '../core/core.ts'
import { CORS_ALLOWED_METHODS, type CorsSettings, originAllowed } from '../core/cors-config.ts'
import { emptyResult, type HttpRequest, type HttpResult, jsonResult } from './http-types.ts'
import { header } from './parse-request.ts'

/** What the CORS layer reads of the core: whether it is sealed or a standby, and where the settings are. */
export type CorsCore = Pick<Core, 'sealed' | 'services' | 'standby' | 'standbyReader'>

/**
 * The settings that apply to a request now; undefined while sealed (no services, so no CORS headers) or on a
 * standby that has no services of its own (it forwards, and the active node's answer carries the headers).
 */
export async function corsSettingsOf(core: CorsCore): Promise<CorsSettings | undefined> {
  if (core.sealed) return undefined
  if (core.standby) {
    const reader = core.standbyReader
    if (reader?.services === undefined) return undefined
    try {
      // Changes the active node acknowledged before this request arrived are seen, as for the reads it serves.
      await reader.sync()
    } catch {
      return undefined
    }
    return reader.services?.cors.current
  }
  try {
    return core.services.cors.current
  } catch {
    // Being sealed right now: no services record.
    return undefined
  }
}

/**
 * Vault's CORS handler (wrapCORSHandler), in front of everything else. Without enabled settings or an Origin header
 * the request goes on untouched. An origin not allowed is a 403; a preflight is answered here (never authenticated
 * or audited, as a browser sends no token with it), a 405 when it asks for a method Vault does not serve; any other
 * request from an allowed origin is handled as usual and its answer names the origin.
 */
export async function withCors(
  settings: CorsSettings | undefined,
  req: HttpRequest,
  next: () => Promise<HttpResult>,
): Promise<HttpResult> {
  const origin = header(req, 'origin')
  if (settings === undefined || !settings.enabled || origin === '') return next()
  if (!originAllowed(settings, origin)) return jsonResult(403, { errors: ['origin not allowed'] })
  const allowed = { 'access-control-allow-origin': origin, vary: 'Origin' }
  if (req.method === 'OPTIONS') {
    if (!CORS_ALLOWED_METHODS.includes(header(req, 'access-control-request-method'))) return emptyResult(405)
    const result = emptyResult(204)
    return {
      ...result,
      headers: {
        ...result.headers,
        ...allowed,
        'access-control-allow-methods': CORS_ALLOWED_METHODS.join(','),
        'access-control-allow-headers': settings.allowedHeaders.join(','),
        'access-control-max-age': '300',
      },
    }
  }
  const result = await next()
  return { ...result, headers: { ...result.headers, ...allowed } }
}
