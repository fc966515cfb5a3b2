//! Reading fields that other automerge-repo peers wrote their own way. Our models write
//! scalar strings and unsigned integers; idiomatic JavaScript (`@automerge/automerge` 3)
//! writes a plain string as collaborative Text and a whole number as a signed Int, or as a
//! float. A document touched by such a peer must still open, so these readers accept every
//! faithful form and refuse only values that cannot mean what the field means.

use automerge::{ObjId, ObjType, ScalarValue, Value};
use autosurgeon::{HydrateError, Prop, ReadDoc};

use super::network::Role;

enum Raw {
    Missing,
    Null,
    Text(String),
    Int(i128),
    Other(String),
}

fn raw<D: ReadDoc>(doc: &D, obj: &ObjId, prop: Prop<'_>) -> Result<Raw, HydrateError> {
    let got = match prop {
        Prop::Key(k) => doc.get(obj, k.as_ref())?,
        Prop::Index(i) => doc.get(obj, i as usize)?,
    };
    Ok(match got {
        None => Raw::Missing,
        Some((Value::Object(ObjType::Text), id)) => Raw::Text(doc.text(&id)?),
        Some((Value::Object(t), _)) => Raw::Other(format!("a {t:?} object")),
        Some((Value::Scalar(s), _)) => match s.as_ref() {
            ScalarValue::Null => Raw::Null,
            ScalarValue::Str(s) => Raw::Text(s.to_string()),
            ScalarValue::Int(i) => Raw::Int(i128::from(*i)),
            ScalarValue::Uint(u) => Raw::Int(i128::from(*u)),
            ScalarValue::F64(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Raw::Int(*f as i128),
            other => Raw::Other(format!("{other:?}")),
        },
    })
}

fn unexpected(expected: &str, found: &Raw) -> HydrateError {
    let found = match found {
        Raw::Missing => "nothing".to_string(),
        Raw::Null => "null".to_string(),
        Raw::Text(s) => format!("the text {s:?}"),
        Raw::Int(i) => format!("the number {i}"),
        Raw::Other(o) => o.clone(),
    };
    HydrateError::unexpected(expected, found)
}

/// A string: scalar or Text.
pub fn string<D: ReadDoc>(doc: &D, obj: &ObjId, prop: Prop<'_>) -> Result<String, HydrateError> {
    match raw(doc, obj, prop)? {
        Raw::Text(s) => Ok(s),
        other => Err(unexpected("a string", &other)),
    }
}

/// An optional string: absent or null is `None`.
pub fn opt_string<D: ReadDoc>(
    doc: &D,
    obj: &ObjId,
    prop: Prop<'_>,
) -> Result<Option<String>, HydrateError> {
    match raw(doc, obj, prop)? {
        Raw::Missing | Raw::Null => Ok(None),
        Raw::Text(s) => Ok(Some(s)),
        other => Err(unexpected("a string or nothing", &other)),
    }
}

fn whole<T: TryFrom<i128>>(raw: Raw, expected: &str) -> Result<T, HydrateError> {
    match raw {
        Raw::Int(i) => T::try_from(i).map_err(|_| unexpected(expected, &Raw::Int(i))),
        other => Err(unexpected(expected, &other)),
    }
}

/// A whole number ≥ 0: Uint, non-negative Int or a whole float.
pub fn u64<D: ReadDoc>(doc: &D, obj: &ObjId, prop: Prop<'_>) -> Result<u64, HydrateError> {
    whole(raw(doc, obj, prop)?, "a whole number ≥ 0")
}

/// A signed whole number (times in ms).
pub fn i64<D: ReadDoc>(doc: &D, obj: &ObjId, prop: Prop<'_>) -> Result<i64, HydrateError> {
    whole(raw(doc, obj, prop)?, "a whole number")
}

/// An optional count: absent or null is `None`.
pub fn opt_u32<D: ReadDoc>(
    doc: &D,
    obj: &ObjId,
    prop: Prop<'_>,
) -> Result<Option<u32>, HydrateError> {
    match raw(doc, obj, prop)? {
        Raw::Missing | Raw::Null => Ok(None),
        other => whole(other, "a whole number ≥ 0 or nothing").map(Some),
    }
}

/// A member's role by its stored name.
pub fn role<D: ReadDoc>(doc: &D, obj: &ObjId, prop: Prop<'_>) -> Result<Role, HydrateError> {
    let raw = raw(doc, obj, prop)?;
    match &raw {
        Raw::Text(s) => Role::parse(s).ok_or_else(|| unexpected("a role", &raw)),
        _ => Err(unexpected("a role", &raw)),
    }
}

#[cfg(test)]
mod tests {
    use automerge::transaction::Transactable;
    use automerge::{AutoCommit, ObjType, ROOT, ScalarValue};

    use crate::model::network::{self, KIND, ModelError, Role};

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
            (ScalarValue::F64(2.5), "F64"),
            (ScalarValue::Str("muchos".into()), "the text \"muchos\""),
        ] {
            match network::read(&written_by_javascript(bad)) {
                Err(ModelError::Shape(m)) => assert!(m.contains(found), "{m}"),
                other => panic!("expected a shape error, got {other:?}"),
            }
        }
    }
}
