// SYNC-2 in the real window: a conflict made by two terminals is shown with every value and who wrote it, and the
// officer resolves it. The app's terminal and a second terminal (the CLI, its own data directory, registered with
// the same real server and trusting its authority) both set the result of one inspection while offline from each
// other; after both sync, the app shows the result conflict with both values, "this tablet" and the other device,
// and when each was written. A save of the findings leaves the result conflict in place (checked in the window
// after the save and after reopening, and in the app's own database through the CLI). The officer then uses the
// second terminal's value; the history shows it as a "set result"; the second terminal syncs and has that value
// and no conflict. A new value that is empty is refused with a sentence and changes nothing.
//
// Environment (scripts/app-smoke.sh): FIELDTRAIL_APP, E2E_TERMINAL (the CLI), E2E_SERVER (URL), E2E_SERVER_BIN,
// E2E_SERVER_DATA, E2E_DATA (the app's data directory), E2E_WORK (scratch), E2E_AGENCY, E2E_SCREENSHOTS.
import { execFileSync } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import {
  $, OFFICER_1, browser, byTest, click, clickShown, enterPin, required, runSpec, scrollTo, shot, step, type, until,
} from './lib.mjs'

const terminal = required('E2E_TERMINAL')
const server = required('E2E_SERVER')
const serverBin = required('E2E_SERVER_BIN')
const serverData = required('E2E_SERVER_DATA')
const appData = required('E2E_DATA')
const agency = required('E2E_AGENCY')
const second = join(required('E2E_WORK'), 'conflicts-second-terminal')

const PARTY = '临河区同心粮油店'
const OURS = '责令改正：冷藏柜温度超标'
const THEIRS = '合格'
const FINDINGS = '冷藏柜温度 9℃，超过标准；已拍照取证。'

