// Peer benchmark: automerge-repo-sync-server (automerge's published sync server) measured with the shapes of
// tests/benches/sync.rs. Run through ./run.sh, which starts the server; docs/benchmarks.md ("## Sync") has the
// figures. Not part of CI.
//
//   node bench.mjs                  orchestrator (needs PEER_PORT and PEER_DATA_DIR in the environment)
//   node bench.mjs worker '<json>'  one client process (started by the orchestrator)
//
// Every byte between client and server goes through a counting TCP proxy on 127.0.0.1 that also parses the
// WebSocket framing, so it reports TCP bytes, the HTTP upgrade, and the number and payload size of the
// WebSocket messages in each direction. Each client runs in its own process: a "restart" is a new process on
// the same storage directory.
//
// Sizes (environment): PEER_DOCS=1000 PEER_EDITS=5 PEER_IDLE_DOCS=1000,10000 PEER_QUIET_MS=1000
// PEER_PHASE_TIMEOUT_S=600.

import net from "node:net"
import fs from "node:fs"
import path from "node:path"
import os from "node:os"
import { fork } from "node:child_process"
import { fileURLToPath } from "node:url"

const SELF = fileURLToPath(import.meta.url)
const envInt = (name, dflt) => {
  const v = parseInt(process.env[name] ?? "", 10)
  return Number.isFinite(v) ? v : dflt
}

// ---------------------------------------------------------------------------------------------------------
// Counting proxy
// ---------------------------------------------------------------------------------------------------------

/** Per-direction counters; parses HTTP (until the blank line) and then RFC 6455 frames. */
class Direction {
  constructor() {
    this.reset()
    this.phase = "http"
    this.hdr = Buffer.alloc(0)
    this.remaining = 0
    this.curOpcode = 0
    this.curFin = false
  }
  reset() {
    this.tcp = 0
    this.http = 0
    this.messages = 0 // complete data messages (text/binary, FIN set)
    this.payload = 0 // payload bytes of data frames
    this.control = 0 // ping/pong/close frames
    this.first = 0
    this.last = 0 // any byte
    this.lastData = 0 // end of the last HTTP header or data message (not keepalive ping/pong)
  }
  feed(chunk) {
    const now = performance.now()
    if (this.tcp === 0) this.first = now
    this.last = now
    this.tcp += chunk.length
    let buf = chunk
    while (buf.length > 0) {
      if (this.phase === "http") {
        this.hdr = Buffer.concat([this.hdr, buf])
        const end = this.hdr.indexOf("\r\n\r\n")
        if (end < 0) {
          this.http += buf.length
          return
        }
        const used = end + 4 - (this.hdr.length - buf.length)
        this.http += used
        this.lastData = performance.now()
        buf = buf.subarray(used)
        this.hdr = Buffer.alloc(0)
        this.phase = "header"
      } else if (this.phase === "payload") {
        const n = Math.min(this.remaining, buf.length)
        if (this.curOpcode < 8) this.payload += n
        this.remaining -= n
        buf = buf.subarray(n)
        if (this.remaining === 0) this.endFrame()
      } else {
        this.hdr = this.hdr.length ? Buffer.concat([this.hdr, buf]) : buf
        const h = this.hdr
        if (h.length < 2) {
          this.hdr = Buffer.from(h)
          return
        }
        const masked = (h[1] & 0x80) !== 0
        let len = h[1] & 0x7f
        let off = 2
        if (len === 126) off += 2
        else if (len === 127) off += 8
        if (masked) off += 4
        if (h.length < off) {
          this.hdr = Buffer.from(h)
          return
        }
        if (len === 126) len = h.readUInt16BE(2)
        else if (len === 127) len = Number(h.readBigUInt64BE(2))
        this.curFin = (h[0] & 0x80) !== 0
        this.curOpcode = h[0] & 0x0f
        this.remaining = len
        buf = h.subarray(off)
        this.hdr = Buffer.alloc(0)
        if (len === 0) this.endFrame()
        else this.phase = "payload"
      }
    }
  }
  endFrame() {
    this.phase = "header"
    if (this.curOpcode >= 8) this.control++
    else {
      this.lastData = performance.now()
      if (this.curFin) this.messages++
    }
  }
  summary() {
    return {
      tcp_bytes: this.tcp,
      http_upgrade_bytes: this.http,
      ws_messages: this.messages,
      ws_payload_bytes: this.payload,
      ws_control_frames: this.control,
    }
  }
}

