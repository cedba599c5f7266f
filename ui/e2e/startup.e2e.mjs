// End-to-end: the home list starts fast and pages as the officer scrolls (issue 10, item 8), in the real window.
// Seeds E2E_STARTUP_INSPECTIONS inspections (default 120; 10,000 with app-smoke's E2E_BENCH=1) in the app's data directory, starts the app
// and prints, from WebDriver: the session start to the officer cards drawn (the app's cold start), and the PIN
// confirmed to the first inspection rows drawn on home (the unlock's Argon2 included), and home shown to its first
// rows. It then scrolls to the list's end until every inspection is listed once: the pages Vant List loads as the
// officer scrolls add up to the whole list, with none twice. Figures go to docs/benchmarks.md; a spec never fails
// on a time, only on what the officer would see.
//
// Environment (besides lib.mjs's): E2E_TERMINAL, E2E_DATA, E2E_AGENCY, E2E_STARTUP_INSPECTIONS, E2E_SEED.
import { execFileSync } from 'node:child_process'
import { $, OFFICER_1, browser, byTest, click, enterPin, required, runSpec, step, until } from './lib.mjs'

const terminal = required('E2E_TERMINAL')
const data = required('E2E_DATA')
const agency = process.env.E2E_AGENCY ?? '巴彦淖尔市市场监督管理局'
const seed = Number(process.env.E2E_STARTUP_INSPECTIONS ?? 120)

const cli = (...args) =>
  execFileSync(terminal, ['--data', data, ...args], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 }).trim()
// The terminal crate writes them in one process (tests/src/bin/seed-inspections.rs): one CLI process per
// inspection would take most of an hour for 10,000.
console.log(`- seeding ${seed} inspections`)
execFileSync(required('E2E_SEED'), ['--data', data, '--count', String(seed), '--agency', agency], { stdio: 'inherit' })
const total = JSON.parse(cli('inspection', 'list', '--json')).length

const since = (start) => `${Date.now() - start} ms`
/** The ids of the rows drawn, in one WebDriver call (one call per row is slow with thousands). */
const rows = () => browser.execute(() => [...document.querySelectorAll('[data-testid="inspection-row"]')].map((el) => el.dataset.id))

// The session starts the app: the time to its first screen is measured around openApp itself.
const sessionStart = Date.now()
await runSpec('startup', async () => {
  step(`cold start with ${total} inspections on the tablet`)
  await until(async () => (await browser.$$(byTest('officer-card'))).length >= 2, 'two officer cards expected', 60_000)
  console.log(`  session start to officer cards drawn: ${since(sessionStart)}`)
  await click(`${byTest('officer-card')}[data-number="${OFFICER_1.number}"]`)
  const pinAt = Date.now()
  await enterPin(OFFICER_1.pin)
  await $(byTest('new-inspection')).waitForDisplayed({ timeout: 30_000, timeoutMsg: 'home did not open' })
  const homeAt = Date.now()
  await $(byTest('inspection-row')).waitForDisplayed({ timeout: 30_000, timeoutMsg: 'home shows no inspection' })
  console.log(`  PIN confirmed to first rows drawn: ${since(pinAt)} (home shown to first rows: ${since(homeAt)})`)
  const first = (await rows()).length
  console.log(`  first page: ${first} rows`)
  if (first === 0 || first > 50) throw new Error(`the first page drew ${first} rows`)

  step('scrolling to the end loads the rest, a page at a time, none twice')
  let seen = first
  const scrolled = Date.now()
  await until(async () => {
    await browser.execute(() => document.querySelector('[data-testid="inspection-list"]')?.scrollIntoView({ block: 'end' }))
    seen = (await rows()).length
    return seen >= total
  }, `not every one of ${total} inspections listed after scrolling`, 120_000 + 100 * total).catch((error) => {
    throw new Error(`${error.message}: ${seen} drawn`)
  })
  console.log(`  scrolled through ${Math.ceil(total / first)} pages in ${since(scrolled)}`)
  const ids = await rows()
  if (new Set(ids).size !== ids.length) throw new Error(`${ids.length - new Set(ids).size} rows listed twice`)
  if (ids.length !== total) throw new Error(`${ids.length} rows for ${total} inspections`)
  await $('.van-list__finished-text').waitForDisplayed({ timeout: 10_000, timeoutMsg: 'the list does not say it ended' })
  console.log(`  ${ids.length} rows after scrolling`)

  step('sign out')
  await browser.execute(() => window.scrollTo(0, 0))
  await click(byTest('sign-out'))
  await until(async () => (await browser.$$(byTest('officer-card'))).length >= 2, 'sign-out did not return to the officers')
})
