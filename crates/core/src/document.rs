//! The inspection document: typed reads and writes over automerge.
//!
//! Scalar fields are last-writer-wins registers that keep concurrent values: [`InspectionDoc::read`] reports
//! every field with more than one value as a [`Conflict`], and an ordinary edit of that field resolves it.
//! Findings are automerge text, so two officers writing different sentences both keep theirs.

use crate::schema::*;
use crate::{Amendment, Interference, LockRecord, PartySignature};
use crate::{
    CheckResult, ChecklistItem, Edit, Error, Evidence, Fix, Inspection, InspectionView, Kind, LegalBasis, Location,
    NewInspection, OfficerRef, Party, Position, PresentationRecord, Status,
};
use automerge::transaction::{CommitOptions, Transactable};
use automerge::{ActorId, AutoCommit, ChangeHash, ObjId, ObjType, ROOT, ReadDoc, ScalarValue, Value};
use chrono::{DateTime, Utc};

mod amendment;
mod writers;
pub(crate) use amendment::read_amendment;
pub use writers::device_of;

/// One inspection (case file) as an automerge document.
#[derive(Debug, Clone)]
pub struct InspectionDoc {
    doc: AutoCommit,
}

type Result<T> = std::result::Result<T, Error>;

/// A document that does not read as the inspection it was sent as (SEC-3), handed back whole with the reason.
#[derive(Debug)]
pub struct Unreadable {
    pub doc: AutoCommit,
    pub error: Error,
}

impl InspectionDoc {
    /// Opens a new case. `actor` identifies the device (and later the officer) in the change history.
    pub fn create(id: &str, new: &NewInspection, actor: ActorId) -> Result<Self> {
        if new.item_name.trim().is_empty() {
            return Err(Error::Invalid("an inspection needs an enforcement item".into()));
        }
        let mut doc = AutoCommit::new().with_actor(actor);
        doc.put(ROOT, SCHEMA, SCHEMA_VERSION)?;
        doc.put(ROOT, ID, id)?;
        doc.put(ROOT, AGENCY, new.agency.as_str())?;
        doc.put(ROOT, KIND, new.kind.as_str())?;
        let item = doc.put_object(ROOT, ITEM, ObjType::Map)?;
        doc.put(&item, ITEM_CODE, new.item_code.as_str())?;
        doc.put(&item, ITEM_NAME, new.item_name.as_str())?;
        let bases = doc.put_object(ROOT, LEGAL_BASIS, ObjType::List)?;
        for basis in &new.legal_basis {
            insert_basis(&mut doc, &bases, basis)?;
        }
        let party = doc.put_object(ROOT, PARTY, ObjType::Map)?;
        write_party(&mut doc, &party, &Party::default(), &new.party)?;
        let location = doc.put_object(ROOT, LOCATION, ObjType::Map)?;
        write_location(&mut doc, &location, &Location::default(), &new.location)?;
        let officers = doc.put_object(ROOT, OFFICERS, ObjType::List)?;
        for officer in &new.officers {
            insert_officer(&mut doc, &officers, officer)?;
        }
        doc.put(ROOT, STARTED_AT, ScalarValue::Timestamp(new.started_at.timestamp_millis()))?;
        put_position(&mut doc, &ROOT, &new.position)?;
        doc.put(ROOT, ENDED_AT, ScalarValue::Null)?;
        let checklist = doc.put_object(ROOT, CHECKLIST, ObjType::List)?;
        for label in &new.checklist {
            insert_check(&mut doc, &checklist, label)?;
        }
        doc.put_object(ROOT, FINDINGS, ObjType::Text)?;
        doc.put(ROOT, RESULT, "")?;
        doc.put(ROOT, STATUS, Status::InProgress.as_str())?;
        doc.put_object(ROOT, EVIDENCE, ObjType::List)?;
        doc.put(ROOT, CATEGORY, "")?;
        doc.put(ROOT, REGION, "")?;
        doc.put_object(ROOT, PRESENTATIONS, ObjType::List)?;
        doc.commit_with(commit_options("create inspection", new.started_at));
        Ok(InspectionDoc { doc })
    }

    /// Loads a saved document (a full save, possibly followed by incremental chunks) and checks its schema.
    pub fn load(bytes: &[u8], actor: ActorId) -> Result<Self> {
        Self::from_automerge(AutoCommit::load(bytes)?.with_actor(actor))
    }

    /// Wraps a document that arrived by sync, after checking that it is an inspection this build can read.
    pub fn from_automerge(doc: AutoCommit) -> Result<Self> {
        let this = InspectionDoc { doc };
        this.check_schema()?;
        Ok(this)
    }

    /// SEC-3: wraps a document that arrived by sync only if it reads completely as inspection `id` of a
    /// schema this build knows, and returns what it read; otherwise hands the document back, untouched, with the
    /// reason, so the caller can keep its bytes aside instead of losing them.
    pub fn readable(doc: AutoCommit, id: &str) -> std::result::Result<(Self, InspectionView), Box<Unreadable>> {
        let this = InspectionDoc { doc };
        let check = this.check_schema().and_then(|()| this.check_complete(id));
        match check {
            Ok(view) => Ok((this, view)),
            Err(error) => Err(Box::new(Unreadable { doc: this.doc, error })),
        }
    }

    fn check_schema(&self) -> Result<()> {
        match self.doc.get(ROOT, SCHEMA)? {
            Some((Value::Scalar(s), _)) => match s.as_ref() {
                ScalarValue::Uint(v) if *v >= 1 && *v <= SCHEMA_VERSION => Ok(()),
                ScalarValue::Uint(v) if *v > SCHEMA_VERSION => {
                    Err(Error::UnsupportedSchema { found: *v, supported: SCHEMA_VERSION })
                }
                other => Err(Error::Malformed(format!("schema version is {other}"))),
            },
            _ => Err(Error::Malformed("no schema version: not an inspection document".into())),
        }
    }

