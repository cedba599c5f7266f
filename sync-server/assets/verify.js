// The verify page's check (CERT-3), in the browser and offline: the fragment holds a presentation's parts in
// decimal digits (crates/core/src/identity/presentation_url.rs); this rebuilds the two COSE_Sign1 envelopes,
// verifies the authority's and the holder's Ed25519 signatures with WebCrypto against the keys shipped in the
// page, and applies the revocation list, the validity and the 30-minute liveness, as core's verify_presentation
// does. Online, the server's answer adds the item, its legal basis, the officers and the photo (CERT-8).
'use strict';
const TRUST = JSON.parse(document.getElementById('trust').textContent);
const DIGITS = [0, 3, 5, 8, 10, 13, 15, 17];
const LABELS = {
  valid: ['有效', 'Valid', 'ok'],
  revoked: ['已缴销', 'Revoked', 'bad'],
  suspended: ['已暂扣', 'Suspended', 'bad'],
  expired: ['已过期', 'Expired', 'bad'],
  not_yet_valid: ['尚未生效', 'Not yet valid', 'warn'],
  stale: ['出示时间已过久', 'Stale: not presented just now', 'warn'],
  bad_signature: ['签名无效（证件可能被伪造或篡改）', 'Forged or altered', 'bad'],
  unknown_issuer: ['发证机关不可信', 'Unknown issuer', 'bad'],
  malformed: ['无法识别的二维码', 'Unreadable', 'bad'],
  unsupported: ['此浏览器无法离线核验', 'This browser cannot check offline', 'warn'],
};

class Malformed extends Error {}

function fromDigits(text) {
  if (!/^[0-9]*$/.test(text)) throw new Malformed('not all digits');
  const rest = DIGITS.indexOf(text.length % 17);
  if (rest < 0) throw new Malformed('cut short');
  const out = [];
  for (let at = 0; at < text.length; ) {
    const size = text.length - at >= 17 ? 7 : rest;
    let n = BigInt(text.slice(at, at + DIGITS[size]));
    at += DIGITS[size];
    if (n >> BigInt(8 * size) !== 0n) throw new Malformed('group out of range');
    const group = [];
    for (let i = 0; i < size; i++, n >>= 8n) group.unshift(Number(n & 255n));
    out.push(...group);
  }
  return new Uint8Array(out);
}

// CBOR (RFC 8949), the subset our formats use: integers, byte and text strings, arrays, maps, null, tags.
function decodeCbor(bytes) {
  let at = 0;
  const take = (n) => {
    if (at + n > bytes.length) throw new Malformed('CBOR cut short');
    const out = bytes.subarray(at, at + n);
    at += n;
    return out;
  };
  const head = (info) => {
    if (info < 24) return info;
    const size = { 24: 1, 25: 2, 26: 4, 27: 8 }[info];
    if (!size) throw new Malformed('CBOR length not supported');
    let n = 0n;
    for (const b of take(size)) n = (n << 8n) | BigInt(b);
    if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw new Malformed('CBOR number too large');
    return Number(n);
  };
  const item = () => {
    const [first] = take(1);
    const major = first >> 5;
    const info = first & 31;
    if (major === 7) {
      if (first === 0xf6) return null;
      throw new Malformed('CBOR simple value not supported');
    }
    const n = head(info);
    switch (major) {
      case 0: return n;
      case 1: return -1 - n;
      case 2: return take(n).slice();
      case 3: return new TextDecoder('utf-8', { fatal: true }).decode(take(n));
      case 4: { const a = []; for (let i = 0; i < n; i++) a.push(item()); return a; }
      case 5: { const m = new Map(); for (let i = 0; i < n; i++) { const k = item(); m.set(k, item()); } return m; }
      default: return item(); // a tag: its content
    }
  };
  const value = item();
  if (at !== bytes.length) throw new Malformed('CBOR has trailing bytes');
  return value;
}

