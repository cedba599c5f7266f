//! The case bundle (TRAIL-3): one inspection as a single tar file, with its automerge document (the whole
//! hash-linked history), its evidence files, the authorities and revocation list it was checked against, the
//! server's receipts for its changes (signed tree heads and inclusion proofs), and a readable `manifest.json`. `verify_bundle` checks it on a machine that has never seen the server, streaming
//! each evidence file through SHA-256, so a bundle with hours of video verifies in flat memory.

use crate::error::{Error, Result};
use crate::{Terminal, officers};
use fieldtrail_core::InspectionDoc;
use fieldtrail_core::identity::{
    Authority, OfficerCheck, Presentation, RevocationList, Trust, TrustList, check_can_lock, key_id,
    verify_presentation,
};
use fieldtrail_core::lock_rule::check_recorded_amendments;
use fieldtrail_core::trail::{Leaf, LeafKind, Receipt};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

const VERSION: u32 = 1;

/// `manifest.json`: what the bundle holds, for people and for the verifier.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub v: u32,
    pub inspection_id: String,
    pub exported_at: String,
    pub exported_by_device: String,
    pub authorities: Vec<Authority>,
    pub revocation_list_version: Option<u64>,
    pub evidence: Vec<ManifestEvidence>,
    /// Receipts kept for this inspection's changes.
    #[serde(default)]
    pub receipts: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ManifestEvidence {
    pub sha256: String,
    pub size: u64,
    pub media_type: String,
    pub path: String,
}

/// The verifier's findings: every check, passed or not, in order.
#[derive(Debug, Clone, Default, Serialize)]
pub struct BundleReport {
    pub inspection_id: String,
    pub checks: Vec<(bool, String)>,
}

impl BundleReport {
    fn ok(&mut self, line: String) {
        self.checks.push((true, line));
    }
    fn fail(&mut self, line: String) {
        self.checks.push((false, line));
    }
    pub fn is_clean(&self) -> bool {
        self.checks.iter().all(|(ok, _)| *ok)
    }
    /// The report as text, one check a line.
    pub fn render(&self) -> String {
        let mut out = format!("case bundle of inspection {}\n", self.inspection_id);
        for (ok, line) in &self.checks {
            out.push_str(&format!("  {} {line}\n", if *ok { "ok  " } else { "FAIL" }));
        }
        let failed = self.checks.iter().filter(|(ok, _)| !ok).count();
        out.push_str(&format!("{} check(s), {failed} failed\n", self.checks.len()));
        out
    }
}

fn tar_err(e: std::io::Error) -> Error {
    Error::Invalid(format!("bundle: {e}"))
}

impl Terminal {
    /// Writes inspection `id` as a case bundle to `out`.
    pub fn export_bundle(&self, id: &str, out: &Path) -> Result<Manifest> {
        let mut doc = self.document(id)?;
        let evidence = doc.evidence()?;
        let (authorities, revocations) =
            self.with_conn(|c| Ok((officers::trust_list(c)?, officers::revocation_list(c)?)))?;
        let receipts = self.receipts_for(id)?;
        let manifest = Manifest {
            v: VERSION,
            inspection_id: id.to_owned(),
            exported_at: chrono::Utc::now().to_rfc3339(),
            exported_by_device: self.device_id().to_owned(),
            authorities: authorities.authorities,
            revocation_list_version: revocations.as_ref().map(|l| l.version),
            evidence: evidence
                .iter()
                .map(|e| ManifestEvidence {
                    sha256: e.sha256.clone(),
                    size: e.size,
                    media_type: e.media_type.clone(),
                    path: format!("evidence/{}", e.sha256),
                })
                .collect(),
            receipts: receipts.len(),
        };
        let file = std::fs::File::create(out).map_err(tar_err)?;
        let mut tar = tar::Builder::new(std::io::BufWriter::new(file));
        let mut add = |name: &str, bytes: &[u8]| -> Result<()> {
            let mut header = tar::Header::new_gnu();
            header.set_size(bytes.len() as u64);
            header.set_mode(0o444);
            header.set_cksum();
            tar.append_data(&mut header, name, bytes).map_err(tar_err)
        };
        let json = serde_json::to_vec_pretty(&manifest).map_err(|e| Error::Invalid(e.to_string()))?;
        add("manifest.json", &json)?;
        add("document.automerge", &doc.save())?;
        if let Some(list) = &revocations {
            add("revocation-list.cose", list.bytes())?;
        }
        if !receipts.is_empty() {
            add("receipts.json", &serde_json::to_vec_pretty(&receipts).map_err(|e| Error::Invalid(e.to_string()))?)?;
        }
        for e in &evidence {
            let path = self.evidence_path(&e.sha256)?;
            tar.append_path_with_name(&path, format!("evidence/{}", e.sha256)).map_err(tar_err)?;
        }
        tar.into_inner()
            .map_err(tar_err)?
            .into_inner()
            .map_err(|e| tar_err(e.into_error()))?
            .sync_all()
            .map_err(tar_err)?;
        Ok(manifest)
    }
}