    /// The inspection's id, as stored in the document.
    pub fn id(&self) -> Result<String> {
        Reader::new(&self.doc).string(&ROOT, ID, "id")
    }

    /// The agency the document says it belongs to (SEC-1). Every concurrent value counts: a document whose
    /// agency field holds two different values names no single agency and is refused, so a change cannot win
    /// a merge into another agency's hands.
    pub fn agency(&self) -> Result<String> {
        Self::agency_of(&self.doc)
    }

    /// [`InspectionDoc::agency`] of a document not (yet) checked as an inspection, without copying it: the
    /// server reads a stored case's agency before it applies arriving changes.
    pub fn agency_of(doc: &AutoCommit) -> Result<String> {
        let values = doc.get_all(ROOT, AGENCY)?;
        let mut agencies = values.iter().map(|(value, _)| match value {
            Value::Scalar(s) => {
                s.as_str().map(str::to_owned).ok_or_else(|| Error::Malformed("'agency' is not text".into()))
            }
            _ => Err(Error::Malformed("'agency' is not text".into())),
        });
        let first = agencies.next().transpose()?.unwrap_or_default();
        for other in agencies {
            let other = other?;
            if other != first {
                return Err(Error::Malformed(format!("'agency' holds conflicting values '{first}' and '{other}'")));
            }
        }
        Ok(first)
    }

    /// Materialises the inspection and lists the fields in conflict.
    pub fn read(&self) -> Result<InspectionView> {
        let mut r = Reader::new(&self.doc);
        let item = r.object(&ROOT, ITEM, "item")?;
        let party = r.object(&ROOT, PARTY, "party")?;
        let location = r.object(&ROOT, LOCATION, "location")?;
        let inspection = Inspection {
            id: r.string(&ROOT, ID, "id")?,
            schema: r.uint(&ROOT, SCHEMA, "schema")?,
            agency: r.string(&ROOT, AGENCY, "agency")?,
            kind: r.string(&ROOT, KIND, "kind")?.parse::<Kind>()?,
            item_code: r.string(&item, ITEM_CODE, "item.code")?,
            item_name: r.string(&item, ITEM_NAME, "item.name")?,
            category: r.string(&ROOT, CATEGORY, "category")?,
            region: r.string(&ROOT, REGION, "region")?,
            legal_basis: r.list(&ROOT, LEGAL_BASIS, "legal_basis", |r, obj, path| {
                Ok(LegalBasis {
                    law: r.string(obj, LAW, &format!("{path}.law"))?,
                    article: r.string(obj, ARTICLE, &format!("{path}.article"))?,
                    clause: r.string(obj, CLAUSE, &format!("{path}.clause"))?,
                    item: r.string(obj, BASIS_ITEM, &format!("{path}.item"))?,
                })
            })?,
            party: Party {
                name: r.string(&party, PARTY_NAME, "party.name")?,
                credit_code: r.string(&party, CREDIT_CODE, "party.credit_code")?,
                id_number: r.string(&party, ID_NUMBER, "party.id_number")?,
                address: r.string(&party, ADDRESS, "party.address")?,
                phone: r.string(&party, PHONE, "party.phone")?,
            },
            location: Location {
                latitude: r.float(&location, LATITUDE, "location.latitude")?,
                longitude: r.float(&location, LONGITUDE, "location.longitude")?,
                address: r.string(&location, ADDRESS, "location.address")?,
            },
            officers: r.list(&ROOT, OFFICERS, "officers", |r, obj, path| {
                Ok(OfficerRef {
                    certificate_number: r.string(obj, CERTIFICATE_NUMBER, &format!("{path}.certificate_number"))?,
                    name: r.string(obj, OFFICER_NAME, &format!("{path}.name"))?,
                })
            })?,
            started_at: r.time(&ROOT, STARTED_AT, "started_at")?.unwrap_or_default(),
            position: r.optional_map(&ROOT, POSITION, |r, obj| r.position(obj, POSITION))?,
            ended_at: r.time(&ROOT, ENDED_AT, "ended_at")?,
            checklist: r.list(&ROOT, CHECKLIST, "checklist", |r, obj, _| {
                let id = r.string(obj, CHECK_ID, "checklist[].id")?;
                let path = format!("checklist[{id}]");
                Ok(ChecklistItem {
                    label: r.string(obj, CHECK_LABEL, &format!("{path}.label"))?,
                    result: r.string(obj, CHECK_RESULT, &format!("{path}.result"))?.parse()?,
                    note: r.string(obj, CHECK_NOTE, &format!("{path}.note"))?,
                    id,
                })
            })?,
            findings: r.text(&ROOT, FINDINGS, "findings")?,
            result: r.string(&ROOT, RESULT, "result")?,
            status: r.string(&ROOT, STATUS, "status")?.parse()?,
            lock: r.optional_map(&ROOT, LOCK, |r, obj| {
                Ok(LockRecord {
                    by: r.string(obj, LOCK_BY, "lock.by")?,
                    at: r.string(obj, LOCK_AT, "lock.at")?,
                    heads: r.strings(obj, LOCK_HEADS, "lock.heads")?,
                    signature: r.string(obj, LOCK_SIGNATURE, "lock.signature")?,
                })
            })?,
            amendments: r.optional_list(&ROOT, AMENDMENTS, "amendments", |r, obj, path| {
                Ok(Amendment {
                    what: r.string(obj, AM_WHAT, &format!("{path}.what"))?,
                    before: r.string(obj, AM_BEFORE, &format!("{path}.before"))?,
                    after: r.string(obj, AM_AFTER, &format!("{path}.after"))?,
                    reason: r.string(obj, AM_REASON, &format!("{path}.reason"))?,
                    by: r.string(obj, AM_BY, &format!("{path}.by"))?,
                    at: r.string(obj, AM_AT, &format!("{path}.at"))?,
                    signature: r.string(obj, AM_SIGNATURE, &format!("{path}.signature"))?,
                })
            })?,
            party_signature: r.optional_map(&ROOT, PARTY_SIGNATURE, |r, obj| {
                Ok(PartySignature {
                    signed: r.boolean(obj, PS_SIGNED, "party_signature.signed")?,
                    evidence: Some(r.string(obj, PS_EVIDENCE, "party_signature.evidence")?).filter(|s| !s.is_empty()),
                    reason: r.string(obj, PS_REASON, "party_signature.reason")?,
                    at: r.string(obj, PS_AT, "party_signature.at")?,
                })
            })?,
            interferences: r.optional_list(&ROOT, INTERFERENCES, "interferences", |r, obj, path| {
                Ok(Interference {
                    description: r.string(obj, IF_DESCRIPTION, &format!("{path}.description"))?,
                    recorded_by: r.string(obj, IF_BY, &format!("{path}.recorded_by"))?,
                    at: r.string(obj, IF_AT, &format!("{path}.at"))?,
                })
            })?,
            presentations: r.optional_list(&ROOT, PRESENTATIONS, "presentations", |r, obj, path| {
                Ok(PresentationRecord {
                    certificate_number: r.string(obj, PR_NUMBER, &format!("{path}.certificate_number"))?,
                    name: r.string(obj, PR_NAME, &format!("{path}.name"))?,
                    presented_at: r.string(obj, PR_AT, &format!("{path}.presented_at"))?,
                    qr: r.string(obj, PR_QR, &format!("{path}.qr"))?,
                })
            })?,
        };
        let conflicts = writers::attribute(&self.doc, r.conflicts, &inspection);
        Ok(InspectionView { inspection, conflicts })
    }

