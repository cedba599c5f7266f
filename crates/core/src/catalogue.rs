//! The item catalogue (执法事项清单, REC-1, REC-8): the published enforcement items an officer picks from when
//! opening an inspection, each with its kind, category, legal basis and checklist.
//!
//! Pure: the catalogue is read from JSON and checked here; the terminal stores it and the app searches it.
//! Checking happens on the whole catalogue before anything is stored, so a bad file changes nothing.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use ts_rs::TS;

use crate::{Error, Kind, LegalBasis, Location, NewInspection, OfficerRef, Party};

/// One enforcement item of the catalogue (执法事项).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct CatalogueItem {
    /// The item's code in the published list, unique in the catalogue.
    pub code: String,
    pub name: String,
    pub kind: Kind,
    /// 执法类别: what an officer's certificate must cover to act on this item (CERT-5).
    pub category: String,
    /// The kind of agency that carries the item out, e.g. `市场监督管理部门`.
    #[serde(default)]
    pub agency_type: String,
    /// At least one, each naming its law; article, clause and item as precise as known (REC-7).
    pub legal_basis: Vec<LegalBasis>,
    /// The checklist an inspection of this item starts with; the officer may add to it.
    #[serde(default)]
    pub checklist: Vec<String>,
}

impl CatalogueItem {
    /// The new inspection this item opens: item, kind, legal basis and checklist from the catalogue, the rest
    /// from the officer. The category is not part of [`NewInspection`]; set it with
    /// [`Edit::SetScope`](crate::Edit::SetScope) using [`CatalogueItem::category`].
    pub fn new_inspection(
        &self,
        agency: &str,
        party: Party,
        location: Location,
        officers: Vec<OfficerRef>,
        started_at: DateTime<Utc>,
        position: crate::Position,
    ) -> NewInspection {
        NewInspection {
            agency: agency.to_owned(),
            kind: self.kind,
            item_code: self.code.clone(),
            item_name: self.name.clone(),
            legal_basis: self.legal_basis.clone(),
            party,
            location,
            officers,
            started_at,
            position,
            checklist: self.checklist.clone(),
        }
    }

    /// Whether `query` (already trimmed and lower-cased) occurs in the code, name or category.
    fn matches(&self, query: &str) -> bool {
        [&self.code, &self.name, &self.category].iter().any(|field| field.to_lowercase().contains(query))
    }
}

/// The catalogue as published: a version that only grows, and the items.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ItemCatalogue {
    /// Increases with each publication; a terminal refuses an older catalogue than the one it has.
    #[ts(type = "number")]
    pub version: u64,
    /// Who published it and how accurate it is, for people reading the file.
    #[serde(default)]
    pub description: String,
    pub items: Vec<CatalogueItem>,
}

impl ItemCatalogue {
    /// Reads and checks a catalogue from JSON; the error names the bad item.
    pub fn from_json(json: &str) -> Result<Self, Error> {
        let catalogue: ItemCatalogue =
            serde_json::from_str(json).map_err(|e| Error::Invalid(format!("the catalogue is not valid JSON: {e}")))?;
        catalogue.validate()?;
        Ok(catalogue)
    }

    /// Checks the rules a catalogue must keep: at least one item; unique, non-blank codes; non-blank names and categories; at
    /// least one legal basis, each naming a law.
    pub fn validate(&self) -> Result<(), Error> {
        // An empty file is far more likely a mistake than a decision to withdraw every item.
        if self.items.is_empty() {
            return Err(Error::Invalid("the catalogue has no items".into()));
        }
        let mut codes = HashSet::new();
        for (n, item) in self.items.iter().enumerate() {
            let at =
                || format!("catalogue item {} ({})", n + 1, if item.code.is_empty() { "no code" } else { &item.code });
            let bad = |what: &str| Err(Error::Invalid(format!("{}: {what}", at())));
            if item.code.trim().is_empty() {
                return bad("the code is blank");
            }
            if !codes.insert(item.code.trim()) {
                return bad("the code appears more than once");
            }
            if item.name.trim().is_empty() {
                return bad("the name is blank");
            }
            if item.category.trim().is_empty() {
                return bad("the category (执法类别) is blank");
            }
            if item.legal_basis.is_empty() {
                return bad("no legal basis");
            }
            if item.legal_basis.iter().any(|b| b.law.trim().is_empty()) {
                return bad("a legal basis names no law");
            }
        }
        Ok(())
    }

