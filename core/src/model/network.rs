//! The network directory document: the network's name and SLEP, its centres, members and
//! commissions, and the commands that change them (validated, committed with the caller's time).

use std::collections::BTreeMap;

use automerge::transaction::{CommitOptions, Transactable};
use automerge::{AutoCommit, ObjId, ObjType, ROOT, ReadDoc, ScalarValue, Value};

use super::doc::{DocError, Document};
use super::lenient;

/// The schema this code writes. Documents with a higher version are refused, not mangled.
pub const SCHEMA_VERSION: u64 = 1;
/// The `kind` field of a network directory document.
pub const KIND: &str = "juntas/network";

/// The whole directory, as plain data (kept as JSON beside the document as its reading, so a
/// network's pages open without parsing it: `src/readings.rs`).
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Network {
    pub kind: String,
    pub schema_version: u64,
    pub name: String,
    pub slep: String,
    /// Milliseconds since the Unix epoch, as given by the caller.
    pub created_at: i64,
    pub updated_at: i64,
    pub centres: BTreeMap<String, Centre>,
    pub members: BTreeMap<String, Member>,
    pub commissions: BTreeMap<String, Commission>,
    /// The plans this network has started, as a set: "2027" (the year's common plan) and
    /// "2027/{centre id}" (a centre's plan). Document ids are derived from these, so the set
    /// only tells other devices which ones to ask for. Absent in older documents.
    pub plans: BTreeMap<String, bool>,
    /// The network's inquiries, as a set of inquiry document ids. Absent in older documents.
    pub inquiries: BTreeMap<String, bool>,
    /// The network's problem trees, as a set of document ids. Absent in older documents.
    pub trees: BTreeMap<String, bool>,
    /// The network's workshops, as a set of document ids. Absent in older documents.
    pub workshops: BTreeMap<String, bool>,
    /// The network's votes, as a set of document ids. Absent in older documents.
    pub votes: BTreeMap<String, bool>,
    /// The network's improvement cycles, as a set of document ids. Absent in older documents.
    pub cycles: BTreeMap<String, bool>,
}

/// A centre (jardín infantil / sala cuna). Counts are optional: not every centre reports them.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize)]
pub struct Centre {
    pub name: String,
    /// Rol Base de Datos, the Ministry's id of an establishment ("12345-6"); may be empty.
    pub rbd: String,
    pub commune: String,
    /// e.g. "Jardín infantil y sala cuna VTF".
    pub kind: String,
    pub enrolment: Option<u32>,
    pub staff_total: Option<u32>,
    pub educators: Option<u32>,
    pub technicians: Option<u32>,
    pub staff_on_leave: Option<u32>,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
pub enum Role {
    #[default]
    Principal,
    SlepProfessional,
    Facilitator,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Principal, Role::SlepProfessional, Role::Facilitator];

    /// The stable name stored in documents and used in forms.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Principal => "directora",
            Role::SlepProfessional => "profesional-slep",
            Role::Facilitator => "facilitador",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize)]
pub struct Member {
    pub name: String,
    pub role: Role,
    /// The member's centre (principals); None for SLEP staff and facilitators.
    pub centre_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize)]
pub struct Commission {
    pub name: String,
    /// Member ids as a set (map to `true`): concurrent additions of different members merge.
    pub members: BTreeMap<String, bool>,
}

impl Commission {
    pub fn member_ids(&self) -> impl Iterator<Item = &str> {
        self.members.keys().map(String::as_str)
    }
}

/// A change a person asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Rename {
        name: String,
        slep: String,
    },
    PutCentre {
        id: String,
        centre: Centre,
    },
    RemoveCentre {
        id: String,
    },
    PutMember {
        id: String,
        member: Member,
    },
    RemoveMember {
        id: String,
    },
    PutCommission {
        id: String,
        commission: Commission,
    },
    RemoveCommission {
        id: String,
    },
    /// Records that a plan was started ("2027" or "2027/{centre id}").
    ListPlan {
        key: String,
    },
    /// Records that an inquiry document exists.
    ListInquiry {
        id: String,
    },
    /// Records that a problem tree document exists.
    ListTree {
        id: String,
    },
    /// Records that a workshop document exists.
    ListWorkshop {
        id: String,
    },
    /// Records that a vote document exists.
    ListVote {
        id: String,
    },
    /// Records that an improvement cycle document exists.
    ListCycle {
        id: String,
    },
}