impl Terminal {
    /// The kept receipts, each cut down to the entries for inspection `id`'s changes.
    fn receipts_for(&self, id: &str) -> Result<Vec<Receipt>> {
        let mut out = Vec::new();
        for stored in self.receipts()? {
            let entries: Vec<_> = stored
                .entries
                .into_iter()
                .filter(|e| {
                    hex::decode(&e.leaf).ok().and_then(|b| Leaf::decode(&b).ok()).is_some_and(|l| l.document == id)
                })
                .collect();
            if entries.is_empty() {
                continue;
            }
            let key = self
                .log_key(&stored.server)?
                .ok_or_else(|| Error::Invalid(format!("no log key for {}", stored.server)))?;
            out.push(Receipt { log_key: hex::encode(key), sth: stored.sth, entries });
        }
        Ok(out)
    }
}

/// Verifies a case bundle offline. `trusted` are the authority keys the verifier trusts (published by the
/// issuing authority), `log_keys` the server log keys it trusts; with none, the bundle's own are used and the
/// report says to compare their key ids with the published ones.
pub fn verify_bundle(path: &Path, trusted: &[Vec<u8>], log_keys: &[Vec<u8>]) -> Result<BundleReport> {
    verify_bundle_from(std::fs::File::open(path).map_err(tar_err)?, trusted, log_keys)
}