    /// The item with this code.
    pub fn item(&self, code: &str) -> Option<&CatalogueItem> {
        self.items.iter().find(|i| i.code == code.trim())
    }

    /// Items whose code, name or category contains `query` (case-insensitive; Chinese as is), in catalogue
    /// order; a blank query gives every item.
    pub fn search(&self, query: &str) -> Vec<&CatalogueItem> {
        let query = query.trim().to_lowercase();
        self.items.iter().filter(|i| query.is_empty() || i.matches(&query)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(items: &str) -> String {
        format!(r#"{{"version": 3, "items": [{items}]}}"#)
    }

    const FOOD: &str = r#"{"code": "330217A01000", "name": "食品生产经营日常监督检查", "kind": "inspection",
        "category": "食品安全", "agency_type": "市场监督管理部门",
        "legal_basis": [{"law": "中华人民共和国食品安全法", "article": "第八十七条", "clause": "", "item": ""}],
        "checklist": ["证照是否齐全", "冷藏温度是否达标"]}"#;
    const MINE: &str = r#"{"code": "AJ-0203", "name": "非煤矿山安全检查", "kind": "inspection", "category": "应急管理",
        "legal_basis": [{"law": "中华人民共和国安全生产法", "article": "第六十五条", "clause": "", "item": ""}]}"#;

    #[test]
    fn reads_searches_and_opens_an_inspection() {
        let c = ItemCatalogue::from_json(&json(&format!("{FOOD},{MINE}"))).unwrap();
        assert_eq!(c.version, 3);
        assert_eq!(c.search("").len(), 2);
        assert_eq!(c.search("食品")[0].code, "330217A01000");
        assert_eq!(c.search("aj-02")[0].code, "AJ-0203");
        assert_eq!(c.search(" 应急管理 ").len(), 1);
        assert!(c.search("草原").is_empty());
        let item = c.item("AJ-0203").unwrap();
        assert!(item.checklist.is_empty(), "checklist and agency_type may be left out");
        let new = c.item("330217A01000").unwrap().new_inspection(
            "巴彦淖尔市市场监督管理局",
            Party::default(),
            Location::default(),
            vec![],
            Utc::now(),
            crate::Position::default(),
        );
        assert_eq!(new.item_name, "食品生产经营日常监督检查");
        assert_eq!(new.legal_basis[0].article, "第八十七条");
        assert_eq!(new.checklist.len(), 2);
    }

    #[test]
    fn refuses_bad_catalogues_naming_the_item() {
        let err = |j: &str| ItemCatalogue::from_json(j).unwrap_err().to_string();
        assert!(
            err(&json(&format!("{FOOD},{FOOD}"))).contains("item 2 (330217A01000): the code appears more than once")
        );
        assert!(
            err(&json(&MINE.replace(r#""law": "中华人民共和国安全生产法""#, r#""law": " ""#))).contains("names no law")
        );
        let no_basis = MINE.replace(
            r#"[{"law": "中华人民共和国安全生产法", "article": "第六十五条", "clause": "", "item": ""}]"#,
            "[]",
        );
        assert!(err(&json(&no_basis)).contains("item 1 (AJ-0203): no legal basis"));
        assert!(err(&json(&MINE.replace("非煤矿山安全检查", ""))).contains("the name is blank"));
        assert!(err("{\"version\": 1, \"items\": [").contains("not valid JSON"));
        assert!(err(&json("")).contains("no items"));
        assert!(err(&json(&MINE.replace("inspection", "audit"))).contains("not valid JSON"));
    }
}