/// Why a command was refused or a document could not be read. The UI words each variant.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModelError {
    #[error("the {0} needs a name")]
    MissingName(Entity),
    #[error("RBD must look like 12345-6, got {0:?}")]
    BadRbd(String),
    #[error("there is no centre {0}")]
    UnknownCentre(String),
    #[error("there is no member {0}")]
    UnknownMember(String),
    #[error("there is no commission {0}")]
    UnknownCommission(String),
    #[error("another centre already has RBD {0}")]
    DuplicateRbd(String),
    /// The document could not be read, or Automerge refused the change.
    #[error(transparent)]
    Doc(#[from] DocError),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entity {
    Network,
    Centre,
    Member,
    Commission,
}

impl std::fmt::Display for Entity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Entity::Network => "network",
            Entity::Centre => "centre",
            Entity::Member => "member",
            Entity::Commission => "commission",
        })
    }
}

impl Network {
    /// A new, empty network.
    pub fn new(name: &str, slep: &str, now: i64) -> Network {
        Network {
            kind: KIND.to_string(),
            schema_version: SCHEMA_VERSION,
            name: name.trim().to_string(),
            slep: slep.trim().to_string(),
            created_at: now,
            updated_at: now,
            ..Network::default()
        }
    }

    /// Centres sorted for display: by commune, then name.
    pub fn centres_sorted(&self) -> Vec<(&String, &Centre)> {
        let mut v: Vec<_> = self.centres.iter().collect();
        crate::order::sort_by(&mut v, |a, b| {
            (&a.1.commune, &a.1.name, a.0).cmp(&(&b.1.commune, &b.1.name, b.0))
        });
        v
    }

    pub fn members_sorted(&self) -> Vec<(&String, &Member)> {
        let mut v: Vec<_> = self.members.iter().collect();
        crate::order::sort_by(&mut v, |a, b| (&a.1.name, a.0).cmp(&(&b.1.name, b.0)));
        v
    }

    pub fn commissions_sorted(&self) -> Vec<(&String, &Commission)> {
        let mut v: Vec<_> = self.commissions.iter().collect();
        crate::order::sort_by(&mut v, |a, b| (&a.1.name, a.0).cmp(&(&b.1.name, b.0)));
        v
    }

    /// Applies `command` to this plain value, validating it first.
    pub fn apply(&mut self, command: Command) -> Result<(), ModelError> {
        match command {
            Command::Rename { name, slep } => {
                require_name(&name, Entity::Network)?;
                self.name = name.trim().to_string();
                self.slep = slep.trim().to_string();
            }
            Command::PutCentre { id, mut centre } => {
                require_name(&centre.name, Entity::Centre)?;
                centre.name = centre.name.trim().to_string();
                centre.commune = centre.commune.trim().to_string();
                centre.kind = centre.kind.trim().to_string();
                centre.rbd = normalise_rbd(&centre.rbd)?;
                if !centre.rbd.is_empty()
                    && self.centres.iter().any(|(other, c)| *other != id && c.rbd == centre.rbd)
                {
                    return Err(ModelError::DuplicateRbd(centre.rbd));
                }
                self.centres.insert(id, centre);
            }
            Command::RemoveCentre { id } => {
                self.centres.remove(&id).ok_or_else(|| ModelError::UnknownCentre(id.clone()))?;
                for m in self.members.values_mut() {
                    if m.centre_id.as_deref() == Some(id.as_str()) {
                        m.centre_id = None;
                    }
                }
            }
            Command::PutMember { id, mut member } => {
                require_name(&member.name, Entity::Member)?;
                member.name = member.name.trim().to_string();
                if let Some(c) = &member.centre_id
                    && !self.centres.contains_key(c)
                {
                    return Err(ModelError::UnknownCentre(c.clone()));
                }
                self.members.insert(id, member);
            }
            Command::RemoveMember { id } => {
                self.members.remove(&id).ok_or_else(|| ModelError::UnknownMember(id.clone()))?;
                for c in self.commissions.values_mut() {
                    c.members.remove(&id);
                }
            }
            Command::PutCommission { id, mut commission } => {
                require_name(&commission.name, Entity::Commission)?;
                commission.name = commission.name.trim().to_string();
                if let Some(m) = commission.member_ids().find(|m| !self.members.contains_key(*m)) {
                    return Err(ModelError::UnknownMember(m.to_string()));
                }
                self.commissions.insert(id, commission);
            }
            Command::RemoveCommission { id } => {
                self.commissions.remove(&id).ok_or(ModelError::UnknownCommission(id))?;
            }
            Command::ListPlan { key } => {
                self.plans.insert(key, true);
            }
            Command::ListInquiry { id } => {
                self.inquiries.insert(id, true);
            }
            Command::ListTree { id } => {
                self.trees.insert(id, true);
            }
            Command::ListWorkshop { id } => {
                self.workshops.insert(id, true);
            }
            Command::ListVote { id } => {
                self.votes.insert(id, true);
            }
            Command::ListCycle { id } => {
                self.cycles.insert(id, true);
            }
        }
        Ok(())
    }
}

