//! Reading fields that other automerge-repo peers wrote their own way. Our models write
//! scalar strings and unsigned integers; idiomatic JavaScript (`@automerge/automerge` 3)
//! writes a plain string as collaborative Text and a whole number as a signed Int, or as a
//! float. A document touched by such a peer must still open, so these readers accept every
//! faithful form and refuse only values that cannot mean what the field means, with a
//! [`DocError::Shape`] naming the field by its path and saying what was found.

use automerge::{ObjId, ObjType, ReadDoc, ScalarValue, Value};

use super::doc::DocError;
use super::network::Role;

enum Raw {
    Missing,
    Null,
    Text(String),
    Int(i128),
    Other(String),
}

fn raw<D: ReadDoc>(doc: &D, obj: &ObjId, key: &str) -> Result<Raw, DocError> {
    Ok(match doc.get(obj, key)? {
        None => Raw::Missing,
        Some((Value::Object(ObjType::Text), id)) => Raw::Text(doc.text(&id)?),
        Some((Value::Object(t), _)) => Raw::Other(object(t).to_string()),
        Some((Value::Scalar(s), _)) => match s.as_ref() {
            ScalarValue::Null => Raw::Null,
            ScalarValue::Str(s) => Raw::Text(s.to_string()),
            ScalarValue::Int(i) => Raw::Int(i128::from(*i)),
            ScalarValue::Uint(u) => Raw::Int(i128::from(*u)),
            ScalarValue::F64(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Raw::Int(*f as i128),
            other => Raw::Other(scalar(other)),
        },
    })
}

fn object(t: ObjType) -> &'static str {
    match t {
        ObjType::Map => "a map",
        ObjType::Table => "a table",
        ObjType::List => "a list",
        ObjType::Text => "a text",
    }
}

fn scalar(s: &ScalarValue) -> String {
    match s {
        ScalarValue::Null => "null".to_string(),
        ScalarValue::Str(s) => format!("the text {:?}", s.as_str()),
        ScalarValue::Int(i) => format!("the number {i}"),
        ScalarValue::Uint(u) => format!("the number {u}"),
        ScalarValue::F64(f) => format!("the number {f}"),
        ScalarValue::Boolean(b) => format!("the boolean {b}"),
        ScalarValue::Bytes(_) => "bytes".to_string(),
        ScalarValue::Counter(_) => "a counter".to_string(),
        ScalarValue::Timestamp(_) => "a timestamp".to_string(),
        ScalarValue::Unknown { .. } => "a value of an unknown type".to_string(),
    }
}

/// What a value is, in the words a [`DocError::Shape`] uses ("the number 3", "a list").
pub fn describe(value: Option<&Value<'_>>) -> String {
    match value {
        None => "nothing".to_string(),
        Some(Value::Object(t)) => object(*t).to_string(),
        Some(Value::Scalar(s)) => scalar(s),
    }
}

/// The path of `obj[key]` from the document's root, keys (and list indexes) joined by dots.
pub fn path<D: ReadDoc>(doc: &D, obj: &ObjId, key: &str) -> String {
    let mut parts: Vec<String> = doc
        .parents(obj)
        .map(|p| p.path().into_iter().map(|(_, prop)| prop.to_string()).collect())
        .unwrap_or_default();
    parts.push(key.to_string());
    parts.join(".")
}

/// A [`DocError::Shape`] naming `obj[key]` and what it holds.
pub fn shape<D: ReadDoc>(doc: &D, obj: &ObjId, key: &str) -> DocError {
    match raw(doc, obj, key) {
        Ok(found) => unexpected(doc, obj, key, &found),
        Err(e) => e,
    }
}

fn unexpected<D: ReadDoc>(doc: &D, obj: &ObjId, key: &str, found: &Raw) -> DocError {
    let found = match found {
        Raw::Missing => "nothing".to_string(),
        Raw::Null => "null".to_string(),
        Raw::Text(s) => format!("the text {s:?}"),
        Raw::Int(i) => format!("the number {i}"),
        Raw::Other(o) => o.clone(),
    };
    DocError::shape(path(doc, obj, key), found)
}

/// A string: scalar or Text.
pub fn string<D: ReadDoc>(doc: &D, obj: &ObjId, key: &str) -> Result<String, DocError> {
    match raw(doc, obj, key)? {
        Raw::Text(s) => Ok(s),
        other => Err(unexpected(doc, obj, key, &other)),
    }
}

/// An optional string: absent or null is `None`.
pub fn opt_string<D: ReadDoc>(doc: &D, obj: &ObjId, key: &str) -> Result<Option<String>, DocError> {
    match raw(doc, obj, key)? {
        Raw::Missing | Raw::Null => Ok(None),
        Raw::Text(s) => Ok(Some(s)),
        other => Err(unexpected(doc, obj, key, &other)),
    }
}

fn whole<D: ReadDoc, T: TryFrom<i128>>(
    doc: &D,
    obj: &ObjId,
    key: &str,
    raw: Raw,
) -> Result<T, DocError> {
    match raw {
        Raw::Int(i) => T::try_from(i).map_err(|_| unexpected(doc, obj, key, &Raw::Int(i))),
        other => Err(unexpected(doc, obj, key, &other)),
    }
}

/// A whole number ≥ 0: Uint, non-negative Int or a whole float.
pub fn u64<D: ReadDoc>(doc: &D, obj: &ObjId, key: &str) -> Result<u64, DocError> {
    whole(doc, obj, key, raw(doc, obj, key)?)
}

/// A signed whole number (times in ms).
pub fn i64<D: ReadDoc>(doc: &D, obj: &ObjId, key: &str) -> Result<i64, DocError> {
    whole(doc, obj, key, raw(doc, obj, key)?)
}

