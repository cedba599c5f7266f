//! What the targets check their inputs against, made once by the real code: an issuing authority, its trust
//! list and a signed revocation list, an officer's certificate and key, a registered device's key, and an
//! inspection document; and, for case bundles, a real terminal that enrolled two officers with packages from the
//! server's authority code, locked a case with evidence, and exported it.

use automerge::ActorId;
use fieldtrail_core::identity::{
    Authority, Certificate, CertificateBody, CertificateKind, RevocationEntry, RevocationList, RevocationStatus,
    TrustList, public_key_of,
};
use fieldtrail_core::{Edit, InspectionDoc, Kind, LegalBasis, Location, NewInspection, OfficerRef, Party};
use ring::signature::Ed25519KeyPair;
use std::sync::OnceLock;

/// The time every verification is made at (2026-11-18), so a run repeats.
pub const NOW: i64 = 1_795_000_000;
pub const DEVICE: &str = "7d0c3f52-0b5e-4a43-9b43-2a4f1a6f8c11";
pub const INSPECTION: &str = "0b9f8a52-8c4e-4f0e-9d7e-3c1f2a6b5d10";
pub const AUTHORITY: &str = "内蒙古自治区司法厅";

/// The keys and signed objects the targets share.
#[derive(Debug)]
pub struct Context {
    pub authority: Ed25519KeyPair,
    pub trust: TrustList,
    pub revocations: RevocationList,
    pub holder: Ed25519KeyPair,
    pub holder_pkcs8: Vec<u8>,
    pub certificate: Certificate,
    pub device: Ed25519KeyPair,
    /// A saved inspection with a few edits, as a terminal stores it.
    pub inspection: Vec<u8>,
    /// The same inspection before its last edits.
    pub earlier: Vec<u8>,
}

/// A key pair from a fixed seed, so runs repeat.
pub fn fixed_key(n: u8) -> (Ed25519KeyPair, Vec<u8>) {
    // A PKCS#8 v2 document for Ed25519 is this fixed prefix, the 32-byte seed, and the public key.
    let seed = [n; 32];
    #[allow(clippy::expect_used)] // 32 bytes are always a valid Ed25519 seed
    let pair = Ed25519KeyPair::from_seed_unchecked(&seed).expect("a 32-byte seed");
    let mut pkcs8 =
        vec![0x30, 0x51, 0x02, 0x01, 0x01, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20];
    pkcs8.extend_from_slice(&seed);
    pkcs8.extend_from_slice(&[0x81, 0x21, 0x00]);
    pkcs8.extend_from_slice(&public_key_of(&pair));
    (pair, pkcs8)
}

/// An officer's certificate body, signed by the context's authority.
pub fn body(number: &str, name: &str, kind: CertificateKind, holder: &Ed25519KeyPair) -> CertificateBody {
    let photo = vec![0xff, 0xd8, 0xff, 0xe0, 0, 16, b'J', b'F', b'I', b'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 0xff, 0xd9];
    CertificateBody {
        number: number.into(),
        name: name.into(),
        agency: "巴彦淖尔市市场监督管理局".into(),
        categories: vec!["食品安全".into(), "市场监管".into()],
        regions: vec!["1508".into()],
        valid_from: NOW - 86_400,
        valid_to: NOW + 365 * 86_400,
        kind,
        holder_key: public_key_of(holder),
        photo_sha256: ring::digest::digest(&ring::digest::SHA256, &photo).as_ref().to_vec(),
        photo,
        issuer: AUTHORITY.into(),
        issued_at: NOW - 86_400,
    }
}

pub fn new_inspection() -> NewInspection {
    NewInspection {
        agency: "巴彦淖尔市市场监督管理局".into(),
        kind: Kind::Inspection,
        item_code: "SC-0101".into(),
        item_name: "食品经营许可事项检查".into(),
        legal_basis: vec![LegalBasis {
            law: "中华人民共和国食品安全法".into(),
            article: "第八十七条".into(),
            clause: String::new(),
            item: String::new(),
        }],
        party: Party {
            name: "临河区某超市".into(), credit_code: "91150802MA0N000000".into(), ..Party::default()
        },
        location: Location { latitude: Some(40.7574), longitude: Some(107.3877), address: "临河区新华街".into() },
        officers: vec![OfficerRef { certificate_number: "15080001".into(), name: "张三".into() }],
        started_at: chrono::DateTime::from_timestamp(NOW, 0).unwrap_or_default(),
        position: fieldtrail_core::Position::default(),
        checklist: vec!["证照是否齐全".into(), "冷藏温度是否达标".into()],
    }
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

fn make() -> Result<Context, String> {
    let (authority, _) = fixed_key(1);
    let (holder, holder_pkcs8) = fixed_key(2);
    let (device, _) = fixed_key(3);
    let trust = TrustList::new(vec![Authority { name: AUTHORITY.into(), public_key: public_key_of(&authority) }]);
    let certificate =
        Certificate::issue(&body("15080001", "张三", CertificateKind::Officer, &holder), &authority).map_err(err)?;
    let revocations = RevocationList::sign(
        3,
        NOW - 3_600,
        vec![
            RevocationEntry { number: "15080007".into(), status: RevocationStatus::Suspended, since: NOW - 7_200 },
            RevocationEntry { number: "15080009".into(), status: RevocationStatus::Revoked, since: NOW - 86_400 },
        ],
        &authority,
    )
    .map_err(err)?;
    let mut doc = InspectionDoc::create(INSPECTION, &new_inspection(), ActorId::from(&[7u8; 16][..])).map_err(err)?;
    let at = chrono::DateTime::from_timestamp(NOW + 60, 0).unwrap_or_default();
    doc.apply(&Edit::SetScope { category: "食品安全".into(), region: "150802".into() }, at).map_err(err)?;
    let earlier = doc.save();
    doc.apply(&Edit::SetFindings("冷柜温度 9℃，超过规定".into()), at).map_err(err)?;
    doc.apply(&Edit::SetResult("责令改正".into()), at).map_err(err)?;
    let inspection = doc.save();
    Ok(Context { authority, trust, revocations, holder, holder_pkcs8, certificate, device, inspection, earlier })
}

/// The shared context, made on first use.
#[allow(clippy::expect_used)] // the harness cannot run without it; the message says why
pub fn context() -> &'static Context {
    static CONTEXT: OnceLock<Context> = OnceLock::new();
    CONTEXT.get_or_init(|| make().expect("making the fuzz context with the real code"))
}