    /// Applies one edit as one change, stamped with the device time `at`. Returns the change's hash, or `None`
    /// when the edit changes nothing (setting a field to the value it already has).
    pub fn apply(&mut self, edit: &Edit, at: DateTime<Utc>) -> Result<Option<ChangeHash>> {
        let locked = self.is_locked()?;
        match edit {
            Edit::Amend { .. } if !locked => {
                return Err(Error::Invalid("only a locked inspection is amended; edit it directly".into()));
            }
            Edit::Amend { edit: inner, .. } if !inner.is_amendable() => {
                return Err(Error::Invalid(format!(
                    "an amendment changes the record's content; '{}' cannot be amended",
                    inner.name()
                )));
            }
            Edit::Amend { .. } => {}
            _ if locked => return Err(Error::Locked),
            _ => {}
        }
        let outcome = match edit {
            Edit::Amend { edit: inner, reason, by, signature } => {
                self.write_amendment(inner, reason, by, signature, at)
            }
            other => self.write(other, at),
        };
        if let Err(e) = outcome {
            self.doc.rollback();
            return Err(e);
        }
        Ok(self.doc.commit_with(commit_options(edit.name(), at)))
    }

    fn write(&mut self, edit: &Edit, at: DateTime<Utc>) -> Result<()> {
        let when = at.to_rfc3339();
        let doc = &mut self.doc;
        match edit {
            Edit::SetFindings(text) => {
                let findings = existing(doc, &ROOT, FINDINGS)?;
                doc.update_text(&findings, text)?;
            }
            Edit::SetResult(result) => put_if_changed(doc, &ROOT, RESULT, result)?,
            Edit::SetStatus(status) => put_if_changed(doc, &ROOT, STATUS, status.as_str())?,
            Edit::SetKind(kind) => put_if_changed(doc, &ROOT, KIND, kind.as_str())?,
            Edit::SetAgency(agency) => put_if_changed(doc, &ROOT, AGENCY, agency)?,
            Edit::SetItem { code, name } => {
                if name.trim().is_empty() {
                    return Err(Error::Invalid("an inspection needs an enforcement item".into()));
                }
                let item = existing(doc, &ROOT, ITEM)?;
                put_if_changed(doc, &item, ITEM_CODE, code)?;
                put_if_changed(doc, &item, ITEM_NAME, name)?;
            }
            Edit::SetParty(party) => {
                let current = self.read()?.inspection.party;
                let obj = existing(&self.doc, &ROOT, PARTY)?;
                write_party(&mut self.doc, &obj, &current, party)?;
            }
            Edit::SetLocation(location) => {
                let current = self.read()?.inspection.location;
                let obj = existing(&self.doc, &ROOT, LOCATION)?;
                write_location(&mut self.doc, &obj, &current, location)?;
            }
            Edit::AddLegalBasis(basis) => {
                let list = existing(doc, &ROOT, LEGAL_BASIS)?;
                insert_basis(doc, &list, basis)?;
            }
            Edit::AddOfficer(officer) => {
                let list = existing(doc, &ROOT, OFFICERS)?;
                insert_officer(doc, &list, officer)?;
            }
            Edit::AddChecklistItem { label } => {
                if label.trim().is_empty() {
                    return Err(Error::Invalid("a checklist item needs a label".into()));
                }
                let list = existing(doc, &ROOT, CHECKLIST)?;
                insert_check(doc, &list, label)?;
            }
            Edit::SetChecklistResult { item_id, result } => {
                let item = self.check_item(item_id)?;
                put_if_changed(&mut self.doc, &item, CHECK_RESULT, result.as_str())?;
            }
            Edit::SetChecklistNote { item_id, note } => {
                let item = self.check_item(item_id)?;
                put_if_changed(&mut self.doc, &item, CHECK_NOTE, note)?;
            }
            Edit::SetEndedAt(at) => {
                self.doc.put(ROOT, ENDED_AT, ScalarValue::Timestamp(at.timestamp_millis()))?;
            }
            Edit::SetScope { category, region } => {
                put_if_changed(&mut self.doc, &ROOT, CATEGORY, category)?;
                put_if_changed(&mut self.doc, &ROOT, REGION, region)?;
            }
            Edit::AddPresentation(p) => {
                let list = match self.doc.get(ROOT, PRESENTATIONS)? {
                    Some((Value::Object(ObjType::List), id)) => id,
                    None => self.doc.put_object(ROOT, PRESENTATIONS, ObjType::List)?,
                    Some(_) => return Err(Error::Malformed("'presentations' is not a list".into())),
                };
                let obj = self.doc.insert_object(&list, self.doc.length(&list), ObjType::Map)?;
                self.doc.put(&obj, PR_NUMBER, p.certificate_number.as_str())?;
                self.doc.put(&obj, PR_NAME, p.name.as_str())?;
                self.doc.put(&obj, PR_AT, p.presented_at.as_str())?;
                self.doc.put(&obj, PR_QR, p.qr.as_str())?;
            }
            Edit::Lock(record) => {
                self.check_lock(record)?;
                self.doc.put(ROOT, STATUS, Status::Locked.as_str())?;
                let lock = self.doc.put_object(ROOT, LOCK, ObjType::Map)?;
                self.doc.put(&lock, LOCK_BY, record.by.as_str())?;
                self.doc.put(&lock, LOCK_AT, record.at.as_str())?;
                self.doc.put(&lock, LOCK_SIGNATURE, record.signature.as_str())?;
                let heads = self.doc.put_object(&lock, LOCK_HEADS, ObjType::List)?;
                for (i, h) in record.heads.iter().enumerate() {
                    self.doc.insert(&heads, i, h.as_str())?;
                }
                // Made with the lock, so that amendments made concurrently on two terminals share one list.
                ensure_list(&mut self.doc, AMENDMENTS)?;
            }
            Edit::Amend { .. } => {
                return Err(Error::Invalid("an amendment changes the record, it does not amend".into()));
            }
            Edit::PartySigned { evidence } => {
                if !crate::evidence::is_sha256_hex(evidence) {
                    return Err(Error::Invalid("the signature image is named by its SHA-256".into()));
                }
                self.put_party_signature(true, Some(evidence), "", &when)?;
            }
            Edit::SignatureRefused { reason } => {
                if reason.trim().is_empty() {
                    return Err(Error::Invalid("record what the party said when refusing to sign".into()));
                }
                self.put_party_signature(false, None, reason, &when)?;
            }
            Edit::RecordInterference { description, recorded_by } => {
                if description.trim().is_empty() {
                    return Err(Error::Invalid("describe the interference".into()));
                }
                let list = ensure_list(&mut self.doc, INTERFERENCES)?;
                let obj = self.doc.insert_object(&list, self.doc.length(&list), ObjType::Map)?;
                self.doc.put(&obj, IF_DESCRIPTION, description.as_str())?;
                self.doc.put(&obj, IF_BY, recorded_by.as_str())?;
                self.doc.put(&obj, IF_AT, when.as_str())?;
            }
            Edit::AddEvidence(evidence) => {
                evidence.validate()?;
                if self.evidence()?.iter().any(|e| e.sha256 == evidence.sha256) {
                    return Ok(());
                }
                let list = match self.doc.get(ROOT, EVIDENCE)? {
                    Some((Value::Object(ObjType::List), id)) => id,
                    // A document from before evidence existed: the list is created by its first item.
                    None => self.doc.put_object(ROOT, EVIDENCE, ObjType::List)?,
                    Some(_) => return Err(Error::Malformed("'evidence' is not a list".into())),
                };
                insert_evidence(&mut self.doc, &list, evidence)?;
            }
        }
        Ok(())
    }

