//! Who may do what (SEC-1, PRIV-1): every request becomes one [`Actor`], and [`authorize`] alone decides
//! whether it may take an [`Action`] on a [`Resource`]. Routes ask, they never decide: the sync pull and push,
//! the `/v1/documents*` routes, shares, and uploads where they reveal which evidence files exist.
//!
//! The rule today: a document belongs to one agency, fixed when it first arrives; a device reads, pulls and
//! writes its agency's documents and those shared with its agency, and only the owning agency shares. A denial
//! that would reveal whether something exists to someone who may not see it is [`Denied::Hidden`] (404); the
//! others are [`Denied::Forbidden`] (403). People with roles (administrator, supervisor, legal reviewer, agency
//! head, auditor, scoped to agencies and regions) join as further [`Actor`]s with their own rules here.

use crate::ApiError;
use crate::auth::AuthedDevice;

/// Who is asking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// A registered terminal, by its signed request.
    Device { id: String, agency: String },
    /// The server's administrator at its console (`fieldtrail-server admin …`): holds the database anyway, so
    /// the rule is that what they do is recorded, not that they are refused.
    Operator { name: String },
}

impl Actor {
    /// The agency whose documents the actor pulls, if it pulls at all.
    pub fn home_agency(&self) -> Option<&str> {
        match self {
            Actor::Device { agency, .. } => Some(agency),
            Actor::Operator { .. } => None,
        }
    }

    /// Who the trail records as having acted.
    pub fn recorded_as(&self) -> String {
        match self {
            Actor::Device { id, .. } => format!("device {id}"),
            Actor::Operator { name } => name.clone(),
        }
    }
}

impl From<&AuthedDevice> for Actor {
    fn from(device: &AuthedDevice) -> Self {
        Actor::Device { id: device.id.clone(), agency: device.agency.clone() }
    }
}

/// What the actor wants to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Receive a document in a sync pull, or the feed of an agency's documents.
    Pull,
    /// Read a document, its history or a listing by HTTP.
    Read,
    /// Send changes of a document (or any sync message about it).
    Write,
    /// Bring a new document to the server.
    Create,
    /// Share a document with another agency, or withdraw a share.
    Share,
    /// Learn that the server holds an evidence file.
    ReadBlob,
}

/// Who owns a stored document and which agencies it is shared with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentAccess {
    pub owner: String,
    pub shared_with: Vec<String>,
}

impl DocumentAccess {
    fn open_to(&self, agency: &str) -> bool {
        self.owner == agency || self.shared_with.iter().any(|a| a == agency)
    }
}

