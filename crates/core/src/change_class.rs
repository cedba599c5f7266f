//! What an arriving change does, read from its operations (SEC-2): the top-level fields of the inspection its
//! operations touch decide whether it locks, adds an amendment, or edits. A change's message is text its author
//! chose and decides nothing.

use crate::Status;
use crate::schema::{AMENDABLE, AMENDMENTS, LOCK, STATUS};
use automerge::legacy::{Key, ObjectId, OpType};
use automerge::{ActorId, AutoCommit, Change, ObjId, ObjType, ROOT, ReadDoc, ScalarValue, Value};
use std::collections::HashMap;

/// An object of the document, by the id of the operation that made it.
type ObjKey = (u64, ActorId);

/// What a change does.
#[derive(Debug, Clone, PartialEq)]
pub enum ChangeClass {
    /// Touches neither the lock nor the amendments.
    Plain,
    /// Sets the status to locked and writes the lock record (and may create the empty amendments list).
    Lock,
    /// Adds exactly one amendment entry, `entry`, and changes only fields an amendment may change.
    Amendment { entry: ObjId },
    /// Touches the lock (`lock: true`) or the amendments otherwise than by locking or adding one amendment.
    Forbidden { lock: bool, reason: String },
}

/// Where each object of the document lives: under which top-level key, and whether it is that key's value.
#[derive(Debug, Default)]
pub struct Territory {
    objects: HashMap<ObjKey, Place>,
}

#[derive(Debug, Clone)]
struct Place {
    root_key: String,
    top: bool,
    id: Option<ObjId>,
}

impl Territory {
    /// Maps every object reachable in `doc`, conflicting values included. Only documents that have a lock or
    /// amendments need it: without them no operation can touch one except through objects made in the same
    /// change, which [`classify`] follows itself.
    pub fn of(doc: &AutoCommit) -> Self {
        let mut territory = Territory::default();
        let has = |key: &str| doc.get_all(ROOT, key).map(|v| !v.is_empty()).unwrap_or(false);
        if !has(LOCK) && !has(AMENDMENTS) {
            return territory;
        }
        for key in doc.keys(ROOT) {
            for (value, id) in doc.get_all(ROOT, key.as_str()).unwrap_or_default() {
                if let Value::Object(kind) = value {
                    territory.walk(doc, id, kind, &key, true);
                }
            }
        }
        territory
    }

    fn walk(&mut self, doc: &AutoCommit, obj: ObjId, kind: ObjType, root_key: &str, top: bool) {
        let ObjId::Id(counter, actor, _) = &obj else { return };
        let key = (*counter, actor.clone());
        if self.objects.contains_key(&key) {
            return;
        }
        self.objects.insert(key, Place { root_key: root_key.to_owned(), top, id: Some(obj.clone()) });
        let children: Vec<(Value<'_>, ObjId)> = match kind {
            ObjType::Map | ObjType::Table => {
                doc.keys(&obj).flat_map(|k| doc.get_all(&obj, k.as_str()).unwrap_or_default()).collect()
            }
            ObjType::List => (0..doc.length(&obj)).flat_map(|i| doc.get_all(&obj, i).unwrap_or_default()).collect(),
            ObjType::Text => Vec::new(),
        };
        for (value, id) in children {
            if let Value::Object(kind) = value {
                self.walk(doc, id, kind, root_key, false);
            }
        }
    }
}

/// Where one operation writes.
enum Location {
    /// A key of the document's root map.
    Root(String),
    /// Inside an object under top-level key `root_key`; `top` if the object is that key's value, `made_here` if
    /// this same change created it.
    Inside { root_key: String, top: bool, made_here: bool },
    /// An object the document no longer reaches (deleted, or overwritten).
    Unknown,
}

fn describe(location: &Location) -> String {
    match location {
        Location::Root(key) | Location::Inside { root_key: key, .. } => format!("'{key}'"),
        Location::Unknown => "an object no longer in the document".into(),
    }
}