    /// Reads the whole document as the terminals will (SEC-3): every field, every evidence entry, and the id
    /// it claims, which must be `id`. A document that fails here would break every reader it reached.
    pub fn check_complete(&self, id: &str) -> Result<InspectionView> {
        let view = self.read()?;
        self.evidence()?;
        if view.inspection.id != id {
            return Err(Error::Malformed(format!(
                "the document says it is inspection {}, not {id}",
                view.inspection.id
            )));
        }
        Ok(view)
    }

    fn put_party_signature(&mut self, signed: bool, evidence: Option<&str>, reason: &str, at: &str) -> Result<()> {
        let obj = self.doc.put_object(ROOT, PARTY_SIGNATURE, ObjType::Map)?;
        self.doc.put(&obj, PS_SIGNED, signed)?;
        self.doc.put(&obj, PS_EVIDENCE, evidence.map(ScalarValue::from).unwrap_or(ScalarValue::Null))?;
        self.doc.put(&obj, PS_REASON, reason)?;
        self.doc.put(&obj, PS_AT, at)?;
        Ok(())
    }

    /// A lock is accepted only when signed by an officer who presented for this inspection, over heads the
    /// document has: the record cannot name someone who was not there, or a state that never existed.
    pub fn check_lock(&self, lock: &LockRecord) -> Result<()> {
        let key = self.presented_key(&lock.by)?;
        if !crate::verify_lock(&self.id()?, lock, &key) {
            return Err(Error::Invalid("the lock's signature does not verify with the officer's certificate".into()));
        }
        for head in &lock.heads {
            let hash: ChangeHash =
                head.parse().map_err(|_| Error::Invalid(format!("'{head}' is not a change hash")))?;
            if self.doc.get_change_by_hash(&hash).is_none() {
                return Err(Error::Invalid(format!(
                    "the lock names change {head}, which this inspection does not have"
                )));
            }
        }
        Ok(())
    }

