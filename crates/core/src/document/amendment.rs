//! The amendment after a lock (REC-4, SEC-2): what it records, what the amending officer signs, and the key
//! that signature must verify with.

use super::{Reader, changed_fields, ensure_list, hex_heads, json};
use crate::schema::*;
use crate::{Amendment, Edit, Error, InspectionDoc};
use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjId, ObjType, ReadDoc};
use chrono::{DateTime, Utc};

type Result<T> = std::result::Result<T, Error>;

impl InspectionDoc {
    /// Writes `inner` and returns the amendment that records it, unsigned: what changed, before and after.
    fn draft_amendment(&mut self, inner: &Edit, reason: &str, by: &str, at: DateTime<Utc>) -> Result<Amendment> {
        if reason.trim().is_empty() || by.trim().is_empty() {
            return Err(Error::Invalid("an amendment needs a reason and its author".into()));
        }
        let before = json(&self.read()?.inspection)?;
        self.write(inner, at)?;
        let after = json(&self.read()?.inspection)?;
        let (old, new) = changed_fields(&before, &after);
        if old.is_empty() {
            return Err(Error::Invalid("the amendment changes nothing".into()));
        }
        Ok(Amendment {
            what: inner.name().to_owned(),
            before: serde_json::Value::Object(old).to_string(),
            after: serde_json::Value::Object(new).to_string(),
            reason: reason.to_owned(),
            by: by.to_owned(),
            at: at.to_rfc3339(),
            signature: String::new(),
        })
    }

    /// The bytes officer `by` signs to amend this locked inspection with `inner` at `at` (SEC-2): the amendment
    /// that [`apply`](Self::apply) will record, and the heads it is made on. Changes nothing.
    pub fn amendment_message(&self, inner: &Edit, reason: &str, by: &str, at: DateTime<Utc>) -> Result<Vec<u8>> {
        let mut draft = self.clone();
        let heads = hex_heads(&draft.doc.get_heads());
        let amendment = draft.draft_amendment(inner, reason, by, at)?;
        Ok(crate::amendment_message(&self.id()?, &amendment, &heads))
    }

    pub(super) fn write_amendment(
        &mut self,
        inner: &Edit,
        reason: &str,
        by: &str,
        signature: &str,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let heads = hex_heads(&self.doc.get_heads());
        let mut amendment = self.draft_amendment(inner, reason, by, at)?;
        amendment.signature = signature.to_owned();
        let key = self.presented_key(by)?;
        if !crate::verify_amendment(&self.id()?, &amendment, &heads, &key) {
            return Err(Error::Invalid(format!(
                "the amendment's signature does not verify with the certificate officer {by} presented"
            )));
        }
        let list = ensure_list(&mut self.doc, AMENDMENTS)?;
        let obj = self.doc.insert_object(&list, self.doc.length(&list), ObjType::Map)?;
        let a = &amendment;
        for (key, value) in [
            (AM_WHAT, &a.what),
            (AM_BEFORE, &a.before),
            (AM_AFTER, &a.after),
            (AM_REASON, &a.reason),
            (AM_BY, &a.by),
            (AM_AT, &a.at),
            (AM_SIGNATURE, &a.signature),
        ] {
            self.doc.put(&obj, key, value.as_str())?;
        }
        Ok(())
    }

    /// The fields an amendment from `before` to this state changed, as the amendment records them:
    /// (before, after) JSON objects of those top-level fields.
    pub(crate) fn changed_since(&self, before: &InspectionDoc) -> Result<(serde_json::Value, serde_json::Value)> {
        let (old, new) = changed_fields(&json(&before.read()?.inspection)?, &json(&self.read()?.inspection)?);
        Ok((serde_json::Value::Object(old), serde_json::Value::Object(new)))
    }

    /// The holder key of the certificate officer `number` presented for this inspection: the key their
    /// signatures in this record must verify with. Whether the certificate is trusted is the rules' question.
    pub(crate) fn presented_key(&self, number: &str) -> Result<Vec<u8>> {
        self.read()?
            .inspection
            .presentations
            .iter()
            .filter(|p| p.certificate_number == number)
            .find_map(|p| crate::identity::Presentation::from_qr_text(&p.qr).ok())
            .map(|p| p.certificate().body().holder_key.clone())
            .ok_or_else(|| Error::Invalid(format!("officer {number} has not presented for this inspection")))
    }
}

/// An amendment entry as recorded, read from a document that may not be wrapped yet.
pub(crate) fn read_amendment(doc: &AutoCommit, entry: &ObjId) -> Result<Amendment> {
    let mut r = Reader::new(doc);
    Ok(Amendment {
        what: r.string(entry, AM_WHAT, "amendment.what")?,
        before: r.string(entry, AM_BEFORE, "amendment.before")?,
        after: r.string(entry, AM_AFTER, "amendment.after")?,
        reason: r.string(entry, AM_REASON, "amendment.reason")?,
        by: r.string(entry, AM_BY, "amendment.by")?,
        at: r.string(entry, AM_AT, "amendment.at")?,
        signature: r.string(entry, AM_SIGNATURE, "amendment.signature")?,
    })
}