function run(binary, args) {
  return execFileSync(binary, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
}
const cli = (...args) => run(terminal, ['--data', second, ...args])
const admin = (...args) => run(serverBin, ['--data', serverData, 'admin', '--by', 'e2e-conflicts', ...args])
const field = (text, label) => text.split('\n').find((l) => l.startsWith(label))?.split(/\s+/).pop()

/** The inspection as a terminal's CLI reads it from `data`: {inspection, conflicts}. */
function shown(data, id) {
  return JSON.parse(run(terminal, ['--data', data, 'inspection', 'show', id, '--json']))
}

function resultValues(view) {
  const conflict = view.conflicts.find((c) => c.field === 'result')
  return conflict ? conflict.values.map((v) => v.value).sort() : []
}

/** The app syncs from its Sync screen (opened from Home) and comes back Home. */
async function appSync() {
  await click(byTest('sync-button'))
  await $(byTest('sync-finished')).waitForDisplayed({ timeout: 60_000, timeoutMsg: 'the sync did not finish' })
  const phase = await $(`${byTest('sync-step')}[data-id="documents"]`).getAttribute('data-phase').catch(() => null)
  const phases = await browser.$$(byTest('sync-step')).map((el) => el.getAttribute('data-phase'))
  if (phase !== null ? phase !== 'done' : !phases.includes('done')) throw new Error(`sync phases ${phases.join(', ')}`)
  await click(byTest('back'))
  await $(byTest('new-inspection')).waitForDisplayed({ timeout: 10_000 })
}

async function openCase(id) {
  const row = `${byTest('inspection-row')}[data-id="${id}"]`
  await until(async () => (await browser.$$(row)).length === 1, `home does not list inspection ${id}`)
  await scrollTo(row, 'center')
  await click(row)
  await $(byTest('inspection-detail')).waitForDisplayed({ timeout: 10_000 })
}

/** The values the conflict panel shows for `field`, each with the line saying who wrote it and when. */
async function panelValues(fieldName) {
  const values = await browser.$$(`${byTest('conflict')}[data-field="${fieldName}"] ${byTest('conflict-value')}`)
  const out = []
  for (const v of values) {
    out.push({ value: await v.getAttribute('data-value'), writer: (await v.$(byTest('conflict-writer')).getText()).trim() })
  }
  return out.sort((a, b) => a.value.localeCompare(b.value))
}

await runSpec('conflicts', async () => {
  step('a second terminal, registered with the server and trusting its authority, opens the case and syncs')
  mkdirSync(second, { recursive: true })
  const device = cli('device')
  const secondId = field(device, 'device id')
  admin('register-device', '--device', secondId, '--public-key', field(device, 'public key'), '--agency', agency)
  cli('trust', 'add-authority', field(admin('authority'), 'public key'), '--name', '内蒙古自治区司法厅（演示）')
  const id = cli(
    'inspection', 'new', '--kind', 'inspection', '--item-code', '330217A01000', '--item-name', '食品生产经营日常监督检查',
    '--category', '食品安全', '--region', '150802', '--party-name', PARTY, '--agency', agency,
  ).trim()
  cli('sync', '--server', server)
  console.log(`  inspection ${id} from device ${secondId}`)

  step('the app unlocks and syncs: it has the case')
  await until(async () => (await browser.$$(byTest('officer-card'))).length === 2, 'two officer cards expected')
  await click(`${byTest('officer-card')}[data-number="${OFFICER_1.number}"]`)
  await enterPin(OFFICER_1.pin)
  await $(byTest('new-inspection')).waitForDisplayed({ timeout: 15_000, timeoutMsg: 'home did not open' })
  await appSync()

  step('offline from each other, the second terminal and the app set the result')
  cli('inspection', 'edit', id, '--result', THEIRS)
  await openCase(id)
  await type(`${byTest('result-input')} input`, OURS)
  await click(byTest('save'))
  await until(async () => (await $(byTest('save')).getAttribute('disabled')) !== null, 'the save did not finish')
  await click(byTest('back'))

  step('both sync: the app sends its result, the second terminal sends its own and gets the app\'s')
  await appSync()
  cli('sync', '--server', server)
  const atSecond = shown(second, id)
  if (resultValues(atSecond).join('|') !== [OURS, THEIRS].sort().join('|')) {
    throw new Error(`the second terminal's conflicts: ${JSON.stringify(atSecond.conflicts)}`)
  }
  await appSync()

  step('home marks the case; the inspection screen shows both values and who wrote each')
  const badge = `${byTest('inspection-row')}[data-id="${id}"] ${byTest('conflict-badge')}`
  await until(async () => (await browser.$$(badge)).length === 1, 'home does not mark the case as in conflict')
  await openCase(id)
  await $(byTest('conflicts')).waitForDisplayed({ timeout: 10_000, timeoutMsg: 'no conflict is shown' })
  if ((await browser.$$(`${byTest('field-conflict')}[data-field="result"]`)).length !== 1) {
    throw new Error('the result field is not marked')
  }
  const values = await panelValues('result')
  console.log(`  ${values.map((v) => `${v.value} — ${v.writer}`).join(' / ')}`)
  const [theirs, ours] = [values.find((v) => v.value === THEIRS), values.find((v) => v.value === OURS)]
  if (values.length !== 2 || !theirs || !ours) throw new Error(`the conflict shows ${JSON.stringify(values)}`)
  if (!/^本机 于 \d{4}-\d\d-\d\d \d\d:\d\d 填写$/.test(ours.writer)) throw new Error(`ours reads "${ours.writer}"`)
  if (!theirs.writer.startsWith(`设备 ${secondId.slice(0, 8)}…`)) throw new Error(`theirs reads "${theirs.writer}"`)
  await browser.execute(() => window.scrollTo(0, 0)) // the panel under the case's title, not under the bar
  await browser.pause(300)
  await shot('conflict', { portrait: true })

  step('an empty new value is refused with a sentence and changes nothing')
  await click(`${byTest('conflict')}[data-field="result"] ${byTest('conflict-write')}`)
  await clickShown(`${byTest('conflict-new-dialog')} .van-dialog__confirm`)
  await until(async () => (await browser.$$(`${byTest('conflict-new-dialog')} .text-error`)).length === 1, 'no error for an empty value')
  await clickShown(`${byTest('conflict-new-dialog')} .van-dialog__cancel`)
  if ((await panelValues('result')).length !== 2) throw new Error('refusing an empty value changed the conflict')

  step('a save of the findings leaves the result conflict in place')
  await type(`${byTest('findings-input')} textarea`, FINDINGS)
  await click(byTest('save'))
  await until(async () => (await $(byTest('save')).getAttribute('disabled')) !== null, 'the save did not finish')
  if ((await panelValues('result')).length !== 2) throw new Error('the save of the findings dropped the conflict')
  await click(byTest('back'))
  await $(byTest('new-inspection')).waitForDisplayed({ timeout: 10_000 })
  await openCase(id)
  const findings = await $(`${byTest('findings-input')} textarea`).getValue()
  if (findings !== FINDINGS) throw new Error(`the findings read "${findings}" after reopening`)
  if ((await panelValues('result')).length !== 2) throw new Error('the conflict is gone after reopening')
  const inApp = shown(appData, id)
  if (inApp.inspection.findings !== FINDINGS) throw new Error(`the app's database has findings "${inApp.inspection.findings}"`)
  if (resultValues(inApp).join('|') !== [OURS, THEIRS].sort().join('|')) {
    throw new Error(`the app's database lost the conflict: ${JSON.stringify(inApp.conflicts)}`)
  }

  step('the officer uses the second terminal\'s value: one edit, on the timeline')
  await click(`${byTest('conflict-value')}[data-value="${THEIRS}"] ${byTest('conflict-use')}`)
  await until(async () => (await browser.$$(byTest('conflicts'))).length === 0, 'the conflict is still shown')
  const result = await $(`${byTest('result-input')} input`).getValue()
  if (result !== THEIRS) throw new Error(`the result reads "${result}"`)
  await click(byTest('timeline-button'))
  await until(async () => (await browser.$$(byTest('timeline-step'))).length > 3, 'the timeline is empty')
  const whats = await browser.$$(byTest('timeline-step')).map((el) => el.getAttribute('data-what'))
  if (whats.filter((w) => w === 'set result').length !== 3 || whats.at(-1) !== 'set result') {
    throw new Error(`the timeline reads ${whats.join(', ')}`)
  }
  await click(byTest('back'))
  await $(byTest('inspection-detail')).waitForDisplayed({ timeout: 10_000 })
  await click(byTest('back'))
  await $(byTest('new-inspection')).waitForDisplayed({ timeout: 10_000 })

  step('the app syncs; the second terminal syncs and has the resolved value')
  await appSync()
  await until(async () => (await browser.$$(badge)).length === 0, 'home still marks the case as in conflict')
  cli('sync', '--server', server)
  const resolved = shown(second, id)
  if (resolved.inspection.result !== THEIRS || resolved.conflicts.length !== 0) {
    throw new Error(`the second terminal reads ${resolved.inspection.result} with ${JSON.stringify(resolved.conflicts)}`)
  }
  if (resolved.inspection.findings !== FINDINGS) throw new Error('the second terminal lacks the findings')
  console.log(`  the second terminal reads "${resolved.inspection.result}", no conflict`)
})
