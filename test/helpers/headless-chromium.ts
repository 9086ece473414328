// Opens an HTML file in headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core) and reports what the browser built from it.
import { existsSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import { chromium } from 'playwright-core'
import type { Requirement } from './requirements.ts'

export const CHROMIUM_PATH = '/usr/bin/chromium'

export const CHROMIUM: Requirement = {
  name: 'Chromium',
  missing: async () =>
    existsSync(CHROMIUM_PATH) ? undefined : `${CHROMIUM_PATH} is not installed (apt-get install chromium)`,
}

/** What the page holds once Chromium parsed it: counted in the live DOM, not in the HTML text. */
export interface RenderedPage {
  /** `<svg class="chart">` elements, and for each its `rect.bar` count. */
  charts: { title: string; bars: number }[]
  tables: number
  /** Script elements and elements with an inline event handler attribute: both must be 0. */
  scripts: number
  handlers: number
  sections: string[]
}

const COLLECT = `(() => {
  const all = [...document.querySelectorAll('*')]
  return {
    charts: [...document.querySelectorAll('svg.chart')].map((svg) => ({
      title: svg.getAttribute('aria-label') ?? '',
      bars: svg.querySelectorAll('rect.bar').length,
    })),
    tables: document.querySelectorAll('table').length,
    scripts: document.querySelectorAll('script').length,
    handlers: all.filter((el) => [...el.attributes].some((a) => a.name.startsWith('on'))).length,
    sections: [...document.querySelectorAll('section')].map((s) => s.id),
  }
})()`

/** Opens `file` in Debian's Chromium driven by playwright-core and counts what the live DOM holds. */
export async function renderInChromium(file: string): Promise<RenderedPage> {
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--no-sandbox'] })
  try {
    const page = await browser.newPage()
    await page.goto(pathToFileURL(file).href)
    return (await page.evaluate(COLLECT)) as RenderedPage
  } finally {
    await browser.close()
  }
}