fn require_name(name: &str, what: Entity) -> Result<(), ModelError> {
    if name.trim().is_empty() { Err(ModelError::MissingName(what)) } else { Ok(()) }
}

/// Accepts "12345-6", "12345-k", "12345" or "" (trimmed); the verifier is upper-cased.
fn normalise_rbd(rbd: &str) -> Result<String, ModelError> {
    let rbd = rbd.trim();
    if rbd.is_empty() {
        return Ok(String::new());
    }
    let (number, verifier) = match rbd.split_once('-') {
        Some((n, v)) => (n, Some(v)),
        None => (rbd, None),
    };
    let number_ok =
        !number.is_empty() && number.len() <= 6 && number.bytes().all(|b| b.is_ascii_digit());
    let verifier_ok = verifier.is_none_or(|v| {
        v.len() == 1 && v.chars().all(|c| c.is_ascii_digit() || c == 'k' || c == 'K')
    });
    if number_ok && verifier_ok {
        Ok(rbd.to_ascii_uppercase())
    } else {
        Err(ModelError::BadRbd(rbd.to_string()))
    }
}

/// Writes a new network into an empty document and commits it.
pub fn create(doc: &mut AutoCommit, network: &Network, now: i64) -> Result<(), ModelError> {
    require_name(&network.name, Entity::Network)?;
    write(doc, network)?;
    commit(doc, now, "crear red");
    Ok(())
}

/// The network directory document (`kind` [`KIND`]).
pub struct NetworkDoc;

impl Document for NetworkDoc {
    const KIND: &'static str = KIND;
    const SCHEMA: u64 = SCHEMA_VERSION;
    type Plain = Network;

    fn read(doc: &AutoCommit) -> Result<Network, DocError> {
        Self::check(doc)?;
        let root = &ROOT;
        Ok(Network {
            kind: lenient::string(doc, root, "kind")?,
            schema_version: lenient::u64(doc, root, "schema_version")?,
            name: lenient::string(doc, root, "name")?,
            slep: lenient::string(doc, root, "slep")?,
            created_at: lenient::i64(doc, root, "created_at")?,
            updated_at: lenient::i64(doc, root, "updated_at")?,
            centres: entries(doc, "centres", read_centre)?,
            members: entries(doc, "members", read_member)?,
            commissions: entries(doc, "commissions", read_commission)?,
            plans: lenient::set(doc, root, "plans")?,
            inquiries: lenient::set(doc, root, "inquiries")?,
            trees: lenient::set(doc, root, "trees")?,
            workshops: lenient::set(doc, root, "workshops")?,
            votes: lenient::set(doc, root, "votes")?,
            cycles: lenient::set(doc, root, "cycles")?,
        })
    }
}

/// Reads the directory, checking that it is one and that this code understands its schema.
pub fn read(doc: &AutoCommit) -> Result<Network, DocError> {
    NetworkDoc::read(doc)
}

