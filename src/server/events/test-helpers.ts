// Test helpers for sinks: backoff waits a test releases by hand, so retries happen when the test says, not after a sleep.

export class ManualSleeps {
  readonly waiting: (() => void)[] = []
  readonly sleep = (_ms: number) => new Promise<void>((resolve) => this.waiting.push(resolve))
  /** Resolves once the sink is waiting to retry (an attempt has failed). */
  async untilWaiting(): Promise<void> {
    while (this.waiting.length === 0) await new Promise((r) => setImmediate(r))
  }
  release(): void {
    for (const resolve of this.waiting.splice(0)) resolve()
  }
}