/// What the action is taken on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource<'a> {
    /// A stored document.
    Document(&'a DocumentAccess),
    /// A document not stored yet, with the agency its own agency field names.
    NewDocument { claimed_agency: &'a str },
    /// Every document an agency may see (a pull's feed, a listing).
    Agency(&'a str),
    /// An evidence file, with the agencies whose devices delivered it.
    Blob { holders: &'a [String] },
}

/// Why an action is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    /// The actor may not know whether the resource exists: answered as if it did not.
    #[error("not found")]
    Hidden,
    /// The actor knows of the resource but may not do this.
    #[error("{message}")]
    Forbidden { code: &'static str, message: String },
}

impl Denied {
    /// The HTTP answer about `subject` (e.g. "document 7d0c…"): a hidden one is answered exactly as one that
    /// does not exist ("no document 7d0c…").
    pub fn into_api(self, subject: &str) -> ApiError {
        match self {
            Denied::Hidden => ApiError::NotFound(format!("no {subject}")),
            Denied::Forbidden { code, message } => {
                ApiError::Forbidden { code, message: format!("{subject}: {message}") }
            }
        }
    }
}

/// The one decision: may `actor` take `action` on `resource`?
pub fn authorize(actor: &Actor, action: Action, resource: Resource<'_>) -> Result<(), Denied> {
    match actor {
        Actor::Operator { .. } => Ok(()),
        Actor::Device { agency, .. } => device(agency, action, resource),
    }
}

fn forbidden(code: &'static str, message: String) -> Result<(), Denied> {
    Err(Denied::Forbidden { code, message })
}

fn device(agency: &str, action: Action, resource: Resource<'_>) -> Result<(), Denied> {
    match (action, resource) {
        (Action::Create, Resource::NewDocument { claimed_agency }) => {
            if claimed_agency == agency {
                Ok(())
            } else {
                forbidden(
                    "agency_mismatch",
                    format!(
                        "the document says it belongs to '{claimed_agency}'; this device is registered for '{agency}'"
                    ),
                )
            }
        }
        (Action::Pull | Action::Read, Resource::Document(doc)) => {
            if doc.open_to(agency) {
                Ok(())
            } else {
                Err(Denied::Hidden)
            }
        }
        (Action::Write, Resource::Document(doc)) => {
            if doc.open_to(agency) {
                Ok(())
            } else {
                forbidden(
                    "other_agency",
                    "the document belongs to another agency and is not shared with this device's agency".into(),
                )
            }
        }
        (Action::Share, Resource::Document(doc)) => {
            if doc.owner == agency {
                Ok(())
            } else if doc.open_to(agency) {
                forbidden("not_owner", format!("only the owning agency ({}) shares this document", doc.owner))
            } else {
                Err(Denied::Hidden)
            }
        }
        (Action::Pull | Action::Read, Resource::Agency(of)) => {
            if of == agency {
                Ok(())
            } else {
                forbidden("other_agency", format!("a device of '{agency}' reads only its own agency's documents"))
            }
        }
        (Action::ReadBlob, Resource::Blob { holders }) => {
            if holders.iter().any(|h| h == agency) {
                Ok(())
            } else {
                Err(Denied::Hidden)
            }
        }
        (action, resource) => forbidden("not_permitted", format!("{action:?} is not permitted on {resource:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "巴彦淖尔市市场监督管理局";
    const B: &str = "乌拉特前旗应急管理局";
    const C: &str = "临河区交通运输局";

    fn device_of(agency: &str) -> Actor {
        Actor::Device { id: "d".into(), agency: agency.into() }
    }

    fn code(r: Result<(), Denied>) -> &'static str {
        match r {
            Ok(()) => "ok",
            Err(Denied::Hidden) => "hidden",
            Err(Denied::Forbidden { code, .. }) => code,
        }
    }

    #[test]
    fn sec_1_a_device_reaches_its_agency_and_what_is_shared_with_it() {
        let doc = DocumentAccess { owner: A.into(), shared_with: vec![B.into()] };
        let table = [
            (A, Action::Read, "ok"),
            (A, Action::Pull, "ok"),
            (A, Action::Write, "ok"),
            (A, Action::Share, "ok"),
            (B, Action::Read, "ok"),
            (B, Action::Pull, "ok"),
            (B, Action::Write, "ok"),
            (B, Action::Share, "not_owner"),
            (C, Action::Read, "hidden"),
            (C, Action::Pull, "hidden"),
            (C, Action::Write, "other_agency"),
            (C, Action::Share, "hidden"),
            (A, Action::ReadBlob, "not_permitted"),
        ];
        for (agency, action, want) in table {
            assert_eq!(
                code(authorize(&device_of(agency), action, Resource::Document(&doc))),
                want,
                "{agency} {action:?}"
            );
        }
    }

    #[test]
    fn sec_1_a_new_document_must_name_the_device_s_agency() {
        let create =
            |claimed| authorize(&device_of(A), Action::Create, Resource::NewDocument { claimed_agency: claimed });
        assert_eq!(code(create(A)), "ok");
        assert_eq!(code(create(B)), "agency_mismatch");
        assert_eq!(code(create("")), "agency_mismatch");
    }

    #[test]
    fn priv_1_feeds_and_evidence_stay_within_the_agency() {
        assert_eq!(code(authorize(&device_of(A), Action::Pull, Resource::Agency(A))), "ok");
        assert_eq!(code(authorize(&device_of(A), Action::Pull, Resource::Agency(B))), "other_agency");
        let holders = [B.to_owned()];
        assert_eq!(code(authorize(&device_of(A), Action::ReadBlob, Resource::Blob { holders: &holders })), "hidden");
        assert_eq!(code(authorize(&device_of(B), Action::ReadBlob, Resource::Blob { holders: &holders })), "ok");
        let operator = Actor::Operator { name: "王管理员".into() };
        let doc = DocumentAccess { owner: A.into(), shared_with: vec![] };
        assert_eq!(code(authorize(&operator, Action::Share, Resource::Document(&doc))), "ok");
    }
}
