// The source network an address belongs to (IPv4 /24, IPv6 /64 by default), as text, for new_source.
import { isIPv4, isIPv6 } from 'node:net'

/** "10.1.2.0/24" for 10.1.2.3 at 24; an IPv4-mapped IPv6 address counts as IPv4; anything unparsable is itself. */
export function networkOf(address: string, v4Prefix: number, v6Prefix: number): string {
  const mapped = address.startsWith('::ffff:') ? address.slice(7) : address
  if (isIPv4(mapped)) {
    const parts = mapped.split('.').map(Number)
    const value = ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0
    const mask = v4Prefix === 0 ? 0 : (0xffffffff << (32 - v4Prefix)) >>> 0
    const net = (value & mask) >>> 0
    return `${net >>> 24}.${(net >>> 16) & 255}.${(net >>> 8) & 255}.${net & 255}/${v4Prefix}`
  }
  if (isIPv6(address)) {
    const groups = expandV6(address)
    const kept: string[] = []
    for (let i = 0; i < 8; i++) {
      const bits = Math.max(0, Math.min(16, v6Prefix - i * 16))
      const mask = bits === 0 ? 0 : (0xffff << (16 - bits)) & 0xffff
      kept.push((groups[i]! & mask).toString(16))
    }
    return `${kept.join(':')}/${v6Prefix}`
  }
  return address
}

function expandV6(address: string): number[] {
  const [head, tail] = address.split('::') as [string, string | undefined]
  const parse = (text: string) => (text === '' ? [] : text.split(':').map((g) => Number.parseInt(g, 16) || 0))
  const front = parse(head)
  const back = tail === undefined ? [] : parse(tail)
  return [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back]
}
