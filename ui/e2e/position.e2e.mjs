// End-to-end test of where (REC-1, REC-2) in the real window. There is no GPS under Xvfb: scripts/app-smoke.sh
// starts the app with FIELDTRAIL_FIXED_POSITION, the app's fixed position source, a FAKE that stands in for the
// tablet's location service and says so in every fix it gives (source "fixed"). Officer 1 unlocks, opens an
// inspection: its header shows the start position; imports a photo: the evidence item shows its position; and
// the real CLI, reading the app's own store, lists the photo as signed with that position.
//
// Environment: FIELDTRAIL_APP, E2E_MEDIA, E2E_DATA, E2E_TERMINAL, E2E_FIXED_POSITION (the "LAT,LON,ACCURACY_M"
// the app was started with), TAURI_DRIVER_PORT.
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { $, OFFICER_1, browser, byTest, click, enterPin, pick, required, runSpec, step, textOf, type, until } from './lib.mjs'

const media = required('E2E_MEDIA')
const data = required('E2E_DATA')
const terminal = required('E2E_TERMINAL')
const [lat, lon, accuracy] = required('E2E_FIXED_POSITION').split(',').map(Number)
const coordinates = `${lat.toFixed(6)}, ${lon.toFixed(6)}`
const ITEM_CODE = 'SCJG-JC-001'
const PARTY = '临河区位置测试商店'

await runSpec('position', async () => {
  step('officer 1 unlocks')
  await until(async () => (await browser.$$(byTest('officer-card'))).length >= 1, 'no officer cards')
  await click(`${byTest('officer-card')}[data-number="${OFFICER_1.number}"]`)
  await enterPin(OFFICER_1.pin)
  await $(byTest('new-inspection')).waitForDisplayed({ timeout: 15_000, timeoutMsg: 'home did not open' })

  step('a new inspection records and shows where it started (REC-1)')
  await click(byTest('new-inspection'))
  await click(byTest('pick-item'))
  await type(`${byTest('catalogue-search')} input`, '食品经营')
  // The list re-renders as the search settles: click the item once the search has found it, as the officer would.
  await until(
    async () => (await browser.$$(`${byTest('catalogue-item')}[data-code="${ITEM_CODE}"]`)).length === 1,
    `the catalogue search did not find ${ITEM_CODE}`,
  )
  await browser.pause(300)
  await click(`${byTest('catalogue-item')}[data-code="${ITEM_CODE}"]`)
  await until(async () => (await $(`${byTest('basis-law-input')} input`).getValue()) !== '', 'picking the item did not fill the form')
  await type(`${byTest('region-input')} input`, '150802')
  await type(`${byTest('party-name-input')} input`, PARTY)
  await click(byTest('create-inspection'))
  await $(byTest('inspection-detail')).waitForDisplayed({ timeout: 15_000, timeoutMsg: 'the inspection did not open' })
  const header = await $(byTest('detail-position'))
  const state = await header.getAttribute('data-state')
  const shown = await textOf(byTest('detail-position'))
  console.log(`  start position: ${shown}`)
  if (state !== 'fix') throw new Error(`the start position is "${state}", not a fix`)
  for (const part of [coordinates, `±${Math.round(accuracy)} 米`, '固定位置（测试用，非实测）'])
    if (!shown.includes(part)) throw new Error(`the header shows "${shown}", without "${part}"`)
  const list = JSON.parse(execFileSync(terminal, ['--data', data, 'inspection', 'list', '--json'], { encoding: 'utf8' }))
  const id = list.find((i) => i.party_name === PARTY)?.id
  if (!id) throw new Error(`the app's store has no inspection of ${PARTY}`)

  step('a captured photo records and shows its position (REC-2)')
  await click(byTest('evidence-button'))
  await pick(join(media, 'photo.jpg'))
  await until(async () => (await browser.$$(byTest('evidence-row'))).length === 1, 'the photo did not arrive')
  const item = await $(byTest('evidence-position'))
  const itemText = await textOf(byTest('evidence-position'))
  console.log(`  photo position: ${itemText}`)
  if ((await item.getAttribute('data-state')) !== 'fix') throw new Error(`the photo's position is not a fix: ${itemText}`)
  if (!itemText.includes(coordinates) || !itemText.includes('位置：')) throw new Error(`the photo shows "${itemText}"`)

  step("the photo's signature covers that position (the CLI on the app's own store)")
  const listed = execFileSync(terminal, ['--data', data, 'evidence', 'list', id], { encoding: 'utf8' })
  console.log(`  ${listed.trim()}`)
  const cli = `${lat.toFixed(6)},${lon.toFixed(6)} ±${accuracy} m`
  if (!listed.includes(cli) || !listed.includes('(fixed)') || !listed.includes(' signed '))
    throw new Error(`the CLI lists "${listed.trim()}", without a signed "${cli}" (fixed)`)
})
