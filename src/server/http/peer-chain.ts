// The client certificate chain of a TLS connection as PEM, leaf first, for the cert auth method to verify.
import { X509Certificate } from 'node:crypto'
import type { DetailedPeerCertificate, TLSSocket } from 'node:tls'

/** Longer chains than this are not followed: no real client sends one, and the walk must end. */
const MAX_CHAIN = 10

/** The certificates the client presented (Node links each to its issuer); empty when it sent none. */
export function peerChainPem(socket: TLSSocket): string[] {
  const chain: string[] = []
  const seen = new Set<string>()
  let cert: DetailedPeerCertificate | undefined = socket.getPeerCertificate(true)
  while (cert?.raw && chain.length < MAX_CHAIN) {
    const key = cert.raw.toString('base64')
    // A self-signed certificate is its own issuer: stop at the first repeat.
    if (seen.has(key)) break
    seen.add(key)
    chain.push(new X509Certificate(cert.raw).toString())
    cert = cert.issuerCertificate
  }
  return chain
}
