// CERT-3, the scanner on a camera stream: Chromium's fake camera plays a video of a real presentation QR (held
// at an angle, under noise) into the app's QrScanner component, which must open the camera, read the code, emit
// its exact text and close the camera. Not the Tauri window (WebKitGTK under Xvfb has no fake camera): the same
// component, served by Vite, in Chromium from Debian's packages, driven by chromedriver on 127.0.0.1.
// A second run with a camera showing no QR must keep scanning and emit nothing.
//
// Run: cd ui/e2e && node camera/camera.chromium.mjs   (needs chromium, chromium-driver and ffmpeg, listed in
// scripts/apt-test-packages.txt; chromedriver on CAMERA_PORT, default 4512, and Vite on the port after it).
// Not one of the *.e2e.mjs specs: those drive the app.
import { spawn, execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import QRCode from 'qrcode'
import { createServer } from 'vite'
import { remote } from 'webdriverio'

const here = dirname(fileURLToPath(import.meta.url))
const ui = join(here, '..', '..')
const port = Number(process.env.CAMERA_PORT ?? 4512)
const work = mkdtempSync(join(tmpdir(), 'fieldtrail-camera-'))
const presentation = readFileSync(join(ui, 'tests', 'fixtures', 'presentation.ftp1.txt'), 'utf8').trim()

/** A 1280×720, 2-second y4m video of `png` (or of a plain grey scene) tilted by 8°, with sensor noise. */
function video(name, png) {
  const out = join(work, `${name}.y4m`)
  const input = png ? ['-loop', '1', '-i', png] : ['-f', 'lavfi', '-i', 'color=c=gray:s=1280x720']
  execFileSync('ffmpeg', ['-loglevel', 'error', ...input, '-t', '2', '-r', '15', '-vf',
    'scale=560:560,pad=1280:720:(ow-iw)/2:(oh-ih)/2:color=gray,rotate=8*PI/180:fillcolor=gray,noise=alls=12:allf=t',
    '-pix_fmt', 'yuv420p', out])
  return out
}

async function scan(y4m) {
  const browser = await remote({
    hostname: '127.0.0.1',
    port,
    logLevel: 'warn',
    capabilities: {
      browserName: 'chrome',
      'goog:chromeOptions': {
        binary: '/usr/bin/chromium',
        args: ['--headless=new', '--no-sandbox', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
          `--use-file-for-fake-video-capture=${y4m}`],
      },
    },
  })
  try {
    await browser.url(`http://127.0.0.1:${port + 1}/e2e/camera/index.html`)
    const scanner = await browser.$('[data-testid="qr-scanner"]')
    await scanner.waitForExist({ timeout: 30_000 })
    const started = Date.now()
    let text = ''
    let state = ''
    while (Date.now() - started < 15_000) {
      text = await browser.$('[data-testid="scanned"]').getText()
      state = await scanner.getAttribute('data-state')
      if (text !== '' || state === 'unavailable') break
      await browser.pause(200)
    }
    const cameraOn = await browser.execute(() => !!document.querySelector('video')?.srcObject)
    return { text, state, cameraOn, ms: Date.now() - started }
  } finally {
    await browser.deleteSession().catch(() => {})
  }
}

const driver = spawn('chromedriver', [`--port=${port}`], { stdio: 'ignore' })
const vite = await createServer({ root: ui, configFile: join(ui, 'vite.config.ts'), logLevel: 'warn',
  server: { host: '127.0.0.1', port: port + 1, strictPort: true } })
let failed = false
try {
  await vite.listen()
  await new Promise((resolve) => setTimeout(resolve, 1000))
  const png = join(work, 'presentation.png')
  await QRCode.toFile(png, presentation, { errorCorrectionLevel: 'L', margin: 4, width: 700 })

  const read = await scan(video('presentation', png))
  console.log(`presentation QR on the fake camera: state ${read.state}, camera on ${read.cameraOn}, ${read.ms} ms, read ${read.text.length} chars`)
  if (read.text !== presentation) throw new Error(`the scanner read "${read.text.slice(0, 40)}" (${read.state})`)
  if (read.cameraOn || read.state !== 'read') throw new Error(`the camera is still open after the code was read (${read.state})`)

  const none = await scan(video('empty', null))
  console.log(`no QR on the fake camera: state ${none.state}, camera on ${none.cameraOn}, read "${none.text}"`)
  if (none.text !== '' || none.state !== 'scanning' || !none.cameraOn) throw new Error(`without a QR: ${JSON.stringify(none)}`)
  console.log('camera scan: 2 passed, 0 failed')
} catch (error) {
  failed = true
  console.error(`camera scan failed: ${error.stack ?? error}`)
} finally {
  await vite.close()
  driver.kill('SIGTERM')
  rmSync(work, { recursive: true, force: true })
}
process.exit(failed ? 1 : 0)
