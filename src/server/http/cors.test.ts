// The CORS layer in process: which settings apply (sealed, active, standby) and what each kind of request gets.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { SealedError } from '../../sdk/errors.ts'
import { corsSettings, STANDARD_ALLOWED_HEADERS } from '../core/cors-config.ts'
import type { UnsealedServices } from '../core/services.ts'
import { type CorsCore, corsSettingsOf, withCors } from './cors.ts'
import { type HttpRequest, jsonResult } from './http-types.ts'

const settings = corsSettings(['https://app.example'], ['X-Extra'])

function req(method: string, headers: Record<string, string>): HttpRequest {
  return { method, url: '/v1/sys/mounts', headers, body: Buffer.alloc(0), remoteAddress: '127.0.0.1' }
}

/** The inner handler: counts its calls and answers 200. */
function inner() {
  let calls = 0
  return {
    next: async () => {
      calls++
      return jsonResult(200, { ok: true })
    },
    calls: () => calls,
  }
}

describe('withCors', () => {
  it('passes requests through untouched when disabled, or without an Origin header', async () => {
    for (const [s, headers] of [
      [undefined, { origin: 'https://x.example' }],
      [corsSettings(['*'], []), {}],
      [{ enabled: false, allowedOrigins: [], allowedHeaders: [] }, { origin: 'https://x.example' }],
    ] as const) {
      const h = inner()
      const result = await withCors(s, req('GET', headers), h.next)
      assert.equal(h.calls(), 1)
      assert.equal(result.status, 200)
      assert.equal(result.headers['access-control-allow-origin'], undefined)
    }
  })

  it('refuses an origin not allowed with 403 before handling the request', async () => {
    const h = inner()
    const result = await withCors(settings, req('GET', { origin: 'https://evil.example' }), h.next)
    assert.equal(h.calls(), 0)
    assert.equal(result.status, 403)
    assert.equal(result.body, '{"errors":["origin not allowed"]}\n')
    // An origin that merely starts like an allowed one is not that origin.
    const lookalike = await withCors(settings, req('GET', { origin: 'https://app.example.evil' }), h.next)
    assert.equal(lookalike.status, 403)
  })

  it('names an allowed origin on the answer of the handled request', async () => {
    const h = inner()
    const result = await withCors(settings, req('GET', { origin: 'https://app.example' }), h.next)
    assert.equal(h.calls(), 1)
    assert.equal(result.status, 200)
    assert.equal(result.headers['access-control-allow-origin'], 'https://app.example')
    assert.equal(result.headers['vary'], 'Origin')
    assert.equal(result.headers['access-control-allow-methods'], undefined)
  })

  it('answers a preflight itself: 204 with methods, headers and max age; 405 for a method not served', async () => {
    const h = inner()
    const ok = await withCors(
      settings,
      req('OPTIONS', { origin: 'https://app.example', 'access-control-request-method': 'LIST' }),
      h.next,
    )
    assert.equal(h.calls(), 0)
    assert.equal(ok.status, 204)
    assert.deepEqual(ok.headers, {
      'cache-control': 'no-store',
      'access-control-allow-origin': 'https://app.example',
      vary: 'Origin',
      'access-control-allow-methods': 'DELETE,GET,OPTIONS,POST,PUT,LIST',
      'access-control-allow-headers': [...STANDARD_ALLOWED_HEADERS, 'X-Extra'].join(','),
      'access-control-max-age': '300',
    })
    for (const method of ['PATCH', 'get', '']) {
      const refused = await withCors(
        settings,
        req('OPTIONS', { origin: 'https://app.example', 'access-control-request-method': method }),
        h.next,
      )
      assert.equal(refused.status, 405, method)
      assert.equal(refused.headers['access-control-allow-origin'], undefined)
    }
    assert.equal(h.calls(), 0)
  })

  it('the wildcard allows any origin, and the answer names that origin', async () => {
    const h = inner()
    const result = await withCors(
      corsSettings(['*'], []),
      req('GET', { origin: 'https://any.example' }),
      h.next,
    )
    assert.equal(result.headers['access-control-allow-origin'], 'https://any.example')
  })
})

describe('corsSettingsOf', () => {
  const services = { cors: { current: settings } } as unknown as UnsealedServices
  const base = { sealed: false, standby: false, standbyReader: undefined, services }

  it('applies none while sealed, and none when the services record is gone mid-seal', async () => {
    assert.equal(await corsSettingsOf({ ...base, sealed: true } as unknown as CorsCore), undefined)
    const going = {
      ...base,
      get services(): UnsealedServices {
        throw new SealedError()
      },
    }
    assert.equal(await corsSettingsOf(going as unknown as CorsCore), undefined)
  })

  it("applies the active node's settings", async () => {
    assert.equal(await corsSettingsOf(base as unknown as CorsCore), settings)
  })

  it("a standby applies its own services' settings after catching up, and none when it has no services", async () => {
    const events: string[] = []
    const reader = {
      services,
      sync: async () => void events.push('synced'),
    }
    const standby = { ...base, standby: true, standbyReader: reader }
    assert.equal(await corsSettingsOf(standby as unknown as CorsCore), settings)
    assert.deepEqual(events, ['synced'])
    const bare = { ...base, standby: true, standbyReader: { services: undefined, sync: async () => {} } }
    assert.equal(await corsSettingsOf(bare as unknown as CorsCore), undefined)
    const failing = {
      ...base,
      standby: true,
      standbyReader: {
        services,
        sync: async () => {
          throw new Error('change log unreachable')
        },
      },
    }
    assert.equal(await corsSettingsOf(failing as unknown as CorsCore), undefined)
  })
})
