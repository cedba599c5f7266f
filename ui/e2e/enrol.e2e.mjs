// End-to-end test of setting the tablet up from its own screens (issue 10, item 6; CERT-7), in the real window:
// the administrator issues a third officer (15080003 赵六) with the real `fieldtrail-server admin issue` of the demo
// authority app-smoke.sh created; the officer enrols on the enrolment screen with the package file picked and the
// code typed (WebKitGTK under Xvfb has no camera: the scanner must say so; the decoder is tested on rendered frames
// in ui/tests/enrolscan.test.ts), appears in the list and unlocks with the new PIN. Before that: a garbage file, a
// code that is not one, a wrong code and two different PINs are each refused in Chinese, and nobody is enrolled.
// The tablet's registration QR text is registered by a real server's `admin register-device --qr`.
//
// Environment (from scripts/app-smoke.sh): FIELDTRAIL_APP, E2E_TERMINAL, E2E_SERVER_BIN, E2E_SERVER_DATA, E2E_DATA,
// E2E_WORK, E2E_AGENCY, E2E_SCREENSHOTS; run after inspection.e2e.mjs (officers 15080001 and 15080002 enrolled).
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { $, browser, byTest, click, enterPin, pick, required, runSpec, shot, step, textOf, type, until } from './lib.mjs'

const terminal = required('E2E_TERMINAL')
const serverBin = required('E2E_SERVER_BIN')
const serverData = required('E2E_SERVER_DATA')
const data = required('E2E_DATA')
const work = required('E2E_WORK')
const agency = required('E2E_AGENCY')
const PHOTO = join(process.cwd(), '..', '..', 'scripts', 'demo', 'officer-1.png')
const NEW = { number: '15080003', name: '赵六', pin: '615083' }

const run = (bin, args) => execFileSync(bin, args, { encoding: 'utf8' }).trim()
const field = (text, label) => text.split('\n').find((line) => line.startsWith(label))?.split(/\s+/).at(-1)

step('the administrator issues 赵六 a certificate: a package file, its code, and the code as a QR')
const pkg = join(work, `${NEW.number}.ftenrol`)
const issued = run(serverBin, ['--data', serverData, 'admin', '--by', 'e2e-enrol', 'issue', '--number', NEW.number,
  '--name', NEW.name, '--agency', agency, '--category', '食品安全', '--region', '1508', '--valid-from', '2026-01-01',
  '--valid-to', '2030-12-31', '--photo', PHOTO, '--out', pkg])
const code = field(issued, 'enrolment code:')
if (!issued.includes(`enrolment code QR (FTE1:${code}):`)) throw new Error(`admin issue prints no FTE1 QR:\n${issued}`)
const wrongCode = code === '22222-22222' ? '33333-33333' : '22222-22222'
const garbage = join(work, 'garbage.ftenrol')
writeFileSync(garbage, randomBytes(4096))

const cards = async () => (await browser.$$(byTest('officer-card'))).length

/** Fills the enrolment screen and submits; returns the refusal shown, or '' when the screen closed. */
async function enrol(file, typedCode, pin, pinAgain = pin) {
  await pick(file, byTest('enrol-file'))
  const name = basename(file)
  await until(async () => (await $(`${byTest('enrol-package-name')} input`).getValue()) === name, `${name} was not picked`)
  await type(`${byTest('enrol-code')} input`, typedCode)
  await type(`${byTest('enrol-pin')} input`, pin)
  await type(`${byTest('enrol-pin-again')} input`, pinAgain)
  await click(byTest('enrol-submit'))
  await until(async () => (await $(byTest('enrol-problem')).isDisplayed().catch(() => false)) || !(await $(byTest('enrol')).isExisting()),
    'enrolment neither refused nor done', 30_000)
  return (await $(byTest('enrol')).isExisting()) ? textOf(byTest('enrol-problem')) : ''
}

