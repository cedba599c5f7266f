// End-to-end test of verifying another officer's QR in the real window (CERT-3) on a tablet without a camera:
// WebKitGTK under Xvfb has none, so the scanner must say so in Chinese and keep the paste box, and a pasted QR
// must still get its verdict. The QR texts are real: another officer (15080009 王五) is issued a certificate by
// the same authority, enrolled on a second terminal (the CLI, its own data directory) and presents there; an
// officer of an authority this tablet was never provisioned with presents too. Garbage pasted gets a clear
// verdict and does not stop the next verification. The camera itself cannot exist here: the decoder is tested
// on rendered camera frames in ui/tests/qrscan.test.ts.
//
// Environment (from scripts/app-smoke.sh): FIELDTRAIL_APP, E2E_TERMINAL, E2E_SERVER_BIN, E2E_SERVER_DATA, E2E_WORK,
// E2E_AGENCY, E2E_SCREENSHOTS; run after inspection.e2e.mjs (its officers 15080001 and 15080002 are enrolled).
import { execFileSync } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { $, OFFICER_1, browser, byTest, click, enterPin, required, runSpec, shot, step, textOf, type, until } from './lib.mjs'

const terminal = required('E2E_TERMINAL')
const serverBin = required('E2E_SERVER_BIN')
const serverData = required('E2E_SERVER_DATA')
const work = required('E2E_WORK')
const agency = required('E2E_AGENCY')
const PHOTO = join(process.cwd(), '..', '..', 'scripts', 'demo', 'officer-2.png')

const run = (bin, args) => execFileSync(bin, args, { encoding: 'utf8' }).trim()
const field = (text, label) => text.split('\n').find((line) => line.startsWith(label))?.split(/\s+/).at(-1)

/**
 * Officer `number` of the authority in `server` (a server data directory) is enrolled on a new terminal and
 * presents there for a new inspection of that terminal; returns the presentation's QR text.
 */
function presentElsewhere(server, number, name) {
  const admin = (...args) => run(serverBin, ['--data', server, 'admin', '--by', 'e2e-verify', ...args])
  const data = join(work, `verify-${number}`)
  mkdirSync(data, { recursive: true })
  const cli = (...args) => run(terminal, ['--data', data, ...args])
  cli('trust', 'add-authority', field(admin('authority'), 'public key'), '--name', 'e2e')
  const pkg = join(work, `${number}.ftenrol`)
  const issued = admin('issue', '--number', number, '--name', name, '--agency', agency, '--category', '食品安全',
    '--region', '1508', '--valid-from', '2026-01-01', '--valid-to', '2030-12-31', '--photo', PHOTO, '--out', pkg)
  cli('officer', 'enrol', '--package', pkg, '--code', field(issued, 'enrolment code:'), '--pin', '864209')
  const id = cli('inspection', 'new', '--kind', 'inspection', '--item-code', 'SCJG-JC-001', '--item-name', '食品经营者日常监督检查',
    '--category', '食品安全', '--region', '150802', '--party-name', '临河区某便利店', '--agency', agency)
  return cli('inspection', 'present', id, '--officer', number, '--pin', '864209').split('\n').at(-1)
}

/** Pastes `text` into the box, verifies, and returns the verdict's code and its sentence on screen. */
async function verifyPasted(text) {
  await type(`${byTest('verify-input')} textarea`, text)
  // Verifying removes the last verdict at once (Verify.vue), so the one that shows next is the new one.
  await click(byTest('verify-submit'))
  await $(byTest('verify-result')).waitForDisplayed({ timeout: 15_000, timeoutMsg: 'no verification result' })
  return { verdict: await $(byTest('verify-result')).getAttribute('data-verdict'), sentence: await textOf('.verdict') }
}

step("another officer presents on another tablet; an untrusted authority's officer too")
const otherQr = presentElsewhere(serverData, '15080009', '王五')
const rogueServer = join(work, 'verify-rogue-authority')
run(serverBin, ['--data', rogueServer, 'admin', '--by', 'e2e-verify', 'init-authority', '--name', '冒用的发证机关'])
const rogueQr = presentElsewhere(rogueServer, '15089999', '赵假')
console.log(`  QR texts: ${otherQr.slice(0, 24)}… (${otherQr.length} chars), ${rogueQr.slice(0, 24)}…`)

await runSpec('verify', async () => {
  step('officer 1 unlocks and opens 核验证件 from home')
  await until(async () => (await browser.$$(byTest('officer-card'))).length >= 2, 'no officer cards')
  await click(`${byTest('officer-card')}[data-number="${OFFICER_1.number}"]`)
  await enterPin(OFFICER_1.pin)
  await $(byTest('new-inspection')).waitForDisplayed({ timeout: 15_000, timeoutMsg: 'home did not open' })
  await click(byTest('verify'))

  step('no camera here: the scanner says so in Chinese, the paste box stays')
  const scanner = await $(byTest('qr-scanner'))
  await scanner.waitForDisplayed({ timeout: 10_000, timeoutMsg: 'no scanner on the verify screen' })
  await until(async () => (await scanner.getAttribute('data-state')) === 'unavailable', 'the scanner did not give up on the camera')
  const media = await browser.execute(() => typeof navigator.mediaDevices?.getUserMedia)
  const problem = await scanner.getAttribute('data-problem')
  const status = await textOf(byTest('scanner-status'))
  console.log(`  getUserMedia: ${media}; scanner: ${problem}, "${status}"`)
  if (problem !== 'none' || !status.includes('没有可用的摄像头')) throw new Error(`the scanner says "${status}" (${problem})`)
  if (!(await $(byTest('verify-input')).isDisplayed())) throw new Error('the paste box is gone')
  if (await $(byTest('verify-submit')).isEnabled()) throw new Error('verify is enabled with nothing pasted')

  step('trying the camera again gives the same answer, and does not hang')
  await click(byTest('scanner-start'))
  await until(async () => (await scanner.getAttribute('data-state')) === 'unavailable', 'the retry did not end')

  step("pasting the other officer's presentation gives the verdict: valid, 王五")
  const valid = await verifyPasted(otherQr)
  const name = await textOf(byTest('certificate-name'))
  console.log(`  ${valid.verdict}: ${valid.sentence}, ${name}`)
  if (valid.verdict !== 'valid' || valid.sentence !== '证件有效' || name !== '王五')
    throw new Error(`the other officer's QR verified as ${valid.verdict} "${valid.sentence}" for ${name}`)
  await shot('verify-paste', { portrait: true })

  step('garbage pasted: a clear verdict, nothing else')
  const garbage = await verifyPasted('这不是二维码 https://example.com/?x=1')
  console.log(`  ${garbage.verdict}: ${garbage.sentence}`)
  if (garbage.verdict !== 'malformed' || garbage.sentence !== '无法识别该二维码')
    throw new Error(`garbage verified as ${garbage.verdict} "${garbage.sentence}"`)
  if (await $(byTest('certificate-name')).isExisting()) throw new Error('garbage shows a certificate holder')

  step("an officer of an authority this tablet does not trust: 'unknown_issuer'")
  const rogue = await verifyPasted(rogueQr)
  console.log(`  ${rogue.verdict}: ${rogue.sentence}`)
  if (rogue.verdict !== 'unknown_issuer') throw new Error(`the untrusted authority's officer verified as ${rogue.verdict}`)

  step('after all that, the real QR still verifies')
  if ((await verifyPasted(otherQr)).verdict !== 'valid') throw new Error('a valid QR stopped verifying after bad ones')
})
