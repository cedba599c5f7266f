//! The fuzz targets: one for each parser of outside bytes, each run the way the terminal or the server runs it
//! on bytes that arrive (and then on what the parse returned, so a parse that "succeeds" into nonsense is
//! exercised too), with seeds made by the real code and a few edge cases. A target returns `Err` with the
//! parser's message when the input is refused.

use crate::Target;
use crate::bundle_seed::bundles;
use crate::context::{DEVICE, INSPECTION, NOW, context, fixed_key};
use crate::media;
use automerge::AutoCommit;
use automerge::sync::SyncDoc;
use coset::{CborSerializable, CoseSign1, CoseSign1Builder, HeaderBuilder, TaggedCborSerializable, iana};
use fieldtrail_core::identity::{
    Authority, Certificate, CertificateKind, EnrolmentPackage, KdfParams, Presentation, RevocationList, key_id,
    public_key_of, seal, verify_certificate, verify_presentation,
};
use fieldtrail_core::protocol::{self, DocMessage, PROTOCOL_VERSION, SyncRequest, SyncResponse};
use fieldtrail_core::sync::{resume_state, seed_state};
use fieldtrail_core::{Edit, InspectionDoc, httpsig};
use fieldtrail_terminal::evidence::media as readers;
use ring::signature::KeyPair;
use serde_bytes::ByteBuf;
use std::io::Cursor;

type Outcome = Result<(), String>;

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

pub static TARGETS: &[Target] = &[
    Target {
        name: "sync_body",
        parser: "protocol::decode (sync request and response bodies)",
        run: sync_body,
        seeds: sync_body_seeds,
    },
    Target {
        name: "automerge_sync",
        parser: "automerge sync message, applied to an inspection and read",
        run: automerge_sync,
        seeds: automerge_sync_seeds,
    },
    Target {
        name: "automerge_load",
        parser: "InspectionDoc::load and read (stored and bundled documents)",
        run: automerge_load,
        seeds: automerge_load_seeds,
    },
    Target {
        name: "certificate",
        parser: "Certificate::decode and verify_certificate (COSE/CBOR)",
        run: certificate,
        seeds: certificate_seeds,
    },
    Target {
        name: "presentation",
        parser: "Presentation::decode and verify_presentation (COSE/CBOR)",
        run: presentation,
        seeds: presentation_seeds,
    },
    Target {
        name: "qr_text",
        parser: "FT1:/FTP1: QR text (base45, zlib, COSE) and the presentation URL (decimal digits, CBOR parts)",
        run: qr_text,
        seeds: qr_text_seeds,
    },
    Target {
        name: "revocation_list",
        parser: "RevocationList::verify (envelope, and payloads signed by the authority)",
        run: revocation_list,
        seeds: revocation_list_seeds,
    },
    Target {
        name: "enrolment_package",
        parser: "EnrolmentPackage::from_bytes and its certificate",
        run: enrolment_package,
        seeds: enrolment_package_seeds,
    },
    Target { name: "mp4", parser: "media sniffing and the MP4 duration reader", run: mp4, seeds: mp4_seeds },
    Target { name: "wav", parser: "the WAV duration reader", run: wav, seeds: wav_seeds },
    Target { name: "exif", parser: "EXIF (kamadak-exif) in JPEG and TIFF", run: exif, seeds: exif_seeds },
    Target {
        name: "bundle",
        parser: "verify_bundle (tar, manifest, document, receipts, evidence)",
        run: bundle,
        seeds: bundle_seeds,
    },
    Target {
        name: "bundle_member",
        parser: "verify_bundle with one part replaced inside a well-formed tar",
        run: bundle_member,
        seeds: bundle_member_seeds,
    },
    Target {
        name: "httpsig",
        parser: "httpsig::verify_request (signature headers)",
        run: httpsig_headers,
        seeds: httpsig_seeds,
    },
];

// ---- sync bodies ----

fn sync_body(data: &[u8]) -> Outcome {
    let request = protocol::decode::<SyncRequest>(data);
    let response = protocol::decode::<SyncResponse>(data);
    if let Ok(resp) = &response
        && let Some(receipt) = &resp.receipt
    {
        // The terminal checks every receipt it is given.
        let key = hex::decode(&receipt.log_key).map_err(err)?;
        receipt.verify(&key).map_err(err)?;
    }
    match (request, response) {
        (Err(e), Err(_)) => Err(err(e)),
        _ => Ok(()),
    }
}

