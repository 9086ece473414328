// A local HTTPS stand-in for the Kubernetes TokenReview API: it signs service account tokens and reviews them.
import https from 'node:https'
import type { AddressInfo } from 'node:net'
import { type CryptoKey, exportSPKI, generateKeyPair, jwtVerify, SignJWT } from 'jose'

export interface ServiceAccountRef {
  namespace: string
  name: string
  uid: string
}

export interface TokenReviewServer {
  host: string
  /** PEM public key that signs the tokens (for pem_keys). */
  publicKeyPem: string
  reviewerJwt: string
  /** Each review's bearer token and whether it authenticated. */
  reviews: { bearer: string; authenticated: boolean; audiences: string[] | undefined }[]
  /** Tokens of deleted service accounts: the API says unauthenticated. */
  revoked: Set<string>
  /** A legacy (secret-based) service account token for `sa`. */
  legacyToken(sa: ServiceAccountRef, extra?: Record<string, unknown>): Promise<string>
  /** A projected token (nested kubernetes.io claim) with an audience and an expiry. */
  projectedToken(sa: ServiceAccountRef, audience: string, extra?: Record<string, unknown>): Promise<string>
  close(): Promise<void>
}

export async function startTokenReviewServer(tls: { key: string; cert: string }): Promise<TokenReviewServer> {
  const { privateKey, publicKey } = await generateKeyPair('RS256')
  const sign = (claims: Record<string, unknown>) =>
    new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'sa-key' }).sign(privateKey as CryptoKey)
  const server: TokenReviewServer = {
    host: '',
    publicKeyPem: await exportSPKI(publicKey),
    reviewerJwt: '',
    reviews: [],
    revoked: new Set(),
    legacyToken: (sa, extra = {}) =>
      sign({
        iss: 'kubernetes/serviceaccount',
        sub: `system:serviceaccount:${sa.namespace}:${sa.name}`,
        'kubernetes.io/serviceaccount/namespace': sa.namespace,
        'kubernetes.io/serviceaccount/secret.name': `${sa.name}-token-x1`,
        'kubernetes.io/serviceaccount/service-account.name': sa.name,
        'kubernetes.io/serviceaccount/service-account.uid': sa.uid,
        ...extra,
      }),
    projectedToken: (sa, audience, extra = {}) => {
      const now = Math.floor(Date.now() / 1000)
      return sign({
        aud: [audience],
        exp: now + 3600,
        iat: now,
        nbf: now,
        iss: 'https://kubernetes.default.svc.cluster.local',
        sub: `system:serviceaccount:${sa.namespace}:${sa.name}`,
        'kubernetes.io': {
          namespace: sa.namespace,
          pod: { name: `${sa.name}-pod`, uid: 'pod-uid' },
          serviceaccount: { name: sa.name, uid: sa.uid },
        },
        ...extra,
      })
    },
    close: () =>
      new Promise((resolve) => {
        srv.close(() => resolve())
        srv.closeAllConnections()
      }),
  }
  server.reviewerJwt = await sign({
    sub: 'system:serviceaccount:kube-system:token-reviewer',
    iss: 'kubernetes/serviceaccount',
  })

  /** Whether `token` is one we signed and not revoked; its claims if so. */
  const valid = async (token: string) => {
    if (server.revoked.has(token)) return undefined
    try {
      return (await jwtVerify(token, publicKey)).payload
    } catch {
      return undefined
    }
  }

  const srv = https.createServer({ key: tls.key, cert: tls.cert }, async (req, res) => {
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify(body))
    }
    if (req.url !== '/apis/authentication.k8s.io/v1/tokenreviews' || req.method !== 'POST')
      return json(404, { kind: 'Status' })
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const bearer = (req.headers.authorization ?? '').replace(/^Bearer /, '')
    // Like the API server: the caller must itself hold a valid token (the reviewer's, or the client's own).
    if (!(await valid(bearer)))
      return json(401, { kind: 'Status', status: 'Failure', reason: 'Unauthorized' })
    const review = JSON.parse(Buffer.concat(chunks).toString())
    const token = String(review?.spec?.token ?? '')
    const audiences: string[] | undefined = review?.spec?.audiences
    const claims = await valid(token)
    let status: Record<string, unknown> = {
      authenticated: false,
      error: '[invalid bearer token, token has been invalidated]',
    }
    if (claims) {
      const tokenAud = Array.isArray(claims.aud) ? claims.aud : claims.aud ? [claims.aud] : []
      const audOk =
        !audiences ||
        audiences.length === 0 ||
        tokenAud.length === 0 ||
        audiences.some((a) => tokenAud.includes(a))
      const nested = claims['kubernetes.io'] as
        | { namespace: string; serviceaccount: { name: string; uid: string } }
        | undefined
      const ns = nested?.namespace ?? String(claims['kubernetes.io/serviceaccount/namespace'])
      const name =
        nested?.serviceaccount.name ?? String(claims['kubernetes.io/serviceaccount/service-account.name'])
      const uid =
        nested?.serviceaccount.uid ?? String(claims['kubernetes.io/serviceaccount/service-account.uid'])
      status = audOk
        ? {
            authenticated: true,
            user: {
              username: `system:serviceaccount:${ns}:${name}`,
              uid,
              groups: ['system:serviceaccounts'],
            },
            audiences: audiences ?? tokenAud,
          }
        : { authenticated: false, error: '[invalid bearer token, token audiences are invalid]' }
    }
    server.reviews.push({ bearer, authenticated: status['authenticated'] === true, audiences })
    json(201, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: review.spec, status })
  })
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve))
  server.host = `https://127.0.0.1:${(srv.address() as AddressInfo).port}`
  return server
}
