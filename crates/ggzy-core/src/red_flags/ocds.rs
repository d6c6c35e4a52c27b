//! The part of an OCDS 1.1 compiled release the red flags read. Every field is optional and
//! read leniently: a value of the wrong type counts as absent, as it would for an indicator that
//! finds nothing to read there, so one malformed field never drops a whole release.

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::fmt;
use std::marker::PhantomData;

// Each reader below takes its value when the input has the expected shape and otherwise skips
// whatever is there without buffering it, so leniency costs nothing on well-formed input.

/// Skips a map or a list it does not want.
fn drain_map<'de, A: MapAccess<'de>>(mut m: A) -> Result<(), A::Error> {
    while m.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
    Ok(())
}

fn drain_seq<'de, A: SeqAccess<'de>>(mut s: A) -> Result<(), A::Error> {
    while s.next_element::<IgnoredAny>()?.is_some() {}
    Ok(())
}

/// The visitor methods for the shapes a reader does not want: each reads as nothing, and a
/// map or a list is skipped entry by entry.
macro_rules! nothing {
    ($de:lifetime; $($shape:ident),*) => { $( nothing!(@ $de $shape); )* };
    (@ $de:lifetime bool) => {
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
    };
    (@ $de:lifetime i64) => {
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
    };
    (@ $de:lifetime u64) => {
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
    };
    (@ $de:lifetime f64) => {
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
    };
    (@ $de:lifetime str) => {
        fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
    };
    (@ $de:lifetime unit) => {
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
    };
    (@ $de:lifetime map) => {
        fn visit_map<A: MapAccess<$de>>(self, m: A) -> Result<Self::Value, A::Error> {
            drain_map(m).map(|_| Default::default())
        }
    };
    (@ $de:lifetime seq) => {
        fn visit_seq<A: SeqAccess<$de>>(self, s: A) -> Result<Self::Value, A::Error> {
            drain_seq(s).map(|_| Default::default())
        }
    };
}

struct Text;

impl<'de> Visitor<'de> for Text {
    type Value = Option<String>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Some(v))
    }
    nothing!('de; bool, i64, u64, f64, unit, map, seq);
}

/// A string, or nothing.
fn lenient_str<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    d.deserialize_any(Text)
}

struct Number;

impl<'de> Visitor<'de> for Number {
    type Value = Option<f64>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a number")
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some(v as f64))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(v as f64))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Some(v))
    }
    nothing!('de; bool, str, unit, map, seq);
}

/// A number, or nothing.
fn lenient_num<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    d.deserialize_any(Number)
}

struct Object<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for Object<T> {
    type Value = Option<T>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object")
    }
    fn visit_map<A: MapAccess<'de>>(self, m: A) -> Result<Self::Value, A::Error> {
        T::deserialize(de::value::MapAccessDeserializer::new(m)).map(Some)
    }
    nothing!('de; bool, i64, u64, f64, str, unit, seq);
}

/// An object (whose own fields are all lenient), or nothing.
fn lenient<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    d.deserialize_any(Object(PhantomData))
}

/// One entry of a list of objects: the object, or nothing for anything else.
struct Entry<T>(Option<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Entry<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        lenient(d).map(Entry)
    }
}

struct List<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for List<T> {
    type Value = Vec<T>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of objects")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        while let Some(Entry(e)) = s.next_element::<Entry<T>>()? {
            out.extend(e);
        }
        Ok(out)
    }
    nothing!('de; bool, i64, u64, f64, str, unit, map);
}

/// A list of objects whose entries of another shape are left out; anything but a list is empty.
fn lenient_list<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    d.deserialize_any(List(PhantomData))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Release {
    #[serde(deserialize_with = "lenient_str")]
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
    #[serde(deserialize_with = "lenient_str")]
    pub status: Option<String>,
    #[serde(deserialize_with = "lenient_str")]
    pub procurement_method: Option<String>,
    #[serde(deserialize_with = "lenient_str")]
    pub procurement_method_details: Option<String>,
    #[serde(deserialize_with = "lenient_num")]
    pub number_of_tenderers: Option<f64>,
    #[serde(deserialize_with = "lenient")]
    pub tender_period: Option<Period>,
    #[serde(deserialize_with = "lenient")]
    pub procuring_entity: Option<Party>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Period {
    #[serde(deserialize_with = "lenient_str")]
    pub start_date: Option<String>,
    #[serde(deserialize_with = "lenient_str")]
    pub end_date: Option<String>,
}

/// An organization reference or a classification; only a string id is read.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Party {
    #[serde(deserialize_with = "lenient_str")]
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
    #[serde(deserialize_with = "lenient_str")]
    pub status: Option<String>,
    #[serde(deserialize_with = "lenient_str")]
    pub date: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub value: Option<Amount>,
    #[serde(deserialize_with = "lenient_list")]
    pub tenderers: Vec<Party>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Amount {
    #[serde(deserialize_with = "lenient_num")]
    pub amount: Option<f64>,
    #[serde(deserialize_with = "lenient_str")]
    pub currency: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Award {
    #[serde(deserialize_with = "lenient_str")]
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
