// Shared helpers of the end-to-end specs (ui/e2e/*.e2e.mjs): the WebDriver session on the real app window and the
// gestures an officer makes. Each spec is its own process and its own app session; run.mjs runs them in order.
//
// Environment read here:
//   FIELDTRAIL_APP     path of the app binary (required)
//   E2E_SCREENSHOTS    directory for the screenshots (required by shot())
//   TAURI_DRIVER_PORT  tauri-driver's port (default 4444)
//   E2E_FAILURE_DIR    where a failure's screenshot goes (default: the system's temporary directory)
import { mkdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { remote } from 'webdriverio'

export function required(name) {
  const value = process.env[name]
  if (!value) throw new Error(`${name} is not set`)
  return value
}

const application = required('FIELDTRAIL_APP')
export const OFFICER_1 = { number: '15080001', name: '张三', pin: '482913' }
export const OFFICER_2 = { number: '15080002', name: '李四', pin: '739251' }

export let browser

/** Starts the app in a new WebDriver session (tauri-driver starts the binary); every spec calls it first. */
export async function openApp() {
  browser = await remote({
  hostname: '127.0.0.1',
  port: Number(process.env.TAURI_DRIVER_PORT ?? 4444),
  logLevel: 'warn',
  connectionRetryCount: 3,
  capabilities: {
    'tauri:options': { application },
    // WebKitWebDriver speaks classic WebDriver only.
    'wdio:enforceWebDriverClassic': true,
  },
})
  await browser.setWindowSize(1280, 800).catch(() => {})
  return browser
}

export const $ = (selector) => browser.$(selector)
export const byTest = (id) => `[data-testid="${id}"]`
export const step = (text) => console.log(`- ${text}`)

export async function shot(name, { portrait = false } = {}) {
  await browser.pause(400) // let transitions settle
  const shots = required('E2E_SCREENSHOTS')
  mkdirSync(shots, { recursive: true })
  await browser.saveScreenshot(join(shots, `${name}.png`))
  console.log(`  saved ${name}.png`)
  if (portrait) {
    await browser.setWindowSize(800, 1280)
    await browser.pause(600)
    await browser.saveScreenshot(join(shots, `${name}-portrait.png`))
    console.log(`  saved ${name}-portrait.png`)
    await browser.setWindowSize(1280, 800)
    await browser.pause(400)
  }
}

export async function click(selector) {
  const el = await $(selector)
  await el.waitForClickable({ timeout: 15_000, timeoutMsg: `${selector} is not clickable` })
  await el.click()
}

/** Clicks the displayed one of the elements `selector` matches (a dialog once opened stays in the page, hidden). */
export async function clickShown(selector) {
  let shown
  await until(async () => {
    for (const el of await browser.$$(selector)) {
      if (await el.isDisplayed()) {
        shown = el
        return true
      }
    }
    return false
  }, `no ${selector} is displayed`)
  await shown.waitForClickable({ timeout: 15_000, timeoutMsg: `${selector} is not clickable` })
  await shown.click()
}

/** Replaces a field's text by typing, as an officer would; "\n" is the Enter key (a new line in a textarea). */
export async function type(selector, text) {
  const el = await $(selector)
  await el.waitForDisplayed({ timeout: 15_000, timeoutMsg: `${selector} is not displayed` })
  // WebDriver's clear fires no input event, so Vue would keep the old value: empty it as a user would.
  await browser.execute((s) => {
    const input = document.querySelector(s)
    input.value = ''
    input.dispatchEvent(new Event('input', { bubbles: true }))
  }, selector)
  await el.addValue(text.replaceAll('\n', '\uE007'))
}

export async function textOf(selector) {
  const el = await $(selector)
  await el.waitForDisplayed({ timeout: 15_000, timeoutMsg: `${selector} is not displayed` })
  return (await el.getText()).trim()
}

export async function until(condition, message, timeout = 20_000) {
  await browser.waitUntil(condition, { timeout, interval: 250, timeoutMsg: message })
}

export async function enterPin(pin) {
  await type(`${byTest('pin-input')} input`, pin)
  await clickShown('.van-dialog__confirm')
}

/**
 * Officer `officer` presents: their PIN if asked, then the full-screen certificate with the holder's photo beside a
 * QR of the verify page's URL, the presentation in its fragment (CERT-3); returns the URL.
 */
export async function present(officer, screenshot) {
  await click(`${byTest('present-button')}[data-number="${officer.number}"]`)
  const dialog = await $(byTest('pin-input'))
  if (await dialog.isDisplayed().catch(() => false)) await enterPin(officer.pin)
  const qr = await $(byTest('presentation-qr'))
  await qr.waitForDisplayed({ timeout: 20_000, timeoutMsg: `no presentation for ${officer.name}` })
  const name = await textOf(byTest('certificate-name'))
  if (name !== officer.name) throw new Error(`presentation shows ${name}, expected ${officer.name}`)
  const text = await qr.getAttribute('data-qr')
  if (!/^HTTPS?:\/\/[^#]+\/V#[0-9]+$/.test(text ?? '')) throw new Error(`presentation QR is "${text?.slice(0, 40)}"`)
  if (!(await $(byTest('certificate-photo')).isExisting())) throw new Error('no photo beside the QR code')
  if (!(await $(`${byTest('presentation-qr')} svg`).isExisting())) throw new Error('no QR code drawn')
  if (screenshot) await shot(screenshot, { portrait: true })
  await click(byTest('presentation-done'))
  await $(byTest('inspection-detail')).waitForDisplayed({ timeout: 10_000 })
  return text
}

/** Puts a local file into a file input (the evidence screen's by default), as an officer picking it would. */
export async function pick(path, selector = byTest('file-input')) {
  const input = await $(selector)
  try {
    await input.addValue(path)
  } catch (error) {
    // A WebDriver without file upload through send-keys: hand the same bytes to the input as a picked File.
    console.warn(`  send-keys to the file input failed (${error.message}); using a DataTransfer`)
    const name = path.split('/').pop()
    const base64 = readFileSync(path).toString('base64')
    await browser.execute(
      (selector, fileName, data) => {
        const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0))
        const transfer = new DataTransfer()
        transfer.items.add(new File([bytes], fileName))
        const el = document.querySelector(selector)
        el.files = transfer.files
        el.dispatchEvent(new Event('change', { bubbles: true }))
      },
      selector,
      name,
      base64,
    )
  }
}

/** Scrolls the page so that `selector` is in view (the element's own scrollIntoView, no pointer moves). */
export async function scrollTo(selector, block) {
  await $(selector).waitForExist({ timeout: 10_000, timeoutMsg: `${selector} does not exist` })
  await browser.execute((s, b) => document.querySelector(s)?.scrollIntoView({ block: b }), selector, block)
  await browser.pause(300)
}

/** The party signs: a stroke drawn on the pad with WebDriver pointer actions (as a finger or a stylus would). */
export async function drawSignature() {
  const pad = await $(byTest('signature-pad'))
  await pad.waitForDisplayed({ timeout: 10_000, timeoutMsg: 'the signature pad did not open' })
  const { width, height } = await pad.getSize()
  // Offsets are from the pad's centre: a signature-like zigzag across the middle.
  const points = [
    [-0.35, 0.1], [-0.28, -0.2], [-0.2, 0.15], [-0.12, -0.18], [-0.04, 0.12], [0.05, -0.15], [0.14, 0.1],
    [0.22, -0.12], [0.3, 0.14], [0.36, -0.05],
  ].map(([x, y]) => ({ x: Math.round(x * width), y: Math.round(y * height) }))
  const [first, ...rest] = points
  const action = browser.action('pointer', { parameters: { pointerType: 'mouse' } })
  action.move({ origin: pad, x: first.x, y: first.y }).down({ button: 0 })
  for (const p of rest) action.move({ origin: pad, x: p.x, y: p.y, duration: 60 })
  await action.up({ button: 0 }).perform()
}


/** Runs a spec's body in a fresh app session; a failure saves a screenshot and the page source, and exits 1. */
export async function runSpec(name, body) {
  let failed = false
  try {
    await openApp()
    await body()
  } catch (error) {
    failed = true
    console.error(`e2e ${name} failed: ${error.stack ?? error}`)
    try {
      const failure = join(process.env.E2E_FAILURE_DIR ?? tmpdir(), `e2e-failure-${name}.png`)
      await browser.saveScreenshot(failure)
      console.error(`saved ${failure}`)
      console.error((await browser.getPageSource()).slice(0, 4000))
    } catch {
      // The session may be gone; the error above is what matters.
    }
  } finally {
    await browser?.deleteSession().catch(() => {})
  }
  process.exit(failed ? 1 : 0)
}
