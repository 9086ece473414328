// CIDR lists (token_bound_cidrs, secret_id_bound_cidrs): validation and "is this address inside one of them".
import { BlockList, isIP } from 'node:net'

/** Splits "10.0.0.0/8" (or a bare address, meaning a single host) into its parts; undefined when malformed. */
function parseCidr(text: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } | undefined {
  const [address = '', prefixText, extra] = text.trim().split('/')
  if (extra !== undefined) return undefined
  const version = isIP(address)
  if (version === 0) return undefined
  const max = version === 4 ? 32 : 128
  const prefix = prefixText === undefined ? max : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : -1
  if (prefix < 0 || prefix > max) return undefined
  return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' }
}

/**
 * A block as Vault shows a bound CIDR it parsed (go-sockaddr's String): a single host without its /32 or /128,
 * anything else as given. Lookups and reads show this, so "127.0.0.1/32" reads back as "127.0.0.1".
 */
export function cidrText(cidr: string): string {
  const parsed = parseCidr(cidr)
  if (!parsed) return cidr
  return parsed.prefix === (parsed.family === 'ipv4' ? 32 : 128) ? parsed.address : cidr.trim()
}

/** The entries of `cidrs` that are not valid CIDR blocks or addresses (empty when all are valid). */
export function invalidCidrs(cidrs: readonly string[]): string[] {
  return cidrs.filter((cidr) => parseCidr(cidr) === undefined)
}

/** Strips the IPv4-mapped IPv6 form Node reports for IPv4 clients on a dual-stack socket ("::ffff:127.0.0.1"). */
function normalizeAddress(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)
  return mapped ? mapped[1]! : address
}

const compiled = new Map<string, BlockList>()

function blockListFor(cidrs: readonly string[]): BlockList {
  const cacheKey = cidrs.join(',')
  let list = compiled.get(cacheKey)
  if (!list) {
    list = new BlockList()
    for (const cidr of cidrs) {
      const parsed = parseCidr(cidr)
      if (parsed) list.addSubnet(parsed.address, parsed.prefix, parsed.family)
    }
    if (compiled.size >= 1024) compiled.clear()
    compiled.set(cacheKey, list)
  }
  return list
}

/** Whether `address` lies inside one of `cidrs`; an empty list allows everyone, an unparsable address no one. */
export function addressAllowed(address: string, cidrs: readonly string[] | undefined): boolean {
  if (!cidrs || cidrs.length === 0) return true
  const normalized = normalizeAddress(address)
  const version = isIP(normalized)
  if (version === 0) return false
  return blockListFor(cidrs).check(normalized, version === 4 ? 'ipv4' : 'ipv6')
}

/**
 * The blocks of `inner` not contained in any block of `outer`. A block lies within another when its prefix is
 * at least as long and its address is inside the other: every address of it then shares the outer prefix.
 */
export function cidrsOutside(inner: readonly string[], outer: readonly string[]): string[] {
  return inner.filter((cidr) => {
    const block = parseCidr(cidr)
    if (!block) return true
    return !outer.some((candidate) => {
      const container = parseCidr(candidate)
      return (
        container !== undefined &&
        container.family === block.family &&
        block.prefix >= container.prefix &&
        addressAllowed(block.address, [candidate])
      )
    })
  })
}