/// Every entry of the map `key` at the root (absent: none), each read by `read_one`.
fn entries<T>(
    doc: &AutoCommit,
    key: &str,
    read_one: fn(&AutoCommit, &ObjId) -> Result<T, DocError>,
) -> Result<BTreeMap<String, T>, DocError> {
    let mut out = BTreeMap::new();
    let Some(map) = lenient::opt_map(doc, &ROOT, key)? else { return Ok(out) };
    for id in doc.keys(&map).collect::<Vec<_>>() {
        let entry = lenient::map(doc, &map, &id)?;
        out.insert(id, read_one(doc, &entry)?);
    }
    Ok(out)
}

fn read_centre(doc: &AutoCommit, c: &ObjId) -> Result<Centre, DocError> {
    Ok(Centre {
        name: lenient::string(doc, c, "name")?,
        rbd: lenient::string(doc, c, "rbd")?,
        commune: lenient::string(doc, c, "commune")?,
        kind: lenient::string(doc, c, "kind")?,
        enrolment: lenient::opt_u32(doc, c, "enrolment")?,
        staff_total: lenient::opt_u32(doc, c, "staff_total")?,
        educators: lenient::opt_u32(doc, c, "educators")?,
        technicians: lenient::opt_u32(doc, c, "technicians")?,
        staff_on_leave: lenient::opt_u32(doc, c, "staff_on_leave")?,
    })
}

fn read_member(doc: &AutoCommit, m: &ObjId) -> Result<Member, DocError> {
    Ok(Member {
        name: lenient::string(doc, m, "name")?,
        role: lenient::role(doc, m, "role")?,
        centre_id: lenient::opt_string(doc, m, "centre_id")?,
    })
}

fn read_commission(doc: &AutoCommit, c: &ObjId) -> Result<Commission, DocError> {
    Ok(Commission {
        name: lenient::string(doc, c, "name")?,
        members: lenient::set(doc, c, "members")?,
    })
}

/// Applies `command` to the document: read, validate and change the plain value, write back
/// only what differs, commit with `now` (ms since the epoch). A refused command changes nothing.
pub fn apply(doc: &mut AutoCommit, command: Command, now: i64) -> Result<Network, ModelError> {
    let mut network = read(doc)?;
    let message = describe(&command);
    network.apply(command)?;
    network.updated_at = now;
    write(doc, &network).inspect_err(|_| {
        doc.rollback();
    })?;
    commit(doc, now, message);
    Ok(network)
}

fn describe(command: &Command) -> &'static str {
    match command {
        Command::Rename { .. } => "renombrar red",
        Command::PutCentre { .. } => "guardar centro",
        Command::RemoveCentre { .. } => "quitar centro",
        Command::PutMember { .. } => "guardar miembro",
        Command::RemoveMember { .. } => "quitar miembro",
        Command::PutCommission { .. } => "guardar comisión",
        Command::RemoveCommission { .. } => "quitar comisión",
        Command::ListPlan { .. } => "iniciar plan",
        Command::ListInquiry { .. } => "crear indagación",
        Command::ListTree { .. } => "crear árbol",
        Command::ListWorkshop { .. } => "crear taller",
        Command::ListVote { .. } => "crear votación",
        Command::ListCycle { .. } => "crear ciclo",
    }
}

fn commit(doc: &mut AutoCommit, now_ms: i64, message: &str) {
    doc.commit_with(
        CommitOptions::default().with_time(now_ms / 1000).with_message(message.to_string()),
    );
}

