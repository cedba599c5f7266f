// Nothing freezes (issue 10, item 3): how long a tap on the real window takes to be answered while a large video
// is imported and while a PIN is checked (Argon2), against the same tap with nothing running. A benchmark, not a
// timing test: it prints figures (docs/benchmarks.md) and asserts only what a user would check, that every tap was
// answered, that the screen showed the video being received then stored, and that it arrived with its own SHA-256.
//
// The tap is a WebDriver click on the evidence screen's "show hash" button of a photo: WebKitWebDriver delivers
// it through the app's main (window) thread, so a busy main thread delays it as it delays a finger. Measured:
//   tap   from the click being sent to the hash appearing in the page (node's clock and the page's wall clock);
//   ipc   the round trip of get_settings, a command Tauri runs on the main thread, invoked every 100 ms;
//   frame the longest gap between two animation frames in the page.
// The PIN checks run back to back (unlock_officer invoked from the page, the command the PIN dialog calls) while
// the taps are made, so that every tap meets a check under way.
//
// Environment (besides lib.mjs's):
//   E2E_WORK             scratch directory: the video is generated there with ffmpeg (required)
//   E2E_MEDIA            directory with photo.jpg (required)
//   E2E_BENCH_VIDEO_MIB  size of the video in MiB (default 200; app-smoke passes a small one unless E2E_BENCH=1)
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { createReadStream, existsSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { $, OFFICER_1, OFFICER_2, browser, byTest, click, enterPin, pick, required, runSpec, step, until } from './lib.mjs'

const work = required('E2E_WORK')
const media = required('E2E_MEDIA')
const MIB = Number(process.env.E2E_BENCH_VIDEO_MIB ?? 200)
const TAPS = 8
/** The seeded inspection that is still open (scripts/app-smoke.sh): evidence can be added to it. */
const OPEN_PARTY = '呼和浩特市青城食品有限公司'

/** A real MPEG-4 video of about `mib` MiB (noise, so that it does not compress), made once per size. */
function video(mib) {
  const path = join(work, `responsiveness-${mib}mib.mp4`)
  if (!existsSync(path)) {
    execFileSync('ffmpeg', [
      '-v', 'error', '-y', '-f', 'lavfi', '-i', 'color=c=gray:s=1280x720:r=30,noise=alls=100:allf=t+u',
      '-t', '3600', '-c:v', 'mpeg4', '-q:v', '2', '-fs', String(mib * 1024 * 1024), '-movflags', '+faststart', path,
    ])
  }
  return path
}

async function sha256(path) {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path)) hash.update(chunk)
  return hash.digest('hex')
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}
const ms = (x) => (Number.isFinite(x) ? `${Math.round(x)} ms` : '-')