function startProxy(targetPort) {
  const up = new Direction() // client -> server
  const down = new Direction() // server -> client
  const sockets = new Set()
  let connections = 0
  const server = net.createServer(client => {
    // one client connection at a time in this benchmark: a new connection starts a new HTTP upgrade
    connections++
    up.phase = down.phase = "http"
    up.hdr = down.hdr = Buffer.alloc(0)
    const upstream = net.connect({ host: "127.0.0.1", port: targetPort })
    sockets.add(client)
    sockets.add(upstream)
    client.on("data", d => {
      up.feed(d)
      upstream.write(d)
    })
    upstream.on("data", d => {
      down.feed(d)
      client.write(d)
    })
    const close = () => {
      client.destroy()
      upstream.destroy()
      sockets.delete(client)
      sockets.delete(upstream)
    }
    client.on("close", close)
    upstream.on("close", close)
    client.on("error", close)
    upstream.on("error", close)
  })
  return new Promise(resolve => {
    server.listen(0, "127.0.0.1", () => {
      resolve({
        port: server.address().port,
        up,
        down,
        reset() {
          up.reset()
          down.reset()
          connections = 0
        },
        connections() {
          return connections
        },
        lastByte() {
          return Math.max(up.last, down.last)
        },
        lastData() {
          return Math.max(up.lastData, down.lastData)
        },
        close() {
          for (const s of sockets) s.destroy()
          server.close()
        },
      })
    })
  })
}

// ---------------------------------------------------------------------------------------------------------
// Worker: one client process
// ---------------------------------------------------------------------------------------------------------