/// Writes `network` into `doc`, changing only what differs from what it holds: a field
/// already equal (and not in conflict) is not written, an entry no longer in a map is deleted,
/// so a change's effects are exactly the fields the command changed (what the rules judge).
/// Scalars as the app has always written them: strings, `Uint` counts and version, `Int`
/// times, `Null` for an absent count or centre, `true` in sets.
fn write(doc: &mut AutoCommit, network: &Network) -> Result<(), DocError> {
    let n = network;
    put(doc, &ROOT, "kind", n.kind.as_str().into())?;
    put(doc, &ROOT, "schema_version", ScalarValue::Uint(n.schema_version))?;
    put(doc, &ROOT, "name", n.name.as_str().into())?;
    put(doc, &ROOT, "slep", n.slep.as_str().into())?;
    put(doc, &ROOT, "created_at", ScalarValue::Int(n.created_at))?;
    put(doc, &ROOT, "updated_at", ScalarValue::Int(n.updated_at))?;
    write_map(doc, &ROOT, "centres", &n.centres, |doc, obj, c| {
        for (key, value) in [("name", &c.name), ("rbd", &c.rbd), ("commune", &c.commune)] {
            put(doc, obj, key, value.as_str().into())?;
        }
        put(doc, obj, "kind", c.kind.as_str().into())?;
        for (key, count) in [
            ("enrolment", c.enrolment),
            ("staff_total", c.staff_total),
            ("educators", c.educators),
            ("technicians", c.technicians),
            ("staff_on_leave", c.staff_on_leave),
        ] {
            put(doc, obj, key, count.map_or(ScalarValue::Null, |v| ScalarValue::Uint(v.into())))?;
        }
        Ok(())
    })?;
    write_map(doc, &ROOT, "members", &n.members, |doc, obj, m| {
        put(doc, obj, "name", m.name.as_str().into())?;
        put(doc, obj, "role", m.role.as_str().into())?;
        put(doc, obj, "centre_id", m.centre_id.as_deref().map_or(ScalarValue::Null, Into::into))
    })?;
    write_map(doc, &ROOT, "commissions", &n.commissions, |doc, obj, c| {
        put(doc, obj, "name", c.name.as_str().into())?;
        write_set(doc, obj, "members", &c.members)
    })?;
    for (key, set) in [
        ("plans", &n.plans),
        ("inquiries", &n.inquiries),
        ("trees", &n.trees),
        ("workshops", &n.workshops),
        ("votes", &n.votes),
        ("cycles", &n.cycles),
    ] {
        write_set(doc, &ROOT, key, set)?;
    }
    Ok(())
}

/// Puts `value` at `key` unless that is already its one value.
fn put(doc: &mut AutoCommit, obj: &ObjId, key: &str, value: ScalarValue) -> Result<(), DocError> {
    let same = match doc.get_all(obj, key)?.as_slice() {
        [(Value::Scalar(now), _)] => now.as_ref() == &value,
        _ => false,
    };
    if !same {
        doc.put(obj, key, value)?;
    }
    Ok(())
}

/// The map at `key` in `obj`, made when it is absent or not a map.
fn map_at(doc: &mut AutoCommit, obj: &ObjId, key: &str) -> Result<ObjId, DocError> {
    match doc.get(obj, key)? {
        Some((Value::Object(ObjType::Map), id)) => Ok(id),
        _ => Ok(doc.put_object(obj, key, ObjType::Map)?),
    }
}

/// Writes each entry with `write_one` into its own map and deletes the entries not in `entries`.
fn write_map<T>(
    doc: &mut AutoCommit,
    obj: &ObjId,
    key: &str,
    entries: &BTreeMap<String, T>,
    write_one: fn(&mut AutoCommit, &ObjId, &T) -> Result<(), DocError>,
) -> Result<(), DocError> {
    let map = map_at(doc, obj, key)?;
    delete_others(doc, &map, |k| entries.contains_key(k))?;
    for (id, entry) in entries {
        let at = map_at(doc, &map, id)?;
        write_one(doc, &at, entry)?;
    }
    Ok(())
}

/// Writes a set (a map of booleans) and deletes the keys not in it.
fn write_set(
    doc: &mut AutoCommit,
    obj: &ObjId,
    key: &str,
    set: &BTreeMap<String, bool>,
) -> Result<(), DocError> {
    let map = map_at(doc, obj, key)?;
    delete_others(doc, &map, |k| set.contains_key(k))?;
    for (id, value) in set {
        put(doc, &map, id, ScalarValue::Boolean(*value))?;
    }
    Ok(())
}

