//! The part of an OCDS 1.1 compiled release the red flags read. Every field is optional and
//! read leniently: a value of the wrong type counts as absent, as it would for an indicator that
//! finds nothing to read there, so one malformed field never drops a whole release.

use serde::{Deserialize, Deserializer};

/// A value of `T`, or anything else.
#[derive(Deserialize)]
#[serde(untagged)]
enum Maybe<T> {
    Just(T),
    Other(serde::de::IgnoredAny),
}

/// A value of `T`, or nothing when the input holds something else.
fn lenient<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(match Option::<Maybe<T>>::deserialize(d)? {
        Some(Maybe::Just(v)) => Some(v),
        _ => None,
    })
}

/// A list whose entries of the wrong shape are left out; anything but a list is empty.
fn lenient_list<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    let items: Option<Vec<Maybe<T>>> = lenient(d)?;
    Ok(items
        .unwrap_or_default()
        .into_iter()
        .filter_map(|m| match m {
            Maybe::Just(v) => Some(v),
            Maybe::Other(_) => None,
        })
        .collect())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Release {
    #[serde(deserialize_with = "lenient")]
    pub ocid: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub tender: Option<Tender>,
    #[serde(deserialize_with = "lenient")]
    pub buyer: Option<Party>,
    #[serde(deserialize_with = "lenient")]
    pub bids: Option<Bids>,
    #[serde(deserialize_with = "lenient_list")]
    pub awards: Vec<Award>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Tender {
    #[serde(deserialize_with = "lenient")]
    pub status: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub procurement_method: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub procurement_method_details: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub number_of_tenderers: Option<f64>,
    #[serde(deserialize_with = "lenient")]
    pub tender_period: Option<Period>,
    #[serde(deserialize_with = "lenient")]
    pub procuring_entity: Option<Party>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Period {
    #[serde(deserialize_with = "lenient")]
    pub start_date: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub end_date: Option<String>,
}

/// An organization reference or a classification; only a string id is read.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Party {
    #[serde(deserialize_with = "lenient")]
    pub id: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Bids {
    #[serde(deserialize_with = "lenient_list")]
    pub details: Vec<Bid>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Bid {
    #[serde(deserialize_with = "lenient")]
    pub status: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub date: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub value: Option<Amount>,
    #[serde(deserialize_with = "lenient_list")]
    pub tenderers: Vec<Party>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Amount {
    #[serde(deserialize_with = "lenient")]
    pub amount: Option<f64>,
    #[serde(deserialize_with = "lenient")]
    pub currency: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Award {
    #[serde(deserialize_with = "lenient")]
    pub status: Option<String>,
    #[serde(deserialize_with = "lenient_list")]
    pub suppliers: Vec<Party>,
    #[serde(deserialize_with = "lenient_list")]
    pub items: Vec<Item>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Item {
    #[serde(deserialize_with = "lenient")]
    pub classification: Option<Party>,
}

impl Bid {
    /// Submitted: neither an invitation nor withdrawn.
    pub fn submitted(&self) -> bool {
        !matches!(self.status.as_deref(), Some("invited" | "withdrawn"))
    }

    pub fn has_status(&self, s: &str) -> bool {
        self.status.as_deref() == Some(s)
    }

    /// The tenderers' string ids.
    pub fn tenderer_ids(&self) -> impl Iterator<Item = &str> {
        self.tenderers.iter().filter_map(|t| t.id.as_deref())
    }
}

impl Award {
    pub fn has_status(&self, s: &str) -> bool {
        self.status.as_deref() == Some(s)
    }

    /// The award's one supplier, when it has exactly one.
    pub fn sole_supplier(&self) -> Option<&str> {
        match &self.suppliers[..] {
            [one] => one.id.as_deref(),
            _ => None,
        }
    }
}

impl Release {
    /// The bids in `bids.details`, submitted or not.
    pub fn bids(&self) -> &[Bid] {
        self.bids.as_ref().map_or(&[], |b| &b.details)
    }

    pub fn method_details(&self) -> Option<&str> {
        self.tender
            .as_ref()
            .and_then(|t| t.procurement_method_details.as_deref())
    }

    /// Every award is final: active, cancelled or unsuccessful.
    pub fn awards_final(&self) -> bool {
        self.awards.iter().all(|a| {
            matches!(
                a.status.as_deref(),
                Some("active" | "cancelled" | "unsuccessful")
            )
        })
    }

    /// With every award final and exactly one active award with one supplier — so that all
    /// bids competed for the same thing and the lowest price should have won — that supplier.
    pub fn sole_winner(&self) -> Option<&str> {
        if !self.awards_final() {
            return None;
        }
        let mut active = self.awards.iter().filter(|a| a.has_status("active"));
        match (active.next(), active.next()) {
            (Some(a), None) => a.sole_supplier(),
            _ => None,
        }
    }

    /// The suppliers of the active awards.
    pub fn active_suppliers(&self) -> std::collections::BTreeSet<&str> {
        self.awards
            .iter()
            .filter(|a| a.has_status("active"))
            .flat_map(|a| a.suppliers.iter().filter_map(|s| s.id.as_deref()))
            .collect()
    }
}