fn doc_message() -> Vec<u8> {
    let mut doc = InspectionDoc::load(&context().inspection, automerge::ActorId::random()).ok();
    doc.as_mut()
        .and_then(|d| d.automerge().sync().generate_sync_message(&mut seed_state(vec![])))
        .map(|m| m.encode())
        .unwrap_or_default()
}

fn sync_body_seeds() -> Vec<Vec<u8>> {
    let msg = doc_message();
    let request = SyncRequest {
        v: PROTOCOL_VERSION,
        terminal: DEVICE.into(),
        cursor: 17,
        docs: vec![
            DocMessage { id: INSPECTION.into(), msg: ByteBuf::from(msg.clone()) },
            DocMessage { id: "9d0c3f52-0b5e-4a43-9b43-2a4f1a6f8c12".into(), msg: ByteBuf::from(vec![0x42, 0, 0]) },
        ],
        revocation_version: 2,
        resync: true,
        ..Default::default()
    };
    let response = SyncResponse {
        v: PROTOCOL_VERSION,
        cursor: 99,
        more: true,
        docs: vec![DocMessage { id: INSPECTION.into(), msg: ByteBuf::from(msg) }],
        revocations: Some(ByteBuf::from(context().revocations.bytes().to_vec())),
        receipt: None,
        log: None,
    };
    let idle =
        SyncRequest { v: PROTOCOL_VERSION, terminal: DEVICE.into(), cursor: 0, docs: vec![], ..Default::default() };
    vec![
        protocol::encode(&request),
        protocol::encode(&response),
        protocol::encode(&idle),
        // Deep nesting, a huge declared length, an indefinite-length map.
        [vec![0x81; 300], vec![0x01]].concat(),
        vec![0x5b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00],
        vec![0xbf, 0x61, b'v', 0x01, 0xff],
    ]
}

// ---- automerge ----

thread_local! {
    static BASE: Option<AutoCommit> = AutoCommit::load(&context().earlier).ok();
}

/// The first byte chooses what the message meets: an empty document (a new case arriving at the server) or
/// the stored inspection (an edit arriving).
fn automerge_sync(data: &[u8]) -> Outcome {
    let (&mode, bytes) = data.split_first().ok_or("empty input")?;
    let msg = fieldtrail_core::sync_message::decode(bytes).map_err(err)?;
    let mut doc = if mode % 2 == 0 {
        AutoCommit::new()
    } else {
        BASE.with(|b| b.clone()).ok_or("the base document does not load")?
    };
    let mut state = resume_state(doc.get_heads());
    doc.sync().receive_sync_message(&mut state, msg).map_err(err)?;
    let _reply = doc.sync().generate_sync_message(&mut state);
    let inspection = InspectionDoc::from_automerge(doc).map_err(err)?;
    inspection.id().map_err(err)?;
    inspection.read().map_err(err)?;
    inspection.evidence().map_err(err)?;
    Ok(())
}

fn automerge_sync_seeds() -> Vec<Vec<u8>> {
    let ctx = context();
    let mut seeds = Vec::new();
    if let Ok(mut full) = AutoCommit::load(&ctx.inspection) {
        // The whole document to an empty one, and the last edits to the stored one.
        if let Some(m) = full.sync().generate_sync_message(&mut seed_state(vec![])) {
            seeds.push([vec![0], m.encode()].concat());
        }
        if let Ok(mut base) = AutoCommit::load(&ctx.earlier) {
            if let Some(m) = full.sync().generate_sync_message(&mut seed_state(base.get_heads())) {
                seeds.push([vec![1], m.encode()].concat());
            }
            // The stored one's heads only: what a peer that has nothing new sends.
            if let Some(m) = base.sync().generate_sync_message(&mut automerge::sync::State::new()) {
                seeds.push([vec![1], m.encode()].concat());
            }
        }
    }
    // A document that is not an inspection.
    let mut other = AutoCommit::new();
    let _ = automerge::transaction::Transactable::put(&mut other, automerge::ROOT, "item", "not a map");
    if let Some(m) = other.sync().generate_sync_message(&mut seed_state(vec![])) {
        seeds.push([vec![0], m.encode()].concat());
    }
    seeds
}

