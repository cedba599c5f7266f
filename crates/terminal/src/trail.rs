//! The full-process record on the terminal (REC-3 to REC-6): amendments after lock with their author, the
//! party's signature (an image kept as evidence) or refusal, recorded interference, and the timeline that
//! replays the case with each actor mapped to its device.

use crate::error::{Error, Result};
use crate::evidence::Capture;
use crate::{Terminal, UnlockedOfficer, store};
use fieldtrail_core::{Edit, TimelineEntry};

impl Terminal {
    /// Changes a locked inspection (REC-4): the edit, the reason, and the unlocked officer as its author. The
    /// earlier text stays readable in the amendment.
    /// The officer signs the amendment with their certified key (SEC-2): the inspection, what changes from what
    /// to what, why, when, and the state it is made on.
    pub fn amend(&self, inspection_id: &str, edit: Edit, reason: &str, officer: &UnlockedOfficer) -> Result<()> {
        let by = officer.certificate().body().number.clone();
        self.write(|c| {
            let mut doc =
                store::load(c, inspection_id, &self.actor)?.ok_or_else(|| Error::NotFound(inspection_id.to_owned()))?;
            let before = doc.heads();
            let now = chrono::Utc::now();
            let signature = hex::encode(officer.sign(&doc.amendment_message(&edit, reason, &by, now)?));
            let amend = Edit::Amend { edit: Box::new(edit), reason: reason.to_owned(), by, signature };
            doc.apply(&amend, now)?;
            crate::rules::store_checked(c, inspection_id, &mut doc, &before)
        })
    }

    /// Records an attempt to interfere with the enforcement (REC-6), by the officer who saw it.
    pub fn record_interference(&self, inspection_id: &str, description: &str, officer: &UnlockedOfficer) -> Result<()> {
        let recorded_by = officer.certificate().body().number.clone();
        self.edit(inspection_id, &[Edit::RecordInterference { description: description.to_owned(), recorded_by }])
    }

    /// The party signed on the tablet (REC-5): the signature image is taken in as evidence (hashed, stored,
    /// signed by the device and the officer holding the tablet, with where the tablet was) and the inspection
    /// records its hash.
    pub fn party_signed(
        &self,
        inspection_id: &str,
        image: &[u8],
        officer: Option<std::sync::Arc<UnlockedOfficer>>,
        position: fieldtrail_core::Position,
    ) -> Result<String> {
        let capture =
            Capture { signer: officer, original_name: "party-signature.png".into(), position, ..Capture::default() };
        let evidence = self.add_evidence(inspection_id, image, &capture)?;
        if evidence.kind != fieldtrail_core::evidence::MediaKind::Photo {
            return Err(Error::Invalid("a signature is an image".into()));
        }
        self.edit(inspection_id, &[Edit::PartySigned { evidence: evidence.sha256.clone() }])?;
        Ok(evidence.sha256)
    }

    /// The party refused to sign (REC-5); what they said is recorded.
    pub fn signature_refused(&self, inspection_id: &str, reason: &str) -> Result<()> {
        self.edit(inspection_id, &[Edit::SignatureRefused { reason: reason.to_owned() }])
    }

    /// The case replayed step by step, each actor shown as the device id it belongs to when it is one.
    pub fn timeline(&self, inspection_id: &str) -> Result<Vec<TimelineEntry>> {
        let mut doc = self.document(inspection_id)?;
        let mut entries = doc.timeline();
        // "Sync delivered, receipt stored" (REC-3): each step the server's log proves it holds.
        let mut delivered = std::collections::HashMap::new();
        for receipt in self.receipts()? {
            for entry in &receipt.entries {
                let leaf = hex::decode(&entry.leaf).ok().and_then(|b| fieldtrail_core::trail::Leaf::decode(&b).ok());
                if let Some(leaf) = leaf.filter(|l| l.document == inspection_id) {
                    let signed = chrono::DateTime::from_timestamp_millis(receipt.sth.timestamp_ms)
                        .map(|t| t.to_rfc3339())
                        .unwrap_or_default();
                    delivered.entry(hex::encode(leaf.hash)).or_insert(format!(
                        "delivered: entry {} of the server's log, proven in its tree head of size {} signed {signed}",
                        entry.index, receipt.sth.size
                    ));
                }
            }
        }
        for entry in &mut entries {
            entry.delivered = delivered.remove(&entry.hash);
            if let Ok(bytes) = hex::decode(&entry.actor) {
                entry.actor = fieldtrail_core::device_of(&automerge::ActorId::from(bytes));
            }
        }
        Ok(entries)
    }
}