/// [`verify_bundle`] of a bundle read from `reader` (a bundle is outside bytes: every part of it is checked,
/// none of it can make the verifier panic; SEC-8).
pub fn verify_bundle_from<R: Read>(reader: R, trusted: &[Vec<u8>], log_keys: &[Vec<u8>]) -> Result<BundleReport> {
    let mut archive = tar::Archive::new(reader);
    let (mut manifest, mut document, mut revocation, mut receipts) = (None, None, None, None);
    let mut hashed: BTreeMap<String, (String, u64)> = BTreeMap::new();
    for entry in archive.entries().map_err(tar_err)? {
        let mut entry = entry.map_err(tar_err)?;
        let name = entry.path().map_err(tar_err)?.to_string_lossy().into_owned();
        let mut small = || -> Result<Vec<u8>> {
            let mut bytes = Vec::new();
            entry.by_ref().take(64 << 20).read_to_end(&mut bytes).map_err(tar_err)?;
            Ok(bytes)
        };
        match name.as_str() {
            "manifest.json" => manifest = Some(small()?),
            "document.automerge" => document = Some(small()?),
            "revocation-list.cose" => revocation = Some(small()?),
            "receipts.json" => receipts = Some(small()?),
            other if other.starts_with("evidence/") => {
                let computed = fieldtrail_core::evidence::sha256_of(&mut entry).map_err(tar_err)?;
                hashed.insert(other.trim_start_matches("evidence/").to_owned(), computed);
            }
            other => return Err(Error::Invalid(format!("bundle holds an unexpected file {other}"))),
        }
    }
    let manifest: Manifest =
        serde_json::from_slice(&manifest.ok_or_else(|| Error::Invalid("bundle has no manifest.json".into()))?)
            .map_err(|e| Error::Invalid(format!("manifest.json: {e}")))?;
    let mut report = BundleReport { inspection_id: manifest.inspection_id.clone(), ..Default::default() };
    if manifest.v != VERSION {
        return Err(Error::Invalid(format!("bundle version {} is not supported", manifest.v)));
    }

    // The document: automerge checks every change's hash and its links to the ones before on load.
    let bytes = document.ok_or_else(|| Error::Invalid("bundle has no document.automerge".into()))?;
    let mut doc = match InspectionDoc::load(&bytes, automerge::ActorId::random()) {
        Ok(doc) => doc,
        Err(e) => {
            report.fail(format!("the document's history does not load: {e}"));
            return Ok(report);
        }
    };
    let view = doc.read()?;
    let inspection = &view.inspection;
    if inspection.id == manifest.inspection_id {
        report.ok(format!("history: {} changes, each hash-linked to the ones before", doc.timeline().len()));
    } else {
        report.fail(format!("the document is inspection {}, not {}", inspection.id, manifest.inspection_id));
    }
    // REC-1: where it started, as recorded; bound by the lock's signature over the heads once locked.
    match &inspection.position {
        Some(p) => report.ok(format!("started {}; {p}", inspection.started_at)),
        None => report.ok(format!("started {}; no position recorded (opened before positions)", inspection.started_at)),
    }

    let trust = if trusted.is_empty() {
        for a in &manifest.authorities {
            report.ok(format!(
                "authority {} taken from the bundle: compare its key id {} with the one the authority publishes",
                a.name,
                hex::encode(key_id(&a.public_key))
            ));
        }
        TrustList::new(manifest.authorities.clone())
    } else {
        TrustList::new(trusted.iter().map(|k| Authority { name: "trusted".into(), public_key: k.clone() }).collect())
    };
    let revocations = match revocation.map(|b| RevocationList::verify(&b, &trust)) {
        Some(Ok(list)) => {
            report.ok(format!("revocation list version {}, signed by a trusted authority", list.version));
            Some(list)
        }
        Some(Err(e)) => {
            report.fail(format!("revocation list: {e}"));
            None
        }
        None => None,
    };

    // Who was there: every presentation verified at the moment it was made, for this inspection.
    let mut checks = Vec::new();
    for p in &inspection.presentations {
        let v = match Presentation::from_qr_text(&p.qr) {
            Ok(pr) => verify_presentation(
                pr.bytes(),
                &trust,
                revocations.as_ref(),
                pr.presented_at(),
                Some(&inspection.id),
                None,
            ),
            Err(e) => verify_presentation(e.to_string().as_bytes(), &trust, None, 0, None, None),
        };
        let line = format!(
            "certificate presented by {} ({}) at {}: {}",
            p.name,
            p.certificate_number,
            p.presented_at,
            v.verdict.as_str()
        );
        if v.is_valid() {
            report.ok(line)
        } else {
            report.fail(line)
        }
        checks.push(v);
    }
    if let Some(lock) = &inspection.lock {
        match doc.check_lock(lock) {
            Ok(()) => report.ok(format!(
                "locked by {} at {}: signature over {} head(s) verifies",
                lock.by,
                lock.at,
                lock.heads.len()
            )),
            Err(e) => report.fail(format!("lock: {e}")),
        }
        match check_can_lock(&checks.iter().map(|v| OfficerCheck { verification: v }).collect::<Vec<_>>()) {
            Ok(()) => report.ok("at least two certified officers presented before the lock".into()),
            Err(e) => report.fail(e.to_string()),
        }
    }
    // Each amendment: signed by an officer who presented, over exactly what it records (SEC-2).
    let now = chrono::Utc::now().timestamp();
    let rules_trust = Trust { authorities: trust.clone(), revocations: revocations.clone(), now };
    for (a, verdict) in check_recorded_amendments(doc.automerge(), &rules_trust) {
        let line = format!(
            "amendment by {} at {} ({}): {} -> {}; reason: {}",
            a.by, a.at, a.what, a.before, a.after, a.reason
        );
        match verdict {
            Ok(()) => report.ok(format!("{line}; signature verifies")),
            Err(e) => report.fail(format!("{line}: {e}")),
        }
    }

    // Evidence: each file present, its bytes hashing to the recorded SHA-256, and its signatures holding.
    let keys: BTreeMap<String, Vec<u8>> = inspection
        .presentations
        .iter()
        .filter_map(|p| {
            Presentation::from_qr_text(&p.qr)
                .ok()
                .map(|pr| (p.certificate_number.clone(), pr.certificate().body().holder_key.clone()))
        })
        .collect();
    for e in doc.evidence()? {
        let name = format!("evidence {} ({}, {} bytes)", short(&e.sha256), e.media_type, e.size);
        match hashed.get(&e.sha256) {
            None => report.fail(format!("{name}: missing from the bundle")),
            Some((sha, size)) if *sha != e.sha256 || *size != e.size => {
                report.fail(format!("{name}: the file's bytes hash to {sha}, {size} bytes"))
            }
            Some(_) => {
                let officer_key = e.officer.as_ref().and_then(|o| keys.get(o)).map(Vec::as_slice);
                match e.verify_signatures(officer_key.filter(|_| e.officer_signature.is_some())) {
                    Ok(()) => report.ok(format!(
                        "{name}: intact; signed by device{}{}",
                        if e.officer_signature.is_some() && officer_key.is_some() { " and officer" } else { "" },
                        // The position is inside the signed payload, so it is reported as verified with it.
                        e.position.map(|p| format!("; {p}")).unwrap_or_default()
                    )),
                    Err(err) => report.fail(format!("{name}: {err}")),
                }
            }
        }
    }
    check_receipts(&mut report, receipts, log_keys, &inspection.id, &mut doc);
    if let Some(sig) = &inspection.party_signature {
        if sig.signed {
            match sig.evidence.as_ref().filter(|s| hashed.contains_key(*s)) {
                Some(s) => {
                    report.ok(format!("party signed at {}; the signature image is evidence {}", sig.at, short(s)))
                }
                None => report.fail("party signed, but the signature image is not in the bundle".into()),
            }
        } else {
            report.ok(format!("party refused to sign at {}: {}", sig.at, sig.reason));
        }
    }
    Ok(report)
}