fn automerge_load(data: &[u8]) -> Outcome {
    let mut doc = InspectionDoc::load(data, automerge::ActorId::from(&[9u8; 16][..])).map_err(err)?;
    doc.read().map_err(err)?;
    doc.evidence().map_err(err)?;
    let _ = doc.timeline();
    doc.apply(&Edit::SetFindings("fuzz".into()), chrono::DateTime::from_timestamp(NOW, 0).unwrap_or_default())
        .map_err(err)?;
    Ok(())
}

fn automerge_load_seeds() -> Vec<Vec<u8>> {
    let ctx = context();
    // A save followed by an incremental chunk, as a terminal appends them.
    let mut incremental = ctx.earlier.clone();
    if let Ok(mut full) = AutoCommit::load(&ctx.inspection)
        && let Ok(mut base) = AutoCommit::load(&ctx.earlier)
    {
        for change in full.get_changes(&base.get_heads()) {
            incremental.extend_from_slice(change.raw_bytes());
        }
    }
    vec![ctx.inspection.clone(), ctx.earlier.clone(), incremental]
}

// ---- identity ----

fn certificate(data: &[u8]) -> Outcome {
    let cert = Certificate::decode(data).map_err(err)?;
    let ctx = context();
    let v = verify_certificate(data, &ctx.trust, Some(&ctx.revocations), NOW);
    let _ = (cert.body().name.len(), cert.to_qr_text(), v.verdict.as_str());
    Ok(())
}

fn certificate_seeds() -> Vec<Vec<u8>> {
    let ctx = context();
    let (other, _) = fixed_key(4);
    let supervisor = crate::context::body("15089001", "周八", CertificateKind::Supervisor, &other);
    let mut seeds = vec![ctx.certificate.bytes().to_vec()];
    if let Ok(c) = Certificate::issue(&supervisor, &ctx.authority) {
        seeds.push(c.bytes().to_vec());
    }
    seeds
}

fn presentation(data: &[u8]) -> Outcome {
    let p = Presentation::decode(data).map_err(err)?;
    let ctx = context();
    let v = verify_presentation(data, &ctx.trust, Some(&ctx.revocations), NOW, Some(INSPECTION), Some(1800));
    let _ = (p.to_qr_text(), v.verdict.as_str());
    Ok(())
}

fn presentation_seeds() -> Vec<Vec<u8>> {
    let ctx = context();
    [0u8, 1]
        .iter()
        .filter_map(|n| Presentation::create(&ctx.certificate, &ctx.holder, INSPECTION, NOW - 60, [*n; 16]).ok())
        .map(|p| p.bytes().to_vec())
        .collect()
}

fn qr_text(data: &[u8]) -> Outcome {
    let text = String::from_utf8_lossy(data);
    let ctx = context();
    if Presentation::is_presentation_text(&text) {
        let p = Presentation::from_url_or_text(&text).map_err(err)?;
        verify_presentation(p.bytes(), &ctx.trust, Some(&ctx.revocations), NOW, None, None);
    } else {
        let c = Certificate::from_qr_text(&text).map_err(err)?;
        verify_certificate(c.bytes(), &ctx.trust, Some(&ctx.revocations), NOW);
    }
    Ok(())
}

fn qr_text_seeds() -> Vec<Vec<u8>> {
    let ctx = context();
    let mut seeds = vec![ctx.certificate.to_qr_text().into_bytes()];
    if let Ok(p) = Presentation::create(&ctx.certificate, &ctx.holder, INSPECTION, NOW, [3; 16]) {
        seeds.push(p.to_qr_text().into_bytes());
        if let Ok(url) = p.to_url("https://zfjd.example.cn") {
            seeds.push(url.into_bytes());
        }
    }
    seeds.extend([
        b"FT1:".to_vec(),
        b"FTP1:%%%%".to_vec(),
        b" FT1:0000 ".to_vec(),
        b"HTTPS://X/V#".to_vec(),
        b"https://x/v#136".to_vec(),
    ]);
    seeds
}

/// Signs `payload` as the context's authority, exactly as a revocation list is signed.
fn sign_payload(payload: Vec<u8>) -> Result<Vec<u8>, String> {
    let ctx = context();
    let protected = HeaderBuilder::new()
        .algorithm(iana::Algorithm::EdDSA)
        .key_id(key_id(ctx.authority.public_key().as_ref()))
        .build();
    CoseSign1Builder::new()
        .protected(protected)
        .payload(payload)
        .create_signature(b"", |tbs| ctx.authority.sign(tbs).as_ref().to_vec())
        .build()
        .to_tagged_vec()
        .map_err(err)
}