fn delete_others(
    doc: &mut AutoCommit,
    map: &ObjId,
    keep: impl Fn(&str) -> bool,
) -> Result<(), DocError> {
    let gone: Vec<String> = doc.keys(map).filter(|k| !keep(k)).collect();
    for k in gone {
        doc.delete(map, k.as_str())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::ActorId;

    fn doc_with(network: &Network) -> AutoCommit {
        let mut doc = AutoCommit::new().with_actor(ActorId::from(vec![1; 16]));
        create(&mut doc, network, 1_000).expect("create");
        doc
    }

    fn centre(name: &str, rbd: &str) -> Centre {
        Centre {
            name: name.into(),
            rbd: rbd.into(),
            commune: "Macul".into(),
            kind: "Jardín infantil VTF".into(),
            enrolment: Some(104),
            ..Centre::default()
        }
    }

    /// Applies a command that must succeed, and checks that the document then survives a
    /// save/load round trip unchanged, and its reading a trip through the JSON kept beside it.
    fn applied(doc: &mut AutoCommit, command: Command, now: i64) -> Network {
        let net = apply(doc, command, now).expect("command accepted");
        assert_round_trips(doc);
        assert_eq!(read(doc).unwrap(), net);
        assert_eq!(kept_and_read_back(&net), net);
        net
    }

    /// `net` written as the reading kept beside the document, and read back.
    fn kept_and_read_back(net: &Network) -> Network {
        serde_json::from_slice(&serde_json::to_vec(net).expect("kept")).expect("read back")
    }

    /// The document survives a save/load round trip unchanged.
    fn assert_round_trips(doc: &mut AutoCommit) {
        let loaded = AutoCommit::load(&doc.save()).expect("load");
        assert_eq!(read(&loaded), read(doc));
    }

    /// The paths a command's change wrote (what the rules judge).
    fn written(doc: &mut AutoCommit, command: Command, now: i64) -> Vec<String> {
        let before = doc.get_heads();
        apply(doc, command, now).expect("command accepted");
        let after = doc.get_heads();
        let mut paths: Vec<String> = crate::rules::effects(doc, &before, &after)
            .into_iter()
            .map(|e| e.path.join("/"))
            .collect();
        paths.sort();
        paths
    }

    /// A network's pages open from its reading kept as JSON: every field comes back, the
    /// optional counts left out stay left out, and a member's role keeps its kind.
    #[test]
    fn a_networks_reading_kept_as_json_reads_back_the_same() {
        let mut doc = doc_with(&Network::new("Red Macul", "SLEP Santa Rosa", 0));
        let mut c2 = centre("Rayito de Sol", "");
        c2.enrolment = None;
        c2.staff_on_leave = Some(2);
        applied(
            &mut doc,
            Command::PutCentre { id: "c1".into(), centre: centre("Los Copihues", "1-k") },
            1,
        );
        applied(&mut doc, Command::PutCentre { id: "c2".into(), centre: c2 }, 2);
        let ana =
            Member { name: "Ana".into(), role: Role::Principal, centre_id: Some("c1".into()) };
        applied(&mut doc, Command::PutMember { id: "m1".into(), member: ana }, 3);
        let slep = Member { name: "Rosa".into(), role: Role::SlepProfessional, centre_id: None };
        applied(&mut doc, Command::PutMember { id: "m2".into(), member: slep }, 4);
        let commission =
            Commission { name: "Convivencia".into(), members: [("m1".to_string(), true)].into() };
        applied(&mut doc, Command::PutCommission { id: "k1".into(), commission }, 5);
        applied(&mut doc, Command::ListPlan { key: "2027/c1".into() }, 6);
        let net = applied(&mut doc, Command::ListTree { id: "t1".into() }, 7);
        let back = kept_and_read_back(&net);
        assert_eq!(back.centres["c2"].enrolment, None);
        assert_eq!(back.members["m2"].role, Role::SlepProfessional);
        assert_eq!(back.updated_at, 7);
        assert_eq!(back, net);
    }

    #[test]
    fn a_command_writes_only_what_it_changes() {
        let mut doc = doc_with(&Network::new("Red", "SLEP", 0));
        let c1 = Command::PutCentre { id: "c1".into(), centre: centre("Los Copihues", "1-k") };
        written(&mut doc, c1, 5);
        let ana =
            Member { name: "Ana".into(), role: Role::Principal, centre_id: Some("c1".into()) };
        written(&mut doc, Command::PutMember { id: "m1".into(), member: ana.clone() }, 6);
        let renamed = Member { name: "Ana María".into(), ..ana };
        assert_eq!(
            written(&mut doc, Command::PutMember { id: "m1".into(), member: renamed }, 7),
            ["members/m1/name", "updated_at"]
        );
        let counted = Centre { staff_total: Some(12), ..centre("Los Copihues", "1-k") };
        assert_eq!(
            written(&mut doc, Command::PutCentre { id: "c1".into(), centre: counted }, 8),
            ["centres/c1/staff_total", "updated_at"]
        );
        assert_eq!(
            written(&mut doc, Command::RemoveCentre { id: "c1".into() }, 9),
            // Her centre goes too: no member names a centre that is not there.
            ["centres/c1", "members/m1/centre_id", "updated_at"]
        );
        assert!(!doc.keys(&doc.get(ROOT, "centres").unwrap().unwrap().1).any(|k| k == "c1"));
        assert_round_trips(&mut doc);
    }

    /// Stored as the app has always stored them (other peers and older builds read these).
    #[test]
    fn fields_are_stored_as_scalars_of_their_kind() {
        let mut net = Network::new("Red", "SLEP", 3);
        net.centres.insert("c1".into(), centre("Los Copihues", "1-K"));
        net.members.insert(
            "m1".into(),
            Member { name: "Ana".into(), role: Role::SlepProfessional, centre_id: None },
        );
        net.plans.insert("2027".into(), true);
        let doc = doc_with(&net);
        let at = |path: &[&str]| {
            let mut obj = ROOT;
            for key in &path[..path.len() - 1] {
                obj = doc.get(&obj, *key).unwrap().unwrap().1;
            }
            match doc.get(&obj, path[path.len() - 1]).unwrap().unwrap().0 {
                Value::Scalar(s) => s.into_owned(),
                other => panic!("{path:?} is {other:?}"),
            }
        };
        assert_eq!(at(&["schema_version"]), ScalarValue::Uint(SCHEMA_VERSION));
        assert_eq!(at(&["created_at"]), ScalarValue::Int(3));
        assert_eq!(at(&["centres", "c1", "enrolment"]), ScalarValue::Uint(104));
        assert_eq!(at(&["centres", "c1", "educators"]), ScalarValue::Null);
        assert_eq!(at(&["members", "m1", "role"]), ScalarValue::Str("profesional-slep".into()));
        assert_eq!(at(&["members", "m1", "centre_id"]), ScalarValue::Null);
        assert_eq!(at(&["plans", "2027"]), ScalarValue::Boolean(true));
        assert_eq!(read(&doc).unwrap(), net);
    }

    #[test]
    fn a_new_network_reads_back_as_written() {
        let net = Network::new(" Avanzando Juntas ", "SLEP Gabriela Mistral", 5);
        let mut doc = doc_with(&net);
        let back = read(&doc).unwrap();
        assert_eq!(back.name, "Avanzando Juntas");
        assert_eq!(back.schema_version, SCHEMA_VERSION);
        assert_round_trips(&mut doc);
    }

    #[test]
    fn centres_are_added_edited_and_removed() {
        let mut doc = doc_with(&Network::new("Red", "SLEP", 0));
        apply(
            &mut doc,
            Command::PutCentre { id: "c1".into(), centre: centre("Los Copihues", "12345-k") },
            10,
        )
        .unwrap();
        let net = read(&doc).unwrap();
        assert_eq!(net.centres["c1"].rbd, "12345-K");
        assert_eq!(net.updated_at, 10);

        let mut edited = net.centres["c1"].clone();
        edited.enrolment = Some(120);
        edited.name = "Los Copihues II".into();
        applied(&mut doc, Command::PutCentre { id: "c1".into(), centre: edited }, 20);
        assert_eq!(read(&doc).unwrap().centres["c1"].enrolment, Some(120));
        assert_round_trips(&mut doc);

        applied(&mut doc, Command::RemoveCentre { id: "c1".into() }, 30);
        assert!(read(&doc).unwrap().centres.is_empty());
        assert_round_trips(&mut doc);
    }

    #[test]
    fn refused_commands_say_why_and_change_nothing() {
        let mut doc = doc_with(&Network::new("Red", "SLEP", 0));
        applied(&mut doc, Command::PutCentre { id: "c1".into(), centre: centre("A", "100-1") }, 1);
        let heads = doc.get_heads();
        let cases = [
            (
                Command::PutCentre { id: "c2".into(), centre: centre("  ", "") },
                ModelError::MissingName(Entity::Centre),
            ),
            (
                Command::PutCentre { id: "c2".into(), centre: centre("B", "12a45") },
                ModelError::BadRbd("12a45".into()),
            ),
            (
                Command::PutCentre { id: "c2".into(), centre: centre("B", "100-1") },
                ModelError::DuplicateRbd("100-1".into()),
            ),
            (Command::RemoveCentre { id: "zz".into() }, ModelError::UnknownCentre("zz".into())),
            (
                Command::PutMember {
                    id: "m".into(),
                    member: Member {
                        name: "Ana".into(),
                        role: Role::Principal,
                        centre_id: Some("zz".into()),
                    },
                },
                ModelError::UnknownCentre("zz".into()),
            ),
            (
                Command::PutCommission {
                    id: "k".into(),
                    commission: Commission {
                        name: "Sanitaria".into(),
                        members: [("ghost".to_string(), true)].into(),
                    },
                },
                ModelError::UnknownMember("ghost".into()),
            ),
            (
                Command::Rename { name: "".into(), slep: "x".into() },
                ModelError::MissingName(Entity::Network),
            ),
        ];
        for (command, expected) in cases {
            assert_eq!(apply(&mut doc, command, 2), Err(expected));
        }
        assert_eq!(doc.get_heads(), heads, "a refused command must not commit anything");
    }

    #[test]
    fn removing_a_centre_or_member_leaves_no_dangling_references() {
        let mut doc = doc_with(&Network::new("Red", "SLEP", 0));
        applied(&mut doc, Command::PutCentre { id: "c1".into(), centre: centre("A", "") }, 1);
        let ana =
            Member { name: "Ana".into(), role: Role::Principal, centre_id: Some("c1".into()) };
        applied(&mut doc, Command::PutMember { id: "m1".into(), member: ana }, 2);
        let commission =
            Commission { name: "Sanitaria".into(), members: [("m1".to_string(), true)].into() };
        applied(&mut doc, Command::PutCommission { id: "k1".into(), commission }, 3);

        applied(&mut doc, Command::RemoveCentre { id: "c1".into() }, 4);
        assert_eq!(read(&doc).unwrap().members["m1"].centre_id, None);
        applied(&mut doc, Command::RemoveMember { id: "m1".into() }, 5);
        assert!(read(&doc).unwrap().commissions["k1"].members.is_empty());
        assert_round_trips(&mut doc);
    }

    #[test]
    fn concurrent_edits_of_different_entries_both_survive_a_merge() {
        let mut a = doc_with(&Network::new("Red", "SLEP", 0));
        let mut b = a.fork().with_actor(ActorId::from(vec![2; 16]));
        applied(&mut a, Command::PutCentre { id: "ca".into(), centre: centre("A", "") }, 1);
        applied(&mut b, Command::PutCentre { id: "cb".into(), centre: centre("B", "") }, 1);
        a.merge(&mut b).unwrap();
        b.merge(&mut a).unwrap();
        let (na, nb) = (read(&a).unwrap(), read(&b).unwrap());
        assert_eq!(na, nb);
        assert_eq!(na.centres.len(), 2);
    }

    #[test]
    fn a_document_from_a_newer_app_or_of_another_kind_is_refused() {
        let mut newer = Network::new("Red", "SLEP", 0);
        newer.schema_version = SCHEMA_VERSION + 1;
        assert_eq!(
            read(&doc_with(&newer)),
            Err(DocError::NewerSchema { kind: KIND, found: SCHEMA_VERSION + 1 })
        );
        let mut other = Network::new("Red", "SLEP", 0);
        other.kind = "juntas/plan".into();
        assert_eq!(
            read(&doc_with(&other)),
            Err(DocError::WrongKind { expected: KIND, found: "juntas/plan".into() })
        );
        assert_eq!(
            read(&AutoCommit::new()),
            Err(DocError::WrongKind { expected: KIND, found: String::new() })
        );
        assert_eq!(
            apply(&mut doc_with(&newer), Command::ListTree { id: "t".into() }, 1),
            Err(ModelError::Doc(DocError::NewerSchema { kind: KIND, found: SCHEMA_VERSION + 1 }))
        );
    }
}