    /// Locked if any concurrent value of the status is `locked`: an officer's edit made offline at the same
    /// time as the lock does not unlock the case.
    pub fn is_locked(&self) -> Result<bool> {
        let locked = Status::Locked.as_str();
        Ok(self
            .doc
            .get_all(ROOT, STATUS)?
            .iter()
            .any(|(v, _)| matches!(v, Value::Scalar(s) if s.as_str() == Some(locked))))
    }

    fn check_item(&self, item_id: &str) -> Result<ObjId> {
        let list = existing(&self.doc, &ROOT, CHECKLIST)?;
        for index in 0..self.doc.length(&list) {
            if let Some((Value::Object(ObjType::Map), obj)) = self.doc.get(&list, index)? {
                let id = Reader::new(&self.doc).string(&obj, CHECK_ID, "checklist[].id")?;
                if id == item_id {
                    return Ok(obj);
                }
            }
        }
        Err(Error::NotFound(format!("no checklist item '{item_id}' in this inspection")))
    }

    /// The inspection's evidence items, in the order they were added (REC-2). Older documents have none.
    pub fn evidence(&self) -> Result<Vec<Evidence>> {
        let mut out = Vec::new();
        let list = match self.doc.get(ROOT, EVIDENCE)? {
            None => return Ok(out),
            Some((Value::Object(ObjType::List), id)) => id,
            Some(_) => return Err(Error::Malformed("'evidence' is not a list".into())),
        };
        let mut r = Reader::new(&self.doc);
        for index in 0..self.doc.length(&list) {
            let Some((Value::Object(ObjType::Map), obj)) = self.doc.get(&list, index)? else {
                return Err(Error::Malformed(format!("'evidence[{index}]' is not a map")));
            };
            let p = |key: &str| format!("evidence[{index}].{key}");
            let opt_string = |r: &mut Reader, key: &str| -> Result<Option<String>> {
                Ok(Some(r.string(&obj, key, &p(key))?).filter(|s| !s.is_empty()))
            };
            out.push(Evidence {
                sha256: r.string(&obj, EV_SHA256, &p(EV_SHA256))?,
                size: r.uint(&obj, EV_SIZE, &p(EV_SIZE))?,
                media_type: r.string(&obj, EV_MEDIA_TYPE, &p(EV_MEDIA_TYPE))?,
                kind: r.string(&obj, EV_KIND, &p(EV_KIND))?.parse()?,
                captured_at: r.string(&obj, EV_CAPTURED_AT, &p(EV_CAPTURED_AT))?,
                device_id: r.string(&obj, EV_DEVICE_ID, &p(EV_DEVICE_ID))?,
                officer: opt_string(&mut r, EV_OFFICER)?,
                original_name: r.string(&obj, EV_ORIGINAL_NAME, &p(EV_ORIGINAL_NAME))?,
                exif_time: opt_string(&mut r, EV_EXIF_TIME)?,
                latitude: r.float(&obj, EV_LATITUDE, &p(EV_LATITUDE))?,
                longitude: r.float(&obj, EV_LONGITUDE, &p(EV_LONGITUDE))?,
                position: r.optional_map(&obj, POSITION, |r, pos| r.position(pos, &p(POSITION)))?,
                orientation: r.opt_uint(&obj, EV_ORIENTATION, &p(EV_ORIENTATION))?.map(|v| v as u16),
                duration_ms: r.opt_uint(&obj, EV_DURATION_MS, &p(EV_DURATION_MS))?,
                width: r.opt_uint(&obj, EV_WIDTH, &p(EV_WIDTH))?.map(|v| v as u32),
                height: r.opt_uint(&obj, EV_HEIGHT, &p(EV_HEIGHT))?.map(|v| v as u32),
                device_public_key: r.string(&obj, EV_DEVICE_PUBLIC_KEY, &p(EV_DEVICE_PUBLIC_KEY))?,
                device_signature: r.string(&obj, EV_DEVICE_SIGNATURE, &p(EV_DEVICE_SIGNATURE))?,
                officer_signature: opt_string(&mut r, EV_OFFICER_SIGNATURE)?,
            });
        }
        Ok(out)
    }

    /// The document's current heads: the hashes that identify its state.
    pub fn heads(&mut self) -> Vec<ChangeHash> {
        self.doc.get_heads()
    }

    /// The whole document, compacted.
    pub fn save(&mut self) -> Vec<u8> {
        self.doc.save()
    }

    /// The automerge document, for sync and storage code.
    pub fn automerge(&mut self) -> &mut AutoCommit {
        &mut self.doc
    }
}

fn commit_options(message: &str, at: DateTime<Utc>) -> CommitOptions {
    CommitOptions::default().with_message(message.to_owned()).with_time(at.timestamp_millis() / 1000)
}

fn existing(doc: &AutoCommit, obj: &ObjId, key: &str) -> Result<ObjId> {
    match doc.get(obj, key)? {
        Some((Value::Object(_), id)) => Ok(id),
        _ => Err(Error::Malformed(format!("'{key}' is missing or not an object"))),
    }
}