/** Starts the page's probes: every hash shown or hidden, a get_settings round trip every 100 ms, frame gaps. */
async function startProbes() {
  await browser.execute(() => {
    const now = () => performance.timeOrigin + performance.now()
    const probe = { changes: [], ipc: [], maxFrameGap: 0, running: true, phases: [] }
    window.__probe = probe
    // Every phase the evidence screen's progress bar shows, in order.
    new MutationObserver(() => {
      const phase = document.querySelector('[data-testid="intake"]')?.getAttribute('data-phase')
      if (phase && probe.phases.at(-1) !== phase) probe.phases.push(phase)
    }).observe(document.body, { childList: true, subtree: true, attributes: true, attributeFilter: ['data-phase'] })
    const list = document.querySelector('[data-testid="evidence-list"]')
    const isHash = (n) => n.nodeType === 1 && (n.matches('[data-testid="evidence-hash"]') || n.querySelector?.('[data-testid="evidence-hash"]'))
    new MutationObserver((records) => {
      if (records.some((r) => [...r.addedNodes, ...r.removedNodes].some(isHash))) probe.changes.push(now())
    }).observe(list, { childList: true, subtree: true })
    let last = performance.now()
    const frame = (t) => {
      probe.maxFrameGap = Math.max(probe.maxFrameGap, t - last)
      last = t
      if (probe.running) requestAnimationFrame(frame)
    }
    requestAnimationFrame(frame)
    const ipc = async () => {
      while (probe.running) {
        const start = performance.now()
        await window.__TAURI_INTERNALS__.invoke('get_settings')
        probe.ipc.push(performance.now() - start)
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
    }
    void ipc()
  })
}

async function stopProbes() {
  return browser.execute(() => {
    const probe = window.__probe
    probe.running = false
    return { ipc: probe.ipc, maxFrameGap: probe.maxFrameGap, phases: probe.phases }
  })
}

/** One tap on the photo's hash button; resolves to how long it took to be answered, in ms. */
async function tap() {
  // Found before the clock starts: only the click itself is timed.
  const button = await $(`${byTest('evidence-row')}[data-kind="photo"] .van-button`)
  const seen = await browser.execute(() => window.__probe.changes.length)
  const sent = Date.now()
  await button.click()
  let answered
  await until(async () => {
    answered = await browser.execute((n) => window.__probe.changes[n], seen)
    return answered !== undefined && answered !== null
  }, 'a tap on the hash button was never answered', 60_000)
  return answered - sent
}

/** Taps up to `TAPS` times while `busy()` says the work started by `start()` still runs (at least once). */
async function measure(label, start, busy, finish) {
  await startProbes()
  const began = Date.now()
  await start()
  const taps = []
  let during = 0
  for (let i = 0; i < TAPS; i += 1) {
    const running = await busy()
    taps.push(await tap())
    if (running) during += 1
    if (!(await busy())) break
  }
  await finish()
  const took = Date.now() - began
  const { ipc, maxFrameGap, phases } = await stopProbes()
  console.log(
    `  ${label}: tap median ${ms(median(taps))} max ${ms(Math.max(...taps))} (${during}/${taps.length} while busy); ` +
      `ipc median ${ms(median(ipc))} max ${ms(Math.max(...ipc))} (${ipc.length}); longest frame gap ${ms(maxFrameGap)}; ` +
      `${(took / 1000).toFixed(1)} s in all`,
  )
  return phases
}

await runSpec('responsiveness', async () => {
  const path = video(MIB)
  const size = statSync(path).size
  const expected = await sha256(path)
  console.log(`  video: ${path} (${(size / 1024 / 1024).toFixed(1)} MiB, sha256 ${expected.slice(0, 12)}…)`)

  step('officer 1 unlocks and opens the open seeded inspection\'s evidence')
  await click(`${byTest('officer-card')}[data-number="${OFFICER_1.number}"]`)
  await enterPin(OFFICER_1.pin)
  await $(byTest('new-inspection')).waitForDisplayed({ timeout: 15_000, timeoutMsg: 'home did not open' })
  await until(async () => {
    for (const row of await browser.$$(byTest('inspection-row'))) {
      if ((await row.getText()).includes(OPEN_PARTY)) {
        await row.click()
        return true
      }
    }
    return false
  }, `home does not list ${OPEN_PARTY}`)
  await click(byTest('evidence-button'))
  await $(byTest('import-button')).waitForDisplayed({ timeout: 15_000, timeoutMsg: 'the evidence screen did not open' })
  const rows = async () => (await browser.$$(byTest('evidence-row'))).length
  await pick(join(media, 'photo.jpg'))
  await until(async () => (await browser.$$(`${byTest('evidence-row')}[data-kind="photo"]`)).length >= 1, 'the photo did not arrive')

  step('taps with nothing running')
  await measure('idle', async () => {}, async () => true, async () => {})

  step(`taps while a ${MIB} MiB video is imported`)
  const photos = await rows()
  const phases = await measure(
    `import ${MIB} MiB`,
    () => pick(path),
    async () => (await rows()) === photos,
    () => until(async () => (await rows()) === photos + 1, 'the video did not arrive', 600_000),
  )
  // The file is over one piece: the screen showed it being received, then hashed and stored.
  if (phases.join(',') !== 'sending,storing') throw new Error(`the progress bar showed ${phases.join(', ') || 'nothing'}`)
  await click(`${byTest('evidence-row')}[data-kind="video"] .van-button`)
  const shown = await $(`${byTest('evidence-row')}[data-kind="video"] ${byTest('evidence-hash')}`).getText()
  if (!shown.includes(expected)) throw new Error(`the video's hash shows "${shown}", expected ${expected}`)
  console.log(`  the video arrived whole: SHA-256 ${expected}`)

  step('taps while PINs are checked (Argon2), one after another')
  await measure(
    'PIN checks',
    () =>
      browser.execute((number, code) => {
        const checks = { running: true, times: [], error: null }
        window.__checks = checks
        void (async () => {
          while (checks.running) {
            const start = performance.now()
            try {
              await window.__TAURI_INTERNALS__.invoke('unlock_officer', { number, pin: code })
            } catch (error) {
              checks.error = JSON.stringify(error)
              break
            }
            checks.times.push(performance.now() - start)
          }
          checks.running = false
        })()
      }, OFFICER_2.number, OFFICER_2.pin),
    () => browser.execute(() => window.__checks.running),
    async () => {
      const checks = await browser.execute(() => {
        window.__checks.running = false
        return window.__checks
      })
      if (checks.error) throw new Error(`unlocking officer 2 failed: ${checks.error}`)
      if (checks.times.length === 0) throw new Error('no PIN was checked')
      console.log(`  ${checks.times.length} PIN checks, each median ${ms(median(checks.times))} max ${ms(Math.max(...checks.times))}`)
    },
  )
})