/// Classifies `change`, already applied to the document `territory` maps.
pub fn classify(change: &Change, territory: &Territory) -> ChangeClass {
    // automerge checked the change when it applied it; its decoder still unwraps, so a change it should not
    // have accepted is refused here rather than taking the request down.
    let Ok(expanded) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| change.decode())) else {
        return ChangeClass::Forbidden { lock: true, reason: "its operations cannot be read".into() };
    };
    let actor = change.actor_id().clone();
    let start = change.start_op().get();
    let mut made: HashMap<ObjKey, (String, bool)> = HashMap::new();
    let mut ops = Vec::with_capacity(expanded.operations.len());
    for (index, op) in expanded.operations.iter().enumerate() {
        let location = match (&op.obj, &op.key) {
            (ObjectId::Root, Key::Map(key)) => Location::Root(key.to_string()),
            (ObjectId::Root, Key::Seq(_)) => Location::Unknown,
            (ObjectId::Id(id), _) => {
                let key = (id.counter(), id.actor().clone());
                if let Some((root_key, top)) = made.get(&key) {
                    Location::Inside { root_key: root_key.clone(), top: *top, made_here: true }
                } else if let Some(place) = territory.objects.get(&key) {
                    Location::Inside { root_key: place.root_key.clone(), top: place.top, made_here: false }
                } else {
                    Location::Unknown
                }
            }
        };
        if let OpType::Make(_) = op.action {
            let id = (start + index as u64, actor.clone());
            let place = match &location {
                Location::Root(key) => Some((key.clone(), true)),
                Location::Inside { root_key, .. } => Some((root_key.clone(), false)),
                Location::Unknown => None,
            };
            if let Some(place) = place {
                made.insert(id, place);
            }
        }
        ops.push((location, op, (start + index as u64, actor.clone())));
    }
    let locked = Status::Locked.as_str();
    let puts_locked =
        |op: &automerge::legacy::Op| matches!(&op.action, OpType::Put(ScalarValue::Str(s)) if s.as_str() == locked);
    let is = |location: &Location, key: &str| match location {
        Location::Root(k) | Location::Inside { root_key: k, .. } => k == key,
        Location::Unknown => false,
    };
    let touches_lock = ops.iter().any(|(l, op, _)| is(l, LOCK) || (is(l, STATUS) && puts_locked(op)));
    if touches_lock {
        let mut writes_record = false;
        for (location, op, _) in &ops {
            let fine = match location {
                Location::Root(key) if key == STATUS => puts_locked(op),
                Location::Root(key) if key == LOCK => {
                    writes_record = true;
                    op.action == OpType::Make(ObjType::Map) && op.pred.is_empty()
                }
                // The lock creates the empty amendments list, so that concurrent first amendments share one.
                Location::Root(key) if key == AMENDMENTS => {
                    op.action == OpType::Make(ObjType::List) && op.pred.is_empty()
                }
                Location::Inside { root_key, made_here: true, .. } if root_key == LOCK => op.action != OpType::Delete,
                _ => false,
            };
            if !fine {
                return ChangeClass::Forbidden {
                    lock: true,
                    reason: format!(
                        "a change that locks may only write the lock record; it also writes {}",
                        describe(location)
                    ),
                };
            }
        }
        if !writes_record {
            return ChangeClass::Forbidden {
                lock: true,
                reason: "it sets the status to locked without a lock record".into(),
            };
        }
        return ChangeClass::Lock;
    }
    if !ops.iter().any(|(l, _, _)| is(l, AMENDMENTS)) {
        return ChangeClass::Plain;
    }
    let mut entries = Vec::new();
    for (location, op, id) in &ops {
        let fine = match location {
            Location::Root(key) if key == AMENDMENTS => op.action == OpType::Make(ObjType::List) && op.pred.is_empty(),
            Location::Inside { root_key, top: true, .. } if root_key == AMENDMENTS => {
                let adds_entry = op.insert && op.action == OpType::Make(ObjType::Map);
                if adds_entry {
                    entries.push(id.clone());
                }
                adds_entry
            }
            Location::Inside { root_key, made_here, .. } if root_key == AMENDMENTS => {
                *made_here && matches!(op.action, OpType::Put(_))
            }
            Location::Root(key) | Location::Inside { root_key: key, .. } => AMENDABLE.contains(&key.as_str()),
            Location::Unknown => false,
        };
        if !fine {
            let what = if is(location, AMENDMENTS) {
                "changes an earlier amendment or the list of them".to_owned()
            } else {
                format!("writes {}, which an amendment may not change", describe(location))
            };
            return ChangeClass::Forbidden { lock: false, reason: format!("an amendment that {what}") };
        }
    }
    match entries.as_slice() {
        [entry] => match territory.objects.get(entry).and_then(|p| p.id.clone()) {
            Some(entry) => ChangeClass::Amendment { entry },
            None => ChangeClass::Forbidden { lock: false, reason: "its amendment entry is not in the document".into() },
        },
        _ => ChangeClass::Forbidden {
            lock: false,
            reason: format!("a change adds {} amendment entries; an amendment adds exactly one", entries.len()),
        },
    }
}