/// The first byte chooses: a whole envelope as it arrives (mostly refused at the signature), or a payload the
/// authority signs, to reach the list's own parser.
fn revocation_list(data: &[u8]) -> Outcome {
    let (&mode, bytes) = data.split_first().ok_or("empty input")?;
    let envelope = if mode % 2 == 0 { bytes.to_vec() } else { sign_payload(bytes.to_vec())? };
    let list = RevocationList::verify(&envelope, &context().trust).map_err(err)?;
    list.status_of("15080009", NOW);
    Ok(())
}

fn revocation_list_seeds() -> Vec<Vec<u8>> {
    let bytes = context().revocations.bytes().to_vec();
    let payload = CoseSign1::from_tagged_slice(&bytes).ok().and_then(|s| s.payload).unwrap_or_default();
    let untagged = CoseSign1::from_tagged_slice(&bytes).ok().and_then(|s| s.to_vec().ok()).unwrap_or_default();
    vec![[vec![0], bytes].concat(), [vec![1], payload].concat(), [vec![0], untagged].concat()]
}

fn enrolment_package(data: &[u8]) -> Outcome {
    let package = EnrolmentPackage::from_bytes(data).map_err(err)?;
    let ctx = context();
    // What the terminal checks before deriving anything: the certificate against its provisioned keys.
    let v = verify_certificate(&package.certificate, &ctx.trust, Some(&ctx.revocations), NOW);
    if !v.is_valid() {
        return Err(v.detail);
    }
    if package.key.nonce.len() != 12 {
        return Err("nonce is not 12 bytes".into());
    }
    Ok(())
}

fn enrolment_package_seeds() -> Vec<Vec<u8>> {
    let ctx = context();
    let Ok(key) = seal(&ctx.holder_pkcs8, "ABCDE-FGHJK", [5; 16], [6; 12], KdfParams::default()) else {
        return vec![];
    };
    let package = EnrolmentPackage {
        v: EnrolmentPackage::VERSION,
        certificate: ctx.certificate.bytes().to_vec(),
        authority: Authority { name: crate::context::AUTHORITY.into(), public_key: public_key_of(&ctx.authority) },
        key,
        photo: vec![],
    };
    vec![package.to_bytes()]
}

// ---- media ----

fn mp4(data: &[u8]) -> Outcome {
    let _ = readers::sniff(data);
    readers::mp4_duration_ms(&mut Cursor::new(data)).map_err(err)?;
    Ok(())
}

fn mp4_seeds() -> Vec<Vec<u8>> {
    media::mp4_seeds()
}

fn wav(data: &[u8]) -> Outcome {
    readers::wav_duration_ms(&mut Cursor::new(data)).map_err(err)?;
    Ok(())
}

fn wav_seeds() -> Vec<Vec<u8>> {
    media::wav_seeds()
}

fn exif(data: &[u8]) -> Outcome {
    let mut probe = readers::Probe::default();
    readers::exif_probe(&mut Cursor::new(data), &mut probe);
    if probe == readers::Probe::default() { Err("no EXIF read".into()) } else { Ok(()) }
}

fn exif_seeds() -> Vec<Vec<u8>> {
    media::exif_seeds()
}

// ---- case bundles ----

/// The first byte chooses whether the verifier trusts the authority's published key or the bundle's own.
fn bundle(data: &[u8]) -> Outcome {
    let (&mode, bytes) = data.split_first().ok_or("empty input")?;
    let trusted = if mode % 2 == 1 { vec![bundles().authority_key.clone()] } else { vec![] };
    let report = fieldtrail_terminal::bundle::verify_bundle_from(Cursor::new(bytes), &trusted, &[]).map_err(err)?;
    let _ = report.render();
    if report.is_clean() { Ok(()) } else { Err("the bundle does not verify".into()) }
}

fn bundle_seeds() -> Vec<Vec<u8>> {
    let b = bundles();
    vec![[vec![1], b.locked.clone()].concat(), [vec![0], b.open.clone()].concat()]
}

