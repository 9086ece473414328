// Answers an engine hands out again and again unchanged (a hot secret's value): deeply frozen, and marked so that an
// adapter may remember each one's encoded text instead of serialising it on every request.

/** Answers marked by `sharedAnswer`: deeply frozen, so their encoding never changes. */
const shared = new WeakSet<object>()

/** Deep-freezes `answer` and marks it as shared; the same object must then be returned for the same state. */
export function sharedAnswer<T extends object>(answer: T): T {
  deepFreeze(answer)
  shared.add(answer)
  return answer
}

/** Whether `value` was made by `sharedAnswer` (and is therefore deeply frozen). */
export function isSharedAnswer(value: unknown): value is object {
  return typeof value === 'object' && value !== null && shared.has(value)
}

function deepFreeze(value: unknown): void {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return
  for (const child of Object.values(value)) deepFreeze(child)
  Object.freeze(value)
}