function cborHead(major, n) {
  const m = major << 5;
  if (n < 24) return [m | n];
  if (n < 0x100) return [m | 24, n];
  if (n < 0x10000) return [m | 25, n >> 8, n & 255];
  if (n < 0x100000000) return [m | 26, n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
  const big = BigInt(n);
  return [m | 27, ...Array.from({ length: 8 }, (_, i) => Number((big >> BigInt(56 - 8 * i)) & 255n))];
}
const cborInt = (n) => (n >= 0 ? cborHead(0, n) : cborHead(1, -1 - n));
const cborBytes = (b) => [...cborHead(2, b.length), ...b];
function cborText(s) {
  const b = new TextEncoder().encode(s);
  return [...cborHead(3, b.length), ...b];
}

function protectedHeader(kid) {
  return new Uint8Array([...cborHead(5, 2), ...cborInt(1), ...cborInt(-8), ...cborInt(4), ...cborBytes(kid)]);
}
function sigStructure(prot, payload) {
  return new Uint8Array([...cborHead(4, 4), ...cborText('Signature1'), ...cborBytes(prot), 0x40, ...cborBytes(payload)]);
}
function sign1(prot, payload, sig) {
  return new Uint8Array([0xd2, ...cborHead(4, 4), ...cborBytes(prot), 0xa0, ...cborBytes(payload), ...cborBytes(sig)]);
}

async function keyId(publicKey) {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', publicKey)).slice(0, 8);
}
const same = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
const b64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
async function verifies(publicKey, sig, data) {
  const key = await crypto.subtle.importKey('raw', publicKey, { name: 'Ed25519' }, false, ['verify']);
  return crypto.subtle.verify({ name: 'Ed25519' }, key, sig, data);
}
function uuid(b) {
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

// The verdict on the presentation in `digits` at `now` (seconds), and what it says.
async function check(digits, now) {
  let parts;
  try {
    parts = decodeCbor(fromDigits(digits));
    if (!Array.isArray(parts) || parts.length !== 8) throw new Malformed('not 8 parts');
  } catch (e) {
    return { verdict: 'malformed', why: String(e.message || e) };
  }
  const [kid, payload, certSig, inspection, at, nonce, item, holderSig] = parts;
  const out = { inspection: inspection instanceof Uint8Array ? uuid(inspection) : String(inspection), at, item };
  let cert;
  try {
    cert = decodeCbor(payload);
    if (!(cert instanceof Map) || !(cert.get(10) instanceof Uint8Array)) throw new Malformed('not a certificate');
  } catch (e) {
    return { ...out, verdict: 'malformed', why: String(e.message || e) };
  }
  out.number = cert.get(2);
  out.name = cert.get(3);
  out.agency = cert.get(4);
  let authority;
  for (const a of TRUST.authorities) if (same(await keyId(b64(a.key)), kid)) authority = a;
  if (!authority) return { ...out, verdict: 'unknown_issuer', why: '签发机关不在本页信任的名单中' };
  out.issuer = authority.name;
  const certProt = protectedHeader(kid);
  try {
    if (!(await verifies(b64(authority.key), certSig, sigStructure(certProt, payload)))) {
      return { ...out, verdict: 'bad_signature', why: '发证机关的签名不符 the authority signature does not match' };
    }
  } catch (e) {
    return { ...out, verdict: 'unsupported', why: String(e.message || e) };
  }
  const entries = (TRUST.revocations?.entries || []).filter((e) => e.number === out.number && e.since <= now);
  if (entries.length) {
    return { ...out, verdict: entries.some((e) => e.revoked) ? 'revoked' : 'suspended', why: '' };
  }
  if (now < cert.get(7)) return { ...out, verdict: 'not_yet_valid', why: '' };
  if (now > cert.get(8)) return { ...out, verdict: 'expired', why: '' };
  const holder = cert.get(10);
  const fields = [
    ...cborInt(1), ...cborBytes(sign1(certProt, payload, certSig)),
    ...cborInt(2), ...cborText(out.inspection),
    ...cborInt(3), ...cborInt(at),
    ...cborInt(4), ...cborBytes(nonce),
    ...(item == null ? [] : [...cborInt(5), ...cborText(item)]),
  ];
  const presPayload = new Uint8Array([...cborHead(5, item == null ? 4 : 5), ...fields]);
  if (!(await verifies(holder, holderSig, sigStructure(protectedHeader(await keyId(holder)), presPayload)))) {
    return { ...out, verdict: 'bad_signature', why: '持证人的签名不符 the holder signature does not match' };
  }
  if (Math.abs(now - at) > TRUST.live_secs) return { ...out, verdict: 'stale', why: '' };
  return { ...out, verdict: 'valid', why: `${authority.name} 签发` };
}

function row(list, label, value) {
  const dt = document.createElement('dt');
  dt.textContent = label;
  const dd = document.createElement('dd');
  dd.textContent = value;
  list.append(dt, dd);
}

function ago(seconds) {
  const s = Math.abs(seconds);
  const [n, unit] = s < 60 ? [s, '秒'] : s < 3600 ? [Math.floor(s / 60), '分钟'] : s < 86400 ? [Math.floor(s / 3600), '小时'] : [Math.floor(s / 86400), '天'];
  return seconds < 0 ? `${n} ${unit}后` : `${n} ${unit}前`;
}

function show(result, now) {
  const [zh, en, tone] = LABELS[result.verdict] || LABELS.malformed;
  const verdict = document.getElementById('verdict');
  verdict.className = `v ${tone}`;
  verdict.dataset.verdict = result.verdict;
  verdict.innerHTML = '';
  verdict.append(`${zh} `);
  const span = document.createElement('span');
  span.className = 'en';
  span.textContent = en;
  verdict.append(span);
  document.getElementById('why').textContent = result.why || '';
  const facts = document.getElementById('facts');
  facts.innerHTML = '';
  // SEC-8: the person a certificate names is shown only when it is valid.
  if (result.verdict === 'valid') {
    row(facts, '姓名 Name', result.name);
    row(facts, '证件编号 Number', result.number);
    row(facts, '执法主体 Agency', result.agency);
    row(facts, '发证机关 Issuer', result.issuer);
  }
  if (result.inspection) row(facts, '检查 Inspection', result.inspection);
  if (result.item) row(facts, '检查事项编码 Item code', result.item);
  if (typeof result.at === 'number') {
    row(facts, '出示时间 Presented', `${new Date(result.at * 1000).toLocaleString('zh-CN')}（${ago(now - result.at)}）`);
  }
  const list = TRUST.revocations;
  document.getElementById('source').textContent = list
    ? `本机离线核验，吊销名单第 ${list.version} 版（${ago(now - list.issued_at)}） · checked in this browser`
    : '本机离线核验，尚无吊销名单 · checked in this browser, no revocation list';
}

function showOnline(answer) {
  const section = document.getElementById('online');
  const list = document.getElementById('context');
  list.innerHTML = '';
  row(list, '服务器核验 Server', (LABELS[answer.verdict] || LABELS.malformed)[0]);
  const site = answer.on_site;
  if (site) {
    row(list, '检查事项 Item', `${site.item_code} ${site.item_name}`);
    for (const b of site.legal_basis) row(list, '执法依据 Legal basis', [b.law, b.article, b.clause, b.item].filter(Boolean).join(' '));
    row(list, '执法人员 Officers', site.officers.map((o) => `${o.name}（${o.certificate_number}）`).join('、'));
  }
  if (answer.photo) {
    const photo = document.getElementById('photo');
    photo.src = answer.photo;
    photo.hidden = false;
  }
  section.hidden = false;
  section.dataset.verdict = answer.verdict;
}

async function run() {
  const digits = location.hash.slice(1);
  const now = Math.floor(Date.now() / 1000);
  show(digits ? await check(digits, now) : { verdict: 'malformed', why: '网址中没有证件 no presentation in the address' }, now);
  if (!digits) return;
  try {
    const response = await fetch('/v1/verify/presentation', { method: 'POST', body: digits });
    if (response.ok) showOnline(await response.json());
  } catch {
    document.getElementById('source').append(' · 服务器不可达 server not reachable');
  }
}

if ('serviceWorker' in navigator) navigator.serviceWorker.register('/V-sw.js').catch(() => {});
window.addEventListener('hashchange', run);
run();