/// An optional count: absent or null is `None`.
pub fn opt_u32<D: ReadDoc>(doc: &D, obj: &ObjId, key: &str) -> Result<Option<u32>, DocError> {
    match raw(doc, obj, key)? {
        Raw::Missing | Raw::Null => Ok(None),
        other => whole(doc, obj, key, other).map(Some),
    }
}

/// A member's role by its stored name.
pub fn role<D: ReadDoc>(doc: &D, obj: &ObjId, key: &str) -> Result<Role, DocError> {
    let raw = raw(doc, obj, key)?;
    match &raw {
        Raw::Text(s) => Role::parse(s).ok_or_else(|| unexpected(doc, obj, key, &raw)),
        _ => Err(unexpected(doc, obj, key, &raw)),
    }
}

/// A map that must be there.
pub fn map<D: ReadDoc>(doc: &D, obj: &ObjId, key: &str) -> Result<ObjId, DocError> {
    opt_map(doc, obj, key)?.ok_or_else(|| shape(doc, obj, key))
}

/// A map that may be absent (or null); anything else there is refused.
pub fn opt_map<D: ReadDoc>(doc: &D, obj: &ObjId, key: &str) -> Result<Option<ObjId>, DocError> {
    match doc.get(obj, key)? {
        Some((Value::Object(ObjType::Map), id)) => Ok(Some(id)),
        None => Ok(None),
        Some((Value::Scalar(s), _)) if matches!(s.as_ref(), ScalarValue::Null) => Ok(None),
        Some(_) => Err(shape(doc, obj, key)),
    }
}

/// A set stored as a map of keys to `true`; absent or null is empty.
pub fn set<D: ReadDoc>(
    doc: &D,
    obj: &ObjId,
    key: &str,
) -> Result<std::collections::BTreeMap<String, bool>, DocError> {
    let Some(map) = opt_map(doc, obj, key)? else { return Ok(Default::default()) };
    let mut out = std::collections::BTreeMap::new();
    for k in doc.keys(&map) {
        match doc.get(&map, k.as_str())? {
            Some((Value::Scalar(s), _)) if s.as_bool().is_some() => {
                out.insert(k, s.as_bool() == Some(true));
            }
            _ => return Err(shape(doc, &map, &k)),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use automerge::transaction::Transactable;
    use automerge::{AutoCommit, ObjType, ROOT, ScalarValue};

    use crate::model::doc::DocError;
    use crate::model::network::{self, KIND, Role};

    /// What `repo.create({...})` in JavaScript writes: Text for strings, Int / F64 for numbers.
    fn written_by_javascript(enrolment: ScalarValue) -> AutoCommit {
        let mut doc = AutoCommit::new();
        let text = |doc: &mut AutoCommit, obj: &automerge::ObjId, key: &str, value: &str| {
            let t = doc.put_object(obj, key, ObjType::Text).unwrap();
            doc.splice_text(&t, 0, 0, value).unwrap();
        };
        text(&mut doc, &ROOT, "kind", KIND);
        doc.put(&ROOT, "schema_version", ScalarValue::Int(1)).unwrap();
        text(&mut doc, &ROOT, "name", "Red creada en JavaScript");
        text(&mut doc, &ROOT, "slep", "SLEP");
        doc.put(&ROOT, "created_at", ScalarValue::F64(1.7e12)).unwrap();
        doc.put(&ROOT, "updated_at", ScalarValue::Int(1_700_000_000_000)).unwrap();
        let centres = doc.put_object(&ROOT, "centres", ObjType::Map).unwrap();
        let c = doc.put_object(&centres, "c1", ObjType::Map).unwrap();
        for (k, v) in [("name", "Jardín Arcoíris"), ("rbd", "12345-6"), ("commune", "La Serena")]
        {
            text(&mut doc, &c, k, v);
        }
        doc.put(&c, "kind", "VTF").unwrap();
        doc.put(&c, "enrolment", enrolment).unwrap();
        doc.put(&c, "educators", ScalarValue::Null).unwrap();
        let members = doc.put_object(&ROOT, "members", ObjType::Map).unwrap();
        let m = doc.put_object(&members, "m1", ObjType::Map).unwrap();
        text(&mut doc, &m, "name", "Ana");
        text(&mut doc, &m, "role", "facilitador");
        doc.put_object(&ROOT, "commissions", ObjType::Map).unwrap();
        doc
    }

    #[test]
    fn a_network_written_the_javascript_way_opens() {
        let doc = written_by_javascript(ScalarValue::Int(42));
        let net = network::read(&doc).unwrap();
        assert_eq!(net.name, "Red creada en JavaScript");
        assert_eq!((net.schema_version, net.created_at), (1, 1_700_000_000_000));
        let centre = &net.centres["c1"];
        assert_eq!(
            (centre.name.as_str(), centre.enrolment, centre.educators),
            ("Jardín Arcoíris", Some(42), None)
        );
        assert_eq!(net.members["m1"].role, Role::Facilitator);
    }

    #[test]
    fn values_that_cannot_mean_the_field_are_refused_with_what_was_found() {
        for (bad, found) in [
            (ScalarValue::Int(-3), "the number -3"),
            (ScalarValue::F64(2.5), "the number 2.5"),
            (ScalarValue::Str("muchos".into()), "the text \"muchos\""),
            (ScalarValue::Boolean(false), "the boolean false"),
        ] {
            assert_eq!(
                network::read(&written_by_javascript(bad)),
                Err(DocError::Shape { field: "centres.c1.enrolment".into(), found: found.into() })
            );
        }
    }
}
