//! Bundle files: what an exported file carries, how an import merges, and that every kind of
//! bad file is refused whole.

use automerge::transaction::Transactable;
use automerge::{ActorId, AutoCommit};
use juntas_core::DocumentId;
use juntas_core::bundle::{self, BundleError, MAX_BYTES};
use juntas_core::model::{example, network};

const NET: DocumentId = DocumentId::from_bytes([7; 16]);
const OTHER: DocumentId = DocumentId::from_bytes([9; 16]);

fn founder() -> AutoCommit {
    let mut doc = AutoCommit::new().with_actor(ActorId::from(b"founder".to_vec()));
    let mut n = 0;
    let net = example::avanzando_juntas(1_000, || {
        n += 1;
        format!("e{n}")
    });
    network::create(&mut doc, &net, 1_000).unwrap();
    doc
}

fn rename_centre(doc: &mut AutoCommit, index: usize, name: &str, now: i64) {
    let net = network::read(doc).unwrap();
    let (id, centre) = net.centres_sorted()[index];
    let mut centre = centre.clone();
    centre.name = name.into();
    network::apply(doc, network::Command::PutCentre { id: id.clone(), centre }, now).unwrap();
}

fn centre_names(doc: &AutoCommit) -> Vec<String> {
    network::read(doc).unwrap().centres_sorted().iter().map(|(_, c)| c.name.clone()).collect()
}

fn good_bundle(doc: &mut AutoCommit) -> Vec<u8> {
    bundle::encode(NET, 42, &[(NET, doc.save())]).unwrap()
}

#[test]
fn a_bundle_carries_the_network_and_says_which_it_is() {
    let mut doc = founder();
    let bytes = good_bundle(&mut doc);
    assert!(bytes.starts_with(b"JUNTAS-B\x01"));
    let b = bundle::decode(&bytes, Some(NET)).unwrap();
    assert_eq!((b.network, b.created_at, b.documents.len()), (NET, 42, 1));
    let (id, got) = &b.documents[0];
    assert_eq!(*id, NET);
    assert_eq!(network::read(got).unwrap(), network::read(&doc).unwrap());
    // A device that does not know the network yet accepts any network's bundle.
    assert_eq!(bundle::decode(&bytes, None).unwrap().network, NET);
}

#[test]
fn importing_merges_like_sync_and_keeps_both_sides_edits() {
    let mut a = founder();
    let mut b = a.fork().with_actor(ActorId::from(b"laptop".to_vec()));
    rename_centre(&mut a, 0, "Editado en el teléfono", 2_000);
    rename_centre(&mut b, 1, "Editado en el notebook", 2_001);

    let imported = bundle::decode(&good_bundle(&mut a), Some(NET)).unwrap();
    let (_, mut from_a) = imported.documents.into_iter().next().unwrap();
    b.merge(&mut from_a).unwrap();
    let names = centre_names(&b);
    assert!(names.contains(&"Editado en el teléfono".to_string()));
    assert!(names.contains(&"Editado en el notebook".to_string()));
    assert_eq!(names.len(), 15);
    // Importing the same file again changes nothing.
    let heads = b.get_heads();
    let again = bundle::decode(&good_bundle(&mut a), Some(NET)).unwrap();
    let (_, mut from_a) = again.documents.into_iter().next().unwrap();
    b.merge(&mut from_a).unwrap();
    assert_eq!(b.get_heads(), heads);
}

#[test]
fn every_truncation_is_refused_as_incomplete() {
    let bytes = good_bundle(&mut founder());
    assert_eq!(bundle::decode(&[], None).unwrap_err(), BundleError::NotABundle);
    for cut in 1..bytes.len() {
        assert_eq!(
            bundle::decode(&bytes[..cut], None).unwrap_err(),
            BundleError::Truncated,
            "cut at {cut} of {}",
            bytes.len()
        );
    }
}

#[test]
fn every_flipped_byte_is_refused() {
    let bytes = good_bundle(&mut founder());
    for at in 0..bytes.len() {
        let mut bad = bytes.clone();
        bad[at] ^= 0x20;
        let err = bundle::decode(&bad, None).map(|_| ()).unwrap_err();
        if at >= 8 + 1 + 16 + 8 + 2 + 16 + 4 {
            // Past the header a flip can only be noticed by the checksum.
            assert_eq!(err, BundleError::Damaged, "flip at {at}");
        }
    }
}

#[test]
fn a_bundle_of_another_network_is_refused_by_name() {
    let bytes = good_bundle(&mut founder());
    let err = bundle::decode(&bytes, Some(OTHER)).unwrap_err();
    assert_eq!(err, BundleError::ForeignNetwork { found: NET, expected: OTHER });
    assert!(err.to_string().contains(&NET.to_string()));
}

#[test]
fn oversized_foreign_and_future_files_are_refused() {
    let huge = vec![0u8; MAX_BYTES + 1];
    assert_eq!(
        bundle::decode(&huge, None).unwrap_err(),
        BundleError::TooLarge { size: MAX_BYTES + 1, max: MAX_BYTES }
    );
    assert!(matches!(
        bundle::encode(NET, 0, &[(NET, vec![0; MAX_BYTES])]),
        Err(BundleError::TooLarge { .. })
    ));
    assert_eq!(
        bundle::decode(b"\x89PNG\r\n\x1a\n rest of a picture", None).unwrap_err(),
        BundleError::NotABundle
    );
    assert_eq!(
        bundle::decode(b"plan de funcionamiento.docx", None).unwrap_err(),
        BundleError::NotABundle
    );
    let mut future = good_bundle(&mut founder());
    future[8] = 2;
    assert_eq!(bundle::decode(&future, None).unwrap_err(), BundleError::Version(2));
}

#[test]
fn a_well_formed_file_with_bad_contents_is_refused() {
    // Checksum right, but the network's document is not an Automerge document.
    let garbage = bundle::encode(NET, 0, &[(NET, b"not automerge".to_vec())]).unwrap();
    assert!(matches!(
        bundle::decode(&garbage, None),
        Err(BundleError::BadDocument { id, .. }) if id == NET
    ));
    // An Automerge document that is not a Juntas network.
    let mut stranger = AutoCommit::new();
    stranger.put(automerge::ROOT, "title", "lista del súper").unwrap();
    let bytes = bundle::encode(NET, 0, &[(NET, stranger.save())]).unwrap();
    assert!(matches!(bundle::decode(&bytes, None), Err(BundleError::BadDocument { .. })));
    // The network's document must be in the file.
    assert_eq!(
        bundle::encode(NET, 0, &[(OTHER, founder().save())]).unwrap_err(),
        BundleError::MissingNetwork
    );
}
