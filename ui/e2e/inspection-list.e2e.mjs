// End-to-end check of the real window: opens the app through tauri-driver (WebDriver on 127.0.0.1:4444),
// waits until the inspection list shows the expected party names, and saves screenshots.
//
// Environment:
//   FIELDTRAIL_APP        path of the app binary (required)
//   E2E_PARTIES           party names that must appear, separated by "|" (required)
//   E2E_SCREENSHOT        landscape screenshot path (required); a portrait one is saved next to it
//   TAURI_DRIVER_PORT     tauri-driver's port (default 4444)
//   E2E_FAILURE_DIR       where a failure's screenshot goes (default: the system's temporary directory)
// The app's own environment (FIELDTRAIL_DATA, ...) is inherited from tauri-driver's.
import { mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, dirname, join } from 'node:path'
import { remote } from 'webdriverio'

function required(name) {
  const value = process.env[name]
  if (!value) throw new Error(`${name} is not set`)
  return value
}

const application = required('FIELDTRAIL_APP')
const parties = required('E2E_PARTIES').split('|').filter(Boolean)
const screenshot = required('E2E_SCREENSHOT')
const portrait = screenshot.replace(/\.png$/, '-portrait.png')

const browser = await remote({
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

let failed = false
try {
  // Start in the default locale even if an earlier run left another one in the webview's storage.
  await browser.execute(() => localStorage.removeItem('fieldtrail.locale'))
  await browser.refresh()

  const title = await browser.getTitle()
  console.log(`page title: ${title}`)

  // The list renders each party as "当事人：<name>" (zh-CN, the default locale).
  await browser.waitUntil(
    async () => {
      const texts = await browser.$$('[data-testid="party-name"]').map((el) => el.getText())
      return parties.every((party) => texts.some((text) => text.includes(party)))
    },
    { timeout: 20_000, interval: 250, timeoutMsg: `the list did not show all of: ${parties.join(', ')}` },
  )

  const rows = await browser.$$('[data-testid="inspection-row"]')
  const texts = await browser.$$('[data-testid="party-name"]').map((el) => el.getText())
  console.log(`rows: ${rows.length}; parties shown: ${texts.join(' / ')}`)
  if (rows.length !== parties.length) throw new Error(`expected ${parties.length} rows, found ${rows.length}`)
  for (const party of parties) {
    if (!texts.some((text) => text.includes(party))) throw new Error(`party ${party} is missing`)
  }

  // The default locale is Chinese: the sync button reads 同步.
  const syncText = await browser.$('[data-testid="sync-button"]').getText()
  if (!syncText.includes('同步')) throw new Error(`sync button shows "${syncText}", expected 同步`)

  mkdirSync(dirname(screenshot), { recursive: true })
  await browser.saveScreenshot(screenshot)
  console.log(`saved ${screenshot}`)

  // The same screen on an 800×1280 (portrait tablet) window.
  try {
    await browser.setWindowSize(800, 1280)
    await browser.pause(500)
    await browser.saveScreenshot(portrait)
    console.log(`saved ${portrait}`)
  } catch (error) {
    console.warn(`portrait screenshot skipped: ${error.message}`)
  }

  // Sync against the unreachable server the smoke script sets: the failure must arrive as a sentence.
  await browser.$('[data-testid="sync-button"]').click()
  const toast = browser.$('.van-toast--text .van-toast__text, .van-toast--text')
  await toast.waitForDisplayed({ timeout: 20_000, timeoutMsg: 'no toast after sync' })
  const toastText = (await toast.getText()).trim()
  console.log(`sync toast: ${toastText}`)
  // An unmapped code would show the generic sentence, which starts with 操作失败.
  if (toastText === '' || toastText.startsWith('操作失败') || toastText.includes('[object')) {
    throw new Error(`the sync error was not mapped to a sentence: "${toastText}"`)
  }

  // The language switch turns the ui into English.
  await browser.$('[data-testid="locale-switch"]').click()
  await browser.waitUntil(async () => (await browser.$('[data-testid="sync-button"]').getText()).includes('Sync'), {
    timeout: 5_000,
    timeoutMsg: 'the language switch did not switch to English',
  })
  console.log('language switch: English shown')
} catch (error) {
  failed = true
  console.error(`e2e failed: ${error.stack ?? error}`)
  try {
    const failure = join(process.env.E2E_FAILURE_DIR ?? tmpdir(), basename(screenshot).replace(/\.png$/, '-failure.png'))
    await browser.saveScreenshot(failure)
    console.error(`saved ${failure}`)
    console.error((await browser.getPageSource()).slice(0, 4000))
  } catch {
    // The session may be gone; the error above is what matters.
  }
} finally {
  await browser.deleteSession().catch(() => {})
}
process.exit(failed ? 1 : 0)
