//! What core's rule tests share: officers certified by a test authority, their presentations in a case, and a
//! lock signed over the case's heads. Each test file uses a part of it.
#![allow(dead_code, clippy::unwrap_used)]

use chrono::Utc;
use fieldtrail_core::identity::*;
use fieldtrail_core::*;
use ring::rand::SystemRandom;
use ring::signature::Ed25519KeyPair;

pub const DAY: i64 = 86_400;

pub fn keypair() -> Ed25519KeyPair {
    Ed25519KeyPair::from_pkcs8(Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).unwrap().as_ref()).unwrap()
}

pub struct Officer {
    pub number: &'static str,
    pub cert: Certificate,
    pub key: Ed25519KeyPair,
}

impl Officer {
    /// A signer with this officer's certified key.
    pub fn sign(&self) -> impl FnOnce(&[u8]) -> Vec<u8> + '_ {
        |message| self.key.sign(message).as_ref().to_vec()
    }
}

/// An officer of 巴彦淖尔市市场监督管理局 certified by `authority` for `category` in `region`, valid for a year.
pub fn certify(authority: &Ed25519KeyPair, number: &'static str, name: &str, category: &str, region: &str) -> Officer {
    let key = keypair();
    let now = Utc::now().timestamp();
    let body = CertificateBody {
        number: number.into(),
        name: name.into(),
        agency: "巴彦淖尔市市场监督管理局".into(),
        categories: vec![category.into()],
        regions: vec![region.into()],
        valid_from: now - 30 * DAY,
        valid_to: now + 365 * DAY,
        kind: CertificateKind::Officer,
        holder_key: public_key_of(&key),
        photo_sha256: vec![7; 32],
        photo: vec![],
        issuer: "内蒙古自治区司法厅".into(),
        issued_at: now - 30 * DAY,
    };
    Officer { number, cert: Certificate::issue(&body, authority).unwrap(), key }
}

/// Officer `o` presents for the case; the record names them `label` (a label, which no rule may believe).
pub fn present_as(doc: &mut InspectionDoc, o: &Officer, label: &str) {
    let id = doc.id().unwrap();
    let p = Presentation::create(&o.cert, &o.key, &id, Utc::now().timestamp(), [1; 16]).unwrap();
    let record = PresentationRecord {
        certificate_number: o.number.into(),
        name: label.into(),
        presented_at: Utc::now().to_rfc3339(),
        qr: p.to_qr_text(),
    };
    doc.apply(&Edit::AddPresentation(record), Utc::now()).unwrap();
}

/// Officer `o` presents for the case under the certificate's own name.
pub fn present(doc: &mut InspectionDoc, o: &Officer) {
    let name = o.cert.body().name.clone();
    present_as(doc, o, &name);
}

pub fn sorted_heads(doc: &mut InspectionDoc) -> Vec<String> {
    let mut heads: Vec<String> = doc.heads().iter().map(|h| h.to_string()).collect();
    heads.sort();
    heads
}

/// Officer `o` locks the case, signing its heads as they are.
pub fn lock(doc: &mut InspectionDoc, o: &Officer) {
    let id = doc.id().unwrap();
    let heads = sorted_heads(doc);
    let signature = hex::encode(o.key.sign(&lock_message(&id, &heads)).as_ref());
    let record = LockRecord { by: o.number.into(), at: Utc::now().to_rfc3339(), heads, signature };
    doc.apply(&Edit::Lock(record), Utc::now()).unwrap();
}
