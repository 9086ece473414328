// A sleep that another part of the agent can cut short (a new token, a stop request).

/** A sleep that `wake()` cuts short. */
export class Alarm {
  #wake: (() => void) | undefined
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms)
      const self = this
      function done() {
        clearTimeout(timer)
        self.#wake = undefined
        resolve()
      }
      this.#wake = done
    })
  }
  wake(): void {
    this.#wake?.()
  }
}
