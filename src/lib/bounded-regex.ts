// A caller's regular expression tested within a time budget: JavaScript's regexps backtrack, so a short pattern can run for hours.
import vm from 'node:vm'

/**
 * Far more than an honest pattern needs on a value of a few KiB (microseconds), and the longest a hostile one
 * (`^(a+)+$` against "aaa…!") holds the event loop: the test runs on it, and V8 interrupts the match at the limit.
 */
export const REGEX_BUDGET_MS = 250

const TEST = new vm.Script('pattern.test(value)')
/** One bare context, reused: a run is synchronous, so no two runs share it at once. */
let context: vm.Context | undefined

/** Whether `value` matches `pattern`; undefined when the match did not finish within `budgetMs`. */
export function boundedTest(pattern: RegExp, value: string, budgetMs = REGEX_BUDGET_MS): boolean | undefined {
  context ??= vm.createContext(Object.create(null))
  context['pattern'] = pattern
  context['value'] = value
  try {
    return TEST.runInContext(context, { timeout: budgetMs }) === true
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') return undefined
    throw error
  } finally {
    // Neither the pattern nor the value (a secret, for a SecureString) outlives the call.
    context['pattern'] = undefined
    context['value'] = undefined
  }
}