async function worker(args) {
  const { Repo, RawString, updateText } = await import("@automerge/automerge-repo")
  const { BrowserWebSocketClientAdapter } = await import("@automerge/automerge-repo-network-websocket")
  const { NodeFSStorageAdapter } = await import("@automerge/automerge-repo-storage-nodefs")
  const send = msg => process.send(msg)
  const ask = (msg, reply) =>
    new Promise(resolve => {
      const on = m => {
        if (m.type === reply) {
          process.off("message", on)
          resolve(m)
        }
      }
      process.on("message", on)
      send(msg)
    })
  const deadline = Date.now() + args.timeoutS * 1000
  const wsUrl = `ws://127.0.0.1:${args.proxyPort}`

  // A fresh client (pull) is built with its network, as an application would: a document asked for before any
  // peer is connected is declared unavailable. The others open their storage offline and connect afterwards.
  // The adapter's default retry (5 s): the server drops a client that misses a keepalive pong, and the
  // published client reconnects; the proxy counts the connections.
  const adapter = () => new BrowserWebSocketClientAdapter(wsUrl)
  let repo = args.mode === "pull" ? undefined : new Repo({ storage: new NodeFSStorageAdapter(args.storageDir), network: [] })
  const handles = []
  const result = { mode: args.mode }

  if (args.mode === "push") {
    // Create M inspections with K edits each while offline, like a terminal in the field.
    const t0 = performance.now()
    for (let m = 0; m < args.docs; m++) {
      const h = repo.create()
      h.change(d => {
        d.schema = 1
        d.id = new RawString(`insp-${m}`)
        d.agency = new RawString("巴彦淖尔市市场监督管理局")
        d.kind = new RawString("inspection")
        d.item_code = new RawString("SC-0101")
        d.item_name = new RawString("食品经营许可事项检查")
        d.law = new RawString("中华人民共和国食品安全法")
        d.article = new RawString("第八十七条")
        d.party_name = new RawString(`商户 ${m}`)
        d.credit_code = new RawString("91150802MA0N000000")
        d.address = new RawString("临河区新华街")
        d.latitude = new RawString("40.7574")
        d.longitude = new RawString("107.3877")
        d.officer_1 = new RawString("15080001 张三")
        d.officer_2 = new RawString("15080002 李四")
        d.started_at = new RawString(new Date().toISOString())
        d.result = new RawString("")
        d.status = new RawString("in_progress")
        d.findings = "" // text (the /next API makes strings collaborative text)
        d.checklist = ["证照是否齐全", "冷藏温度是否达标", "进货查验记录"].map(label => ({
          label: new RawString(label),
          state: new RawString("unchecked"),
          note: new RawString(""),
        }))
      })
      for (let k = 0; k < args.edits; k++) {
        h.change(d => {
          updateText(d, ["findings"], `第 ${k} 次记录：现场情况正常。`)
          d.result = new RawString(`结果 ${k}`)
        })
      }
      handles.push(h)
      // bound the storage writes in flight (one file each): 10,000 at once exhaust the file descriptors
      if (handles.length % 250 === 0) await repo.flush(handles.slice(-250).map(x => x.documentId))
    }
    await repo.flush()
    result.create_s = (performance.now() - t0) / 1000
    result.local_edits_per_s = (args.docs * Math.max(args.edits, 1)) / result.create_s
    fs.writeFileSync(args.urlsFile, JSON.stringify(handles.map(h => h.url)))
  } else if (args.mode === "idle") {
    // Open every document the client holds, from its storage.
    const urls = JSON.parse(fs.readFileSync(args.urlsFile, "utf8"))
    const t0 = performance.now()
    // in batches of 500, to bound the files open at once
    for (let i = 0; i < urls.length; i += 500) {
      const batch = urls.slice(i, i + 500).map(url => repo.find(url))
      await Promise.all(batch.map(h => h.whenReady()))
      handles.push(...batch)
    }
    result.load_s = (performance.now() - t0) / 1000
  }

  // Connect through the proxy; the orchestrator zeroes its counters first.
  await ask({ type: "connecting" }, "go")
  const tConnect = performance.now()
  let serverStorageId
  const onPeer = ({ peerId }) => {
    serverStorageId = repo.getStorageIdOfPeer(peerId)
    result.server_peer = peerId
  }
  if (repo) {
    repo.networkSubsystem.on("peer", onPeer)
    repo.networkSubsystem.addNetworkAdapter(adapter())
  } else {
    repo = new Repo({ storage: new NodeFSStorageAdapter(args.storageDir), network: [adapter()] })
    repo.networkSubsystem.on("peer", onPeer)
    // a fresh client: ask for every document it was told about
    for (const url of JSON.parse(fs.readFileSync(args.urlsFile, "utf8"))) handles.push(repo.find(url))
  }

  const sameHeads = (a, b) => a && b && a.length === b.length && a.every(x => b.includes(x))
  const acked = () =>
    serverStorageId !== undefined &&
    handles.every(h => sameHeads(h.getRemoteHeads(serverStorageId), h.heads()))

  if (args.mode === "push") {
    // Done when the server has told us (its sync state's heads) that it holds every change of every document.
    while (!acked()) {
      if (Date.now() > deadline) throw new Error("push: timeout")
      await new Promise(r => setTimeout(r, 5))
    }
    result.push_s = (performance.now() - tConnect) / 1000
    result.push_docs_per_s = args.docs / result.push_s
  } else if (args.mode === "pull") {
    const ready = await Promise.race([
      Promise.all(handles.map(h => h.whenReady(["ready", "unavailable"]))),
      new Promise((_, rej) => setTimeout(() => rej(new Error("pull: timeout")), deadline - Date.now())),
    ])
    result.pull_s = (performance.now() - tConnect) / 1000
    result.pull_ready = handles.filter(h => h.isReady()).length
    result.pull_docs_per_s = result.pull_ready / result.pull_s
    // check the content arrived, not just a handle
    const sample = handles[handles.length - 1].docSync()
    result.pull_sample_ok =
      !!sample && sample.checklist?.length === 3 && typeof sample.party_name?.toString() === "string"
  } else if (args.mode === "idle") {
    // Done when the server has answered for every document (its heads are known again for each); the wire's
    // quiet period alone is not enough: a busy client can be silent for longer than it.
    while (!acked()) {
      if (Date.now() > deadline) throw new Error("idle: timeout")
      await new Promise(r => setTimeout(r, 20))
    }
    result.idle_acked_s = (performance.now() - tConnect) / 1000
  }
  // Tell the orchestrator we are done; it waits for the wire to go quiet, then asks for the final state.
  await ask({ type: "done" }, "report")
  result.acked_by_server = serverStorageId ? handles.filter(h => sameHeads(h.getRemoteHeads(serverStorageId), h.heads())).length : 0
  result.docs = handles.length
  send({ type: "result", result })
  setTimeout(() => process.exit(0), 50)
}