fn put_if_changed(doc: &mut AutoCommit, obj: &ObjId, key: &str, value: &str) -> Result<()> {
    // A write that changes nothing would still create a conflict-resolving op; skipping it keeps a
    // concurrent real edit from being silently overwritten by a no-op.
    let all = doc.get_all(obj, key)?;
    let same = all.len() == 1 && matches!(&all[0].0, Value::Scalar(s) if s.as_str() == Some(value));
    if !same {
        doc.put(obj, key, value)?;
    }
    Ok(())
}

fn put_f64_if_changed(doc: &mut AutoCommit, obj: &ObjId, key: &str, old: Option<f64>, new: Option<f64>) -> Result<()> {
    if old != new || doc.get_all(obj, key)?.len() > 1 {
        match new {
            Some(v) => doc.put(obj, key, v)?,
            None => doc.put(obj, key, ScalarValue::Null)?,
        }
    }
    Ok(())
}

fn write_party(doc: &mut AutoCommit, obj: &ObjId, old: &Party, new: &Party) -> Result<()> {
    let fields = [
        (PARTY_NAME, &old.name, &new.name),
        (CREDIT_CODE, &old.credit_code, &new.credit_code),
        (ID_NUMBER, &old.id_number, &new.id_number),
        (ADDRESS, &old.address, &new.address),
        (PHONE, &old.phone, &new.phone),
    ];
    for (key, _, value) in fields {
        put_if_changed(doc, obj, key, value)?;
    }
    Ok(())
}

fn write_location(doc: &mut AutoCommit, obj: &ObjId, old: &Location, new: &Location) -> Result<()> {
    for (value, name) in [(new.latitude, "latitude"), (new.longitude, "longitude")] {
        if value.is_some_and(|v| !v.is_finite()) {
            return Err(Error::Invalid(format!("{name} must be a finite number")));
        }
    }
    put_f64_if_changed(doc, obj, LATITUDE, old.latitude, new.latitude)?;
    put_f64_if_changed(doc, obj, LONGITUDE, old.longitude, new.longitude)?;
    put_if_changed(doc, obj, ADDRESS, &new.address)
}

fn insert_basis(doc: &mut AutoCommit, list: &ObjId, basis: &LegalBasis) -> Result<()> {
    if basis.law.trim().is_empty() {
        return Err(Error::Invalid("a legal basis names a law".into()));
    }
    let obj = doc.insert_object(list, doc.length(list), ObjType::Map)?;
    doc.put(&obj, LAW, basis.law.as_str())?;
    doc.put(&obj, ARTICLE, basis.article.as_str())?;
    doc.put(&obj, CLAUSE, basis.clause.as_str())?;
    doc.put(&obj, BASIS_ITEM, basis.item.as_str())?;
    Ok(())
}

fn insert_officer(doc: &mut AutoCommit, list: &ObjId, officer: &OfficerRef) -> Result<()> {
    let obj = doc.insert_object(list, doc.length(list), ObjType::Map)?;
    doc.put(&obj, CERTIFICATE_NUMBER, officer.certificate_number.as_str())?;
    doc.put(&obj, OFFICER_NAME, officer.name.as_str())?;
    Ok(())
}

fn insert_evidence(doc: &mut AutoCommit, list: &ObjId, e: &Evidence) -> Result<()> {
    let obj = doc.insert_object(list, doc.length(list), ObjType::Map)?;
    let opt_str = |v: &Option<String>| v.as_deref().map(ScalarValue::from).unwrap_or(ScalarValue::Null);
    let opt_uint = |v: Option<u64>| v.map(ScalarValue::Uint).unwrap_or(ScalarValue::Null);
    let opt_f64 = |v: Option<f64>| v.map(ScalarValue::F64).unwrap_or(ScalarValue::Null);
    doc.put(&obj, EV_SHA256, e.sha256.as_str())?;
    doc.put(&obj, EV_SIZE, ScalarValue::Uint(e.size))?;
    doc.put(&obj, EV_MEDIA_TYPE, e.media_type.as_str())?;
    doc.put(&obj, EV_KIND, e.kind.as_str())?;
    doc.put(&obj, EV_CAPTURED_AT, e.captured_at.as_str())?;
    doc.put(&obj, EV_DEVICE_ID, e.device_id.as_str())?;
    doc.put(&obj, EV_OFFICER, opt_str(&e.officer))?;
    doc.put(&obj, EV_ORIGINAL_NAME, e.original_name.as_str())?;
    doc.put(&obj, EV_EXIF_TIME, opt_str(&e.exif_time))?;
    doc.put(&obj, EV_LATITUDE, opt_f64(e.latitude))?;
    doc.put(&obj, EV_LONGITUDE, opt_f64(e.longitude))?;
    doc.put(&obj, EV_ORIENTATION, opt_uint(e.orientation.map(u64::from)))?;
    doc.put(&obj, EV_DURATION_MS, opt_uint(e.duration_ms))?;
    doc.put(&obj, EV_WIDTH, opt_uint(e.width.map(u64::from)))?;
    doc.put(&obj, EV_HEIGHT, opt_uint(e.height.map(u64::from)))?;
    doc.put(&obj, EV_DEVICE_PUBLIC_KEY, e.device_public_key.as_str())?;
    doc.put(&obj, EV_DEVICE_SIGNATURE, e.device_signature.as_str())?;
    doc.put(&obj, EV_OFFICER_SIGNATURE, opt_str(&e.officer_signature))?;
    if let Some(position) = &e.position {
        put_position(doc, &obj, position)?;
    }
    Ok(())
}

