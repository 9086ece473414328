// Shannon entropy and character-class helpers used to tell random values from words.

/** Bits per character of the string's own character distribution. */
export function shannonEntropy(value: string): number {
  if (value.length === 0) return 0
  const counts = new Map<number, number>()
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i)
    counts.set(c, (counts.get(c) ?? 0) + 1)
  }
  let bits = 0
  for (const n of counts.values()) {
    const p = n / value.length
    bits -= p * Math.log2(p)
  }
  return bits
}

/** How many of lower, upper, digit and other appear. */
export function charClasses(value: string): number {
  let classes = 0
  if (/[a-z]/.test(value)) classes++
  if (/[A-Z]/.test(value)) classes++
  if (/[0-9]/.test(value)) classes++
  if (/[^A-Za-z0-9]/.test(value)) classes++
  return classes
}
