// Store a key as an own data property, so user-chosen names like "__proto__" stay plain data.

/** `target[key] = value` without the prototype chain: assigning "__proto__" would set the prototype and drop the key. */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true })
}

/** `target[key]` when it is the target's own key, so "__proto__" never reads the prototype. */
export function getOwn(target: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(target, key) ? target[key] : undefined
}
