// The jwt-login benchmark's setup: a JWKS served from this process, a jwt mount and role, and a batch of signed JWTs.
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import type { CofferFixture } from './coffer-fixture.ts'

/** Login bodies cycling through `count` JWTs (the batch travels in the load generator's argv, so it stays small). */
export async function prepareJwtLogin(f: CofferFixture, count = 200) {
  const { privateKey, publicKey } = await generateKeyPair('ES256')
  const jwk = { ...(await exportJWK(publicKey)), kid: 'bench', alg: 'ES256', use: 'sig' }
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ keys: [jwk] }))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`
  const issuer = 'https://gitlab.example'
  for (const [method, path, body] of [
    ['POST', 'sys/auth/jwt', { type: 'jwt' }],
    ['POST', 'auth/jwt/config', { jwks_url: jwksUrl, bound_issuer: issuer }],
    [
      'POST',
      'auth/jwt/role/bench',
      {
        role_type: 'jwt',
        user_claim: 'sub',
        bound_audiences: ['coffer'],
        bound_claims: { project_path: 'group/*' },
        bound_claims_type: 'glob',
        token_policies: ['bench'],
        token_ttl: '10m',
      },
    ],
  ] as const) {
    const res = await f.call(method, path, body, f.root)
    if (res.status !== 204) throw new Error(`${path}: ${res.status} ${res.text}`)
  }
  const now = Math.floor(Date.now() / 1000)
  const bodies: string[] = []
  for (let i = 0; i < count; i++) {
    const jwt = await new SignJWT({ sub: `job-${i}`, aud: 'coffer', project_path: 'group/app', ref: 'main' })
      .setProtectedHeader({ alg: 'ES256', kid: 'bench' })
      .setIssuer(issuer)
      .setIssuedAt(now)
      .setExpirationTime(now + 3600)
      .sign(privateKey)
    bodies.push(JSON.stringify({ role: 'bench', jwt }))
  }
  const first = await f.call('POST', 'auth/jwt/login', JSON.parse(bodies[0]!))
  if (first.status !== 200) throw new Error(`jwt login failed: ${first.status} ${first.text}`)
  return {
    bodies,
    response: first.text,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