async function refused(what, file, typedCode, pin, pinAgain, expected) {
  step(`${what}: refused in Chinese`)
  const said = await enrol(file, typedCode, pin, pinAgain)
  console.log(`  "${said}"`)
  if (!said.includes(expected)) throw new Error(`${what}: the screen says "${said}", expected "${expected}"`)
}

await runSpec('enrol', async () => {
  await until(async () => (await cards()) >= 2, 'no officer cards')
  const before = await cards()

  step("the tablet's registration QR: a real server registers it by that text")
  await click(byTest('registration-open'))
  const qr = await $(byTest('registration-qr'))
  await qr.waitForDisplayed({ timeout: 15_000, timeoutMsg: 'no registration QR' })
  const text = await qr.getAttribute('data-qr')
  const cli = run(terminal, ['--data', data, 'device'])
  if (text !== field(cli, 'registration')) throw new Error(`the app shows "${text}", the terminal prints\n${cli}`)
  if (!(await $(`${byTest('registration-qr')} svg`).isExisting())) throw new Error('no QR code drawn')
  const fresh = join(work, 'enrol-server')
  console.log(`  ${run(serverBin, ['--data', fresh, 'admin', 'register-device', '--qr', text, '--agency', agency])}`)
  if (!run(serverBin, ['--data', fresh, 'admin', 'devices']).startsWith(`${field(cli, 'device id')}  ${agency}  active`))
    throw new Error('the server did not register the device of the QR')
  await shot('registration')
  await click(byTest('back'))

  step('the enrolment screen: no camera here, and the scanner says so')
  await click(byTest('enrol-open'))
  const scanner = await $(byTest('qr-scanner'))
  await scanner.waitForDisplayed({ timeout: 10_000, timeoutMsg: 'no scanner on the enrolment screen' })
  await until(async () => (await scanner.getAttribute('data-state')) === 'unavailable', 'the scanner did not give up on the camera')
  const status = await textOf(byTest('scanner-status'))
  if (!status.includes('没有可用的摄像头')) throw new Error(`the scanner says "${status}"`)

  await refused('a garbage file', garbage, code, NEW.pin, NEW.pin, '不是有效的登记包')
  await refused('a code that is not one', pkg, 'ABCD', NEW.pin, NEW.pin, '登记码格式不正确')
  await refused('a wrong code', pkg, wrongCode, NEW.pin, NEW.pin, '登记码与该登记包不符')
  await refused('two different PINs', pkg, code, NEW.pin, '615084', '两次输入的 PIN 码不一致')
  await refused('a PIN too easy to guess', pkg, code, '123456', '123456', 'PIN 码须为 6 至 12 位数字')
  await shot('enrol-refused', { portrait: true })

  step('nobody was enrolled by any of that')
  await click(byTest('back'))
  await until(async () => (await cards()) === before, `the list has ${await cards()} officers, expected ${before}`)
  if (run(terminal, ['--data', data, 'officer', 'list']).includes(NEW.number)) throw new Error('a refusal enrolled 赵六')

  step('the right code typed, the PIN twice: 赵六 is enrolled and listed')
  await click(byTest('enrol-open'))
  const done = await enrol(pkg, code.toLowerCase(), NEW.pin)
  if (done !== '') throw new Error(`enrolment refused: "${done}"`)
  const card = `${byTest('officer-card')}[data-number="${NEW.number}"]`
  await $(card).waitForDisplayed({ timeout: 15_000, timeoutMsg: '赵六 is not in the list' })
  if ((await cards()) !== before + 1) throw new Error(`the list has ${await cards()} officers`)
  if (!(await textOf(card)).includes(NEW.name)) throw new Error(`the card reads "${await textOf(card)}"`)
  await shot('enrolled')

  step('赵六 unlocks with the new PIN')
  await click(card)
  await enterPin(NEW.pin)
  await $(byTest('new-inspection')).waitForDisplayed({ timeout: 20_000, timeoutMsg: 'home did not open for 赵六' })
})