/// Writes a position as the map under `position` of `parent`, checked first: a fix off the Earth is refused.
fn put_position(doc: &mut AutoCommit, parent: &ObjId, position: &Position) -> Result<()> {
    position.validate()?;
    let obj = doc.put_object(parent, POSITION, ObjType::Map)?;
    match position {
        Position::Fix(f) => {
            doc.put(&obj, POS_STATE, POS_FIX)?;
            doc.put(&obj, POS_LATITUDE, f.latitude)?;
            doc.put(&obj, POS_LONGITUDE, f.longitude)?;
            doc.put(&obj, POS_ACCURACY_M, f.accuracy_m)?;
            doc.put(&obj, POS_AT, f.at.as_str())?;
            doc.put(&obj, POS_SOURCE, f.source.as_str())?;
        }
        Position::Absent { reason } => {
            doc.put(&obj, POS_STATE, POS_ABSENT)?;
            doc.put(&obj, POS_REASON, reason.as_str())?;
        }
    }
    Ok(())
}

fn insert_check(doc: &mut AutoCommit, list: &ObjId, label: &str) -> Result<()> {
    let obj = doc.insert_object(list, doc.length(list), ObjType::Map)?;
    // The object's own id is unique across devices, so two officers adding items offline never collide.
    doc.put(&obj, CHECK_ID, obj.to_string())?;
    doc.put(&obj, CHECK_LABEL, label)?;
    doc.put(&obj, CHECK_RESULT, CheckResult::Pending.as_str())?;
    doc.put(&obj, CHECK_NOTE, "")?;
    Ok(())
}

/// Reads fields and collects the ones with concurrent values.
struct Reader<'a> {
    doc: &'a AutoCommit,
    conflicts: Vec<writers::Concurrent>,
}

impl<'a> Reader<'a> {
    fn new(doc: &'a AutoCommit) -> Self {
        Reader { doc, conflicts: Vec::new() }
    }

    fn scalar(&mut self, obj: &ObjId, key: &str, path: &str) -> Result<Option<ScalarValue>> {
        let all = self.doc.get_all(obj, key)?;
        self.note_concurrent(path, &all);
        match all.into_iter().last() {
            None => Ok(None),
            Some((Value::Scalar(s), _)) => Ok(Some(s.into_owned())),
            Some((Value::Object(_), _)) => Err(Error::Malformed(format!("'{path}' is an object, expected a value"))),
        }
    }