// ---------------------------------------------------------------------------------------------------------
// Orchestrator
// ---------------------------------------------------------------------------------------------------------

function countServerDocs(dataDir) {
  // NodeFSStorageAdapter: <dir>/<first 2 chars of id>/<rest of id>/{snapshot,incremental,sync-state}/…
  let n = 0
  for (const a of fs.readdirSync(dataDir, { withFileTypes: true })) {
    if (!a.isDirectory()) continue
    for (const b of fs.readdirSync(path.join(dataDir, a.name), { withFileTypes: true })) {
      if (!b.isDirectory()) continue
      const entries = fs.readdirSync(path.join(dataDir, a.name, b.name))
      if (entries.includes("snapshot") || entries.includes("incremental")) n++
    }
  }
  return n
}

async function runPhase(proxy, args, quietMs, timeoutS) {
  const child = fork(SELF, ["worker", JSON.stringify({ ...args, proxyPort: proxy.port, timeoutS })], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  })
  const started = Date.now()
  let result
  let childDone = false
  let tGo = 0
  const exited = new Promise(resolve => child.on("exit", code => resolve(code)))
  child.on("message", m => {
    if (m.type === "connecting") {
      proxy.reset()
      tGo = performance.now()
      child.send({ type: "go" })
    } else if (m.type === "done") {
      childDone = true
    } else if (m.type === "result") {
      result = m.result
    }
  })
  // wait until the child has finished its part and the wire has been quiet for quietMs
  let exitCode = null
  exited.then(c => (exitCode = c))
  for (;;) {
    await new Promise(r => setTimeout(r, 20))
    if (exitCode !== null) throw new Error(`${args.mode}: client exited early (code ${exitCode})`)
    if (Date.now() - started > timeoutS * 1000) {
      child.kill("SIGKILL")
      throw new Error(`${args.mode}: timeout after ${timeoutS} s`)
    }
    const last = proxy.lastByte()
    if (childDone && last > 0 && performance.now() - last >= quietMs) break
  }
  const wire = {
    connections: proxy.connections(),
    up: proxy.up.summary(),
    down: proxy.down.summary(),
    // from the moment the client was told to connect to the end of the last data message (keepalive
    // ping/pong frames, counted separately, do not extend it)
    until_idle_ms: proxy.lastData() - tGo,
  }
  child.send({ type: "report" })
  await exited
  if (!result) throw new Error(`${args.mode}: no result`)
  return { ...result, wire }
}

function line(label, value) {
  console.log(`  ${label.padEnd(44)} ${value}`)
}

function wireText(w) {
  return (
    `${w.up.ws_messages} messages / ${w.up.ws_payload_bytes} B up, ` +
    `${w.down.ws_messages} messages / ${w.down.ws_payload_bytes} B down (WebSocket payload); ` +
    `TCP ${w.up.tcp_bytes} B up, ${w.down.tcp_bytes} B down incl. upgrade ${w.up.http_upgrade_bytes}+${w.down.http_upgrade_bytes} B, ` +
    `${w.up.ws_control_frames + w.down.ws_control_frames} control frames, ${w.connections} connection(s)`
  )
}