/// The first 12 characters of a hash, for a report line; a name from the bundle may be shorter, or not hex.
fn short(hash: &str) -> String {
    hash.chars().take(12).collect()
}

/// The server's receipts: each tree head signed by the log key, each change proven in the log at that size,
/// and every proven change one of this inspection's.
fn check_receipts(
    report: &mut BundleReport,
    bytes: Option<Vec<u8>>,
    log_keys: &[Vec<u8>],
    id: &str,
    doc: &mut InspectionDoc,
) {
    let held: std::collections::BTreeSet<String> =
        doc.automerge().get_changes(&[]).iter().map(|c| c.hash().to_string()).collect();
    let Some(bytes) = bytes else {
        report.ok(format!("no server receipts: the {} change(s) were not delivered before export", held.len()));
        return;
    };
    let receipts: Vec<Receipt> = match serde_json::from_slice(&bytes) {
        Ok(r) => r,
        Err(e) => return report.fail(format!("receipts.json: {e}")),
    };
    let mut proven = std::collections::BTreeSet::new();
    for receipt in &receipts {
        let Ok(key) = hex::decode(&receipt.log_key) else {
            return report.fail("a receipt's log key is not hex".into());
        };
        if !log_keys.is_empty() && !log_keys.contains(&key) {
            report.fail(format!(
                "receipt signed by log key {}…, not a trusted one",
                receipt.log_key.chars().take(16).collect::<String>()
            ));
            continue;
        }
        match receipt.verify(&key) {
            Ok(leaves) => {
                let mine: Vec<String> = leaves
                    .iter()
                    .filter(|(_, leaf)| leaf.kind == LeafKind::Change && leaf.document == id)
                    .map(|(_, leaf)| hex::encode(leaf.hash))
                    .collect();
                let foreign = mine.iter().filter(|h| !held.contains(*h)).count();
                if foreign > 0 {
                    report.fail(format!("a receipt proves {foreign} change(s) this inspection does not have"));
                }
                proven.extend(mine);
            }
            Err(e) => report.fail(format!("receipt at tree size {}: {e}", receipt.sth.size)),
        }
    }
    if log_keys.is_empty()
        && let Some(first) = receipts.first()
    {
        report.ok(format!(
            "server log key {}… taken from the bundle: compare it with the one the server publishes",
            first.log_key.chars().take(16).collect::<String>()
        ));
    }
    let newest = receipts.iter().map(|r| r.sth.size).max().unwrap_or(0);
    report.ok(format!(
        "server receipts: {} of {} change(s) proven in the server's log (signed tree heads up to size {newest})",
        proven.len(),
        held.len()
    ));
}