/// The parts of a bundle that are not evidence files: what `bundle_member` replaces, by its first byte.
const MEMBERS: [&str; 4] = ["manifest.json", "document.automerge", "revocation-list.cose", "receipts.json"];

thread_local! {
    /// The locked seed bundle's files, in order.
    static LOCKED: Vec<(String, Vec<u8>)> = untar(&bundles().locked);
}

fn untar(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    use std::io::Read;
    let mut out = Vec::new();
    let mut archive = tar::Archive::new(bytes);
    for mut entry in archive.entries().into_iter().flatten().flatten() {
        let name = entry.path().map(|p| p.to_string_lossy().into_owned()).unwrap_or_default();
        let mut content = Vec::new();
        if entry.read_to_end(&mut content).is_ok() {
            out.push((name, content));
        }
    }
    out
}

/// Tar checksums stop blind mutation at the first header; this target mutates one part of the real locked
/// bundle (chosen by the first byte) and packs it into a well-formed tar, so the verifier's own checks run.
fn bundle_member(data: &[u8]) -> Outcome {
    let (&which, content) = data.split_first().ok_or("empty input")?;
    let name = MEMBERS[usize::from(which) % MEMBERS.len()];
    let mut files = LOCKED.with(|files| files.clone());
    match files.iter_mut().find(|(n, _)| n == name) {
        Some((_, bytes)) => *bytes = content.to_vec(),
        None => files.push((name.to_owned(), content.to_vec())),
    }
    let mut tar = tar::Builder::new(Vec::new());
    for (name, bytes) in &files {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o444);
        header.set_cksum();
        tar.append_data(&mut header, name, bytes.as_slice()).map_err(err)?;
    }
    let packed = tar.into_inner().map_err(err)?;
    let trusted = [bundles().authority_key.clone()];
    let report = fieldtrail_terminal::bundle::verify_bundle_from(Cursor::new(packed), &trusted, &[]).map_err(err)?;
    let _ = report.render();
    if report.is_clean() { Ok(()) } else { Err("the bundle does not verify".into()) }
}

fn bundle_member_seeds() -> Vec<Vec<u8>> {
    let files = LOCKED.with(|files| files.clone());
    let mut seeds: Vec<Vec<u8>> = MEMBERS
        .iter()
        .enumerate()
        .filter_map(|(i, name)| files.iter().find(|(n, _)| n == name).map(|(_, b)| [vec![i as u8], b.clone()].concat()))
        .collect();
    seeds.push([vec![3], b"[]".to_vec()].concat());
    seeds
}

// ---- signed requests ----

/// Lines: Signature-Input, Signature, Content-Digest (empty for a request without a covered body), then the body.
fn httpsig_headers(data: &[u8]) -> Outcome {
    let mut parts = data.splitn(4, |b| *b == b'\n');
    let mut line = || String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
    let (input, signature, digest) = (line(), line(), line());
    let body = parts.next().unwrap_or_default();
    let header = |name: &str| {
        let value = match name {
            httpsig::SIGNATURE_INPUT => &input,
            httpsig::SIGNATURE => &signature,
            httpsig::CONTENT_DIGEST => &digest,
            _ => "",
        };
        (!value.is_empty()).then(|| value.to_owned())
    };
    let (method, path, body) =
        if digest.is_empty() { ("GET", "/v1/documents", None) } else { ("POST", "/v1/sync", Some(body)) };
    let device = public_key_of(&context().device);
    httpsig::verify_request(method, path, body, header, |id| (id == DEVICE).then(|| device.clone())).map_err(err)?;
    Ok(())
}

fn httpsig_seeds() -> Vec<Vec<u8>> {
    let ctx = context();
    let body =
        protocol::encode(&SyncRequest { v: 1, terminal: DEVICE.into(), cursor: 0, docs: vec![], ..Default::default() });
    let post = httpsig::sign_request("POST", "/v1/sync", Some(&body), DEVICE, 42, NOW, &ctx.device);
    let get = httpsig::sign_request("GET", "/v1/documents", None, DEVICE, 43, NOW, &ctx.device);
    let join = |h: &httpsig::SignedHeaders, body: &[u8]| {
        let mut out =
            format!("{}\n{}\n{}\n", h.signature_input, h.signature, h.content_digest.clone().unwrap_or_default())
                .into_bytes();
        out.extend_from_slice(body);
        out
    };
    vec![join(&post, &body), join(&get, b"")]
}