    fn note_concurrent(&mut self, path: &str, all: &[(Value<'_>, ObjId)]) {
        if all.len() > 1 {
            let values = all.iter().map(|(v, op)| (display(v), op.clone())).collect();
            self.conflicts.push(writers::Concurrent { field: path.to_owned(), values });
        }
    }

    fn string(&mut self, obj: &ObjId, key: &str, path: &str) -> Result<String> {
        match self.scalar(obj, key, path)? {
            Some(ScalarValue::Str(s)) => Ok(s.to_string()),
            None | Some(ScalarValue::Null) => Ok(String::new()),
            Some(other) => Err(Error::Malformed(format!("'{path}' is {other}, expected text"))),
        }
    }

    fn uint(&mut self, obj: &ObjId, key: &str, path: &str) -> Result<u64> {
        match self.scalar(obj, key, path)? {
            Some(ScalarValue::Uint(v)) => Ok(v),
            other => Err(Error::Malformed(format!("'{path}' is {other:?}, expected a number"))),
        }
    }

    fn opt_uint(&mut self, obj: &ObjId, key: &str, path: &str) -> Result<Option<u64>> {
        match self.scalar(obj, key, path)? {
            Some(ScalarValue::Uint(v)) => Ok(Some(v)),
            None | Some(ScalarValue::Null) => Ok(None),
            Some(other) => Err(Error::Malformed(format!("'{path}' is {other}, expected a number"))),
        }
    }

    fn float(&mut self, obj: &ObjId, key: &str, path: &str) -> Result<Option<f64>> {
        match self.scalar(obj, key, path)? {
            Some(ScalarValue::F64(v)) => Ok(Some(v)),
            None | Some(ScalarValue::Null) => Ok(None),
            Some(other) => Err(Error::Malformed(format!("'{path}' is {other}, expected a number"))),
        }
    }

    fn time(&mut self, obj: &ObjId, key: &str, path: &str) -> Result<Option<String>> {
        match self.scalar(obj, key, path)? {
            Some(ScalarValue::Timestamp(ms)) => Ok(Some(rfc3339(ms))),
            None | Some(ScalarValue::Null) => Ok(None),
            Some(other) => Err(Error::Malformed(format!("'{path}' is {other}, expected a time"))),
        }
    }

    fn object(&mut self, obj: &ObjId, key: &str, path: &str) -> Result<ObjId> {
        let all = self.doc.get_all(obj, key)?;
        self.note_concurrent(path, &all);
        match all.into_iter().last() {
            Some((Value::Object(_), id)) => Ok(id),
            _ => Err(Error::Malformed(format!("'{path}' is missing or not an object"))),
        }
    }

    /// A map that documents from before it existed do not have: read as `None`.
    fn optional_map<T>(
        &mut self,
        obj: &ObjId,
        key: &str,
        each: impl FnOnce(&mut Self, &ObjId) -> Result<T>,
    ) -> Result<Option<T>> {
        match self.doc.get(obj, key)? {
            None => Ok(None),
            Some(_) => {
                let id = self.object(obj, key, key)?;
                Ok(Some(each(self, &id)?))
            }
        }
    }

    /// A position map: a fix with all its parts, or an absence with a reason this build knows.
    fn position(&mut self, obj: &ObjId, path: &str) -> Result<Position> {
        let state = self.string(obj, POS_STATE, &format!("{path}.state"))?;
        let number = |r: &mut Self, key: &str| {
            r.float(obj, key, &format!("{path}.{key}"))?
                .ok_or_else(|| Error::Malformed(format!("'{path}.{key}' is missing")))
        };
        let position = match state.as_str() {
            POS_FIX => Position::Fix(Fix {
                latitude: number(self, POS_LATITUDE)?,
                longitude: number(self, POS_LONGITUDE)?,
                accuracy_m: number(self, POS_ACCURACY_M)?,
                at: self.string(obj, POS_AT, &format!("{path}.at"))?,
                source: self.named(obj, POS_SOURCE, &format!("{path}.source"))?,
            }),
            POS_ABSENT => Position::absent(self.named(obj, POS_REASON, &format!("{path}.reason"))?),
            other => return Err(Error::Malformed(format!("'{path}.state' is '{other}', expected fix or absent"))),
        };
        position.validate().map_err(|e| Error::Malformed(format!("'{path}': {e}")))?;
        Ok(position)
    }

    /// A value stored by its name, e.g. an absence reason; an unknown name is an error naming the field.
    fn named<T: std::str::FromStr<Err = Error>>(&mut self, obj: &ObjId, key: &str, path: &str) -> Result<T> {
        self.string(obj, key, path)?.parse().map_err(|e: Error| match e {
            Error::Malformed(why) | Error::Invalid(why) => Error::Malformed(format!("'{path}': {why}")),
            other => other,
        })
    }

    fn boolean(&mut self, obj: &ObjId, key: &str, path: &str) -> Result<bool> {
        match self.scalar(obj, key, path)? {
            Some(ScalarValue::Boolean(b)) => Ok(b),
            other => Err(Error::Malformed(format!("'{path}' is {other:?}, expected true or false"))),
        }
    }

    /// A list of text values.
    fn strings(&mut self, obj: &ObjId, key: &str, path: &str) -> Result<Vec<String>> {
        let list = self.object(obj, key, path)?;
        (0..self.doc.length(&list))
            .map(|i| match self.doc.get(&list, i)? {
                Some((Value::Scalar(s), _)) => {
                    s.as_str().map(str::to_owned).ok_or_else(|| Error::Malformed(format!("'{path}[{i}]' is not text")))
                }
                _ => Err(Error::Malformed(format!("'{path}[{i}]' is not text"))),
            })
            .collect()
    }

    /// A list that documents from before it existed do not have: read as empty.
    fn optional_list<T>(
        &mut self,
        obj: &ObjId,
        key: &str,
        path: &str,
        each: impl FnMut(&mut Self, &ObjId, &str) -> Result<T>,
    ) -> Result<Vec<T>> {
        if self.doc.get(obj, key)?.is_none() {
            return Ok(Vec::new());
        }
        self.list(obj, key, path, each)
    }

    fn text(&mut self, obj: &ObjId, key: &str, path: &str) -> Result<String> {
        let id = self.object(obj, key, path)?;
        Ok(self.doc.text(&id)?)
    }

    fn list<T>(
        &mut self,
        obj: &ObjId,
        key: &str,
        path: &str,
        mut each: impl FnMut(&mut Self, &ObjId, &str) -> Result<T>,
    ) -> Result<Vec<T>> {
        let list = self.object(obj, key, path)?;
        let mut out = Vec::new();
        for index in 0..self.doc.length(&list) {
            match self.doc.get(&list, index)? {
                Some((Value::Object(ObjType::Map), item)) => out.push(each(self, &item, &format!("{path}[{index}]"))?),
                _ => return Err(Error::Malformed(format!("'{path}[{index}]' is not a map"))),
            }
        }
        Ok(out)
    }
}

fn display(value: &Value<'_>) -> String {
    match value {
        Value::Scalar(s) => match s.as_ref() {
            ScalarValue::Str(s) => s.to_string(),
            ScalarValue::Timestamp(ms) => rfc3339(*ms),
            ScalarValue::Null => String::new(),
            other => other.to_string(),
        },
        Value::Object(kind) => format!("({kind})"),
    }
}

fn rfc3339(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms).map(|t| t.to_rfc3339()).unwrap_or_else(|| ms.to_string())
}

fn json(inspection: &Inspection) -> Result<serde_json::Value> {
    serde_json::to_value(inspection).map_err(|e| Error::Invalid(e.to_string()))
}

fn hex_heads(heads: &[ChangeHash]) -> Vec<String> {
    heads.iter().map(ChangeHash::to_string).collect()
}

/// A top-level list created on first use, for documents from before it existed.
fn ensure_list(doc: &mut AutoCommit, key: &str) -> Result<ObjId> {
    match doc.get(ROOT, key)? {
        Some((Value::Object(ObjType::List), id)) => Ok(id),
        None => Ok(doc.put_object(ROOT, key, ObjType::List)?),
        Some(_) => Err(Error::Malformed(format!("'{key}' is not a list"))),
    }
}

/// The top-level fields of two materialised inspections that differ: (before, after).
fn changed_fields(
    before: &serde_json::Value,
    after: &serde_json::Value,
) -> (serde_json::Map<String, serde_json::Value>, serde_json::Map<String, serde_json::Value>) {
    let (mut old, mut new) = (serde_json::Map::new(), serde_json::Map::new());
    if let (Some(b), Some(a)) = (before.as_object(), after.as_object()) {
        for (key, value) in a {
            if key != "amendments" && b.get(key) != Some(value) {
                old.insert(key.clone(), b.get(key).cloned().unwrap_or_default());
                new.insert(key.clone(), value.clone());
            }
        }
    }
    (old, new)
}