async function orchestrate() {
  const port = envInt("PEER_PORT", 0)
  const dataDir = process.env.PEER_DATA_DIR
  if (!port || !dataDir) throw new Error("PEER_PORT and PEER_DATA_DIR must be set (use ./run.sh)")
  const docs = envInt("PEER_DOCS", 1000)
  const edits = envInt("PEER_EDITS", 5)
  const idleSizes = (process.env.PEER_IDLE_DOCS ?? "1000,10000").split(",").map(Number).filter(Boolean)
  const quietMs = envInt("PEER_QUIET_MS", 1000)
  const timeoutS = envInt("PEER_PHASE_TIMEOUT_S", 600)
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "ft-peer-bench-"))
  const proxy = await startProxy(port)
  const out = { docs, edits, quiet_ms: quietMs }
  console.log(`peer benchmark: automerge-repo-sync-server on 127.0.0.1:${port}, counting proxy on 127.0.0.1:${proxy.port}`)
  console.log(`  (wire figures: until ${quietMs} ms without a byte; ${os.cpus().length} cores, load ${os.loadavg().map(x => x.toFixed(2)).join(" ")})`)
  try {
    // (a) push: one client, M inspections x K edits, created offline, then connected
    const a = await runPhase(
      proxy,
      { mode: "push", docs, edits, storageDir: path.join(work, "a"), urlsFile: path.join(work, "a.json") },
      quietMs,
      timeoutS,
    )
    const onDisk = countServerDocs(dataDir)
    console.log(`1 client x ${docs} inspections x ${edits} edits (${docs} documents)`)
    line("local writes (client, offline)", `${a.local_edits_per_s.toFixed(0)} edits/s (${a.create_s.toFixed(2)} s)`)
    line("push: until the server acknowledged all", `${a.push_docs_per_s.toFixed(0)} documents/s (${a.push_s.toFixed(2)} s; acked ${a.acked_by_server}/${docs}; server data dir holds ${onDisk})`)
    line("push: wire until idle", `${(a.wire.until_idle_ms / 1000).toFixed(2)} s; ${wireText(a.wire)}`)
    line("push: bytes per inspection", `${(a.wire.up.ws_payload_bytes / docs).toFixed(0)} up, ${(a.wire.down.ws_payload_bytes / docs).toFixed(0)} down (payload); ${(a.wire.up.tcp_bytes / docs).toFixed(0)} up, ${(a.wire.down.tcp_bytes / docs).toFixed(0)} down (TCP)`)
    out.push = a

    // (b) pull: a fresh client (empty storage) asks for every document
    const b = await runPhase(
      proxy,
      { mode: "pull", storageDir: path.join(work, "b"), urlsFile: path.join(work, "a.json") },
      quietMs,
      timeoutS,
    )
    line("pull: fresh client, all ready", `${b.pull_docs_per_s.toFixed(0)} documents/s (${b.pull_s.toFixed(2)} s; ${b.pull_ready}/${docs} ready; content ok: ${b.pull_sample_ok})`)
    line("pull: wire until idle", `${(b.wire.until_idle_ms / 1000).toFixed(2)} s; ${wireText(b.wire)}`)
    line("pull: bytes per inspection", `${(b.wire.down.ws_payload_bytes / docs).toFixed(0)} down (payload), ${(b.wire.down.tcp_bytes / docs).toFixed(0)} down (TCP)`)
    out.pull = b

    // (c) idle: the client from (a), restarted with its storage, nothing changed, reconnects
    out.idle = []
    for (const n of idleSizes) {
      let storageDir = path.join(work, "a")
      let urlsFile = path.join(work, "a.json")
      if (n !== docs) {
        // a client holding n documents (no edits, like the 10,000 of tests/benches/sync.rs), synced once
        storageDir = path.join(work, `idle-${n}`)
        urlsFile = path.join(work, `idle-${n}.json`)
        const first = await runPhase(proxy, { mode: "push", docs: n, edits: 0, storageDir, urlsFile }, quietMs, timeoutS)
        line(`first sync of a client holding ${n}`, `${first.push_s.toFixed(2)} s until acknowledged (${first.push_docs_per_s.toFixed(0)} documents/s); wire ${(first.wire.until_idle_ms / 1000).toFixed(2)} s until idle; ${wireText(first.wire)}`)
        out.idle.push({ first_sync: first })
      }
      const c = await runPhase(proxy, { mode: "idle", storageDir, urlsFile }, quietMs, timeoutS)
      line(`idle reconnect at ${n} documents`, `${c.wire.up.ws_messages + c.wire.down.ws_messages} messages, ${(c.wire.until_idle_ms).toFixed(0)} ms until the last byte; server answered ${c.acked_by_server}/${n} (all by ${(c.idle_acked_s * 1000).toFixed(0)} ms); load from disk before: ${c.load_s.toFixed(2)} s`)
      line("  wire", wireText(c.wire))
      out.idle.push({ docs: n, idle: c })
    }
  } finally {
    proxy.close()
    fs.writeFileSync(process.env.PEER_RESULTS ?? path.join(work, "results.json"), JSON.stringify(out, null, 2))
    fs.rmSync(work, { recursive: true, force: true })
  }
}

if (process.argv[2] === "worker") {
  worker(JSON.parse(process.argv[3])).catch(err => {
    console.error(err)
    process.exit(1)
  })
} else {
  orchestrate().then(
    () => process.exit(0),
    err => {
      console.error(err)
      process.exit(1)
    },
  )
}
