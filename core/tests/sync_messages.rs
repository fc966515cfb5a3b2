//! Golden vectors for the wire messages. The JS bytes were captured once with `cbor.encode` of
//! `@automerge/automerge-repo` 2.5.6 (cbor-x with `tagUint8Array: false`); they must decode to
//! the expected message, and our encoding must be the same maps in the minimal CBOR form samod
//! writes (cbor-x uses a two-byte map length, `b9 00 0n`, where minicbor writes `an`; nothing
//! else differs).

use juntas_core::DocumentId;
use juntas_core::sync::message::{DecodeError, Message, PeerId, PeerMetadata, StorageId};

fn doc() -> DocumentId {
    let id = DocumentId::from_bytes([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
    assert_eq!(id.to_string(), "pEbmSWqJdBuPadRGm8tDZXgWR6", "same id string as bs58check in JS");
    id
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn p(s: &str) -> PeerId {
    PeerId(s.to_owned())
}

/// (name, message, bytes from cbor-x, bytes we write)
fn vectors() -> Vec<(&'static str, Message, &'static str, &'static str)> {
    vec![
        (
            "join",
            Message::Join {
                sender_id: p("alice"),
                supported_protocol_versions: vec!["1".into()],
                metadata: Some(PeerMetadata {
                    storage_id: Some(StorageId("s-1".into())),
                    is_ephemeral: false,
                }),
            },
            "b900046474797065646a6f696e6873656e646572496465616c6963657819737570706f7274656450726f746f636f6c56657273696f6e738161316c706565724d65746164617461b900026973746f72616765496463732d316b6973457068656d6572616cf4",
            "a46474797065646a6f696e6873656e646572496465616c6963657819737570706f7274656450726f746f636f6c56657273696f6e738161316c706565724d65746164617461a26973746f72616765496463732d316b6973457068656d6572616cf4",
        ),
        (
            "peer",
            Message::Peer {
                sender_id: p("server"),
                selected_protocol_version: "1".into(),
                target_id: p("alice"),
                metadata: Some(PeerMetadata { storage_id: None, is_ephemeral: true }),
            },
            "b90005647479706564706565726873656e6465724964667365727665727773656c656374656450726f746f636f6c56657273696f6e613168746172676574496465616c6963656c706565724d65746164617461b900016b6973457068656d6572616cf5",
            "a5647479706564706565726873656e6465724964667365727665727773656c656374656450726f746f636f6c56657273696f6e613168746172676574496465616c6963656c706565724d65746164617461a16b6973457068656d6572616cf5",
        ),
        (
            "sync",
            Message::Sync {
                document_id: doc(),
                sender_id: p("alice"),
                target_id: p("server"),
                data: vec![0x42, 1, 2],
            },
            "b9000564747970656473796e636a646f63756d656e744964781a7045626d5357714a64427550616452476d3874445a58675752366873656e646572496465616c69636568746172676574496466736572766572646461746143420102",
            "a564747970656473796e636a646f63756d656e744964781a7045626d5357714a64427550616452476d3874445a58675752366873656e646572496465616c69636568746172676574496466736572766572646461746143420102",
        ),
        (
            "request",
            Message::Request {
                document_id: doc(),
                sender_id: p("alice"),
                target_id: p("server"),
                data: vec![],
            },
            "b90005647479706567726571756573746a646f63756d656e744964781a7045626d5357714a64427550616452476d3874445a58675752366873656e646572496465616c69636568746172676574496466736572766572646461746140",
            "a5647479706567726571756573746a646f63756d656e744964781a7045626d5357714a64427550616452476d3874445a58675752366873656e646572496465616c69636568746172676574496466736572766572646461746140",
        ),
        (
            "unavail",
            Message::DocUnavailable {
                sender_id: p("server"),
                target_id: p("alice"),
                document_id: doc(),
            },
            "b9000464747970656f646f632d756e617661696c61626c656873656e64657249646673657276657268746172676574496465616c6963656a646f63756d656e744964781a7045626d5357714a64427550616452476d3874445a5867575236",
            "a464747970656f646f632d756e617661696c61626c656873656e64657249646673657276657268746172676574496465616c6963656a646f63756d656e744964781a7045626d5357714a64427550616452476d3874445a5867575236",
        ),
        (
            "eph",
            Message::Ephemeral {
                sender_id: p("a"),
                target_id: p("b"),
                count: 7,
                session_id: "x".into(),
                document_id: doc(),
                data: vec![0xa0],
            },
            "b90007647479706569657068656d6572616c6873656e64657249646161687461726765744964616265636f756e74076973657373696f6e496461786a646f63756d656e744964781a7045626d5357714a64427550616452476d3874445a5867575236646461746141a0",
            "a7647479706569657068656d6572616c6873656e64657249646161687461726765744964616265636f756e74076973657373696f6e496461786a646f63756d656e744964781a7045626d5357714a64427550616452476d3874445a5867575236646461746141a0",
        ),
        (
            "error",
            Message::Error { message: "bad".into() },
            "b900026474797065656572726f72676d65737361676563626164",
            "a26474797065656572726f72676d65737361676563626164",
        ),
        (
            "leave",
            Message::Leave { sender_id: p("alice") },
            "b900026474797065656c656176656873656e646572496465616c696365",
            "a26474797065656c656176656873656e646572496465616c696365",
        ),
    ]
}

#[test]
fn js_bytes_decode_to_the_message_and_we_write_samods_minimal_form() {
    for (name, message, js, ours) in vectors() {
        assert_eq!(Message::decode(&unhex(js)).as_ref(), Ok(&message), "decode JS {name}");
        assert_eq!(hex(&message.encode()), ours, "encode {name}");
        assert_eq!(Message::decode(&message.encode()), Ok(message), "round trip {name}");
    }
}

#[test]
fn a_js_join_in_js_key_order_with_undefined_storage_decodes() {
    let js = unhex(
        "b900046873656e646572496465616c6963656c706565724d65746164617461b900026973746f726167654964f76b6973457068656d6572616cf56474797065646a6f696e7819737570706f7274656450726f746f636f6c56657273696f6e73816131",
    );
    let expected = Message::Join {
        sender_id: p("alice"),
        supported_protocol_versions: vec!["1".into()],
        metadata: Some(PeerMetadata { storage_id: None, is_ephemeral: true }),
    };
    assert_eq!(Message::decode(&js), Ok(expected));
}

#[test]
fn a_float_count_and_unknown_fields_from_js_are_accepted() {
    let js = unhex(
        "b90008647479706569657068656d6572616c65636f756e74fb4279355204b000006973657373696f6e496461786873656e6465724964616168746172676574496461626a646f63756d656e744964781a7045626d5357714a64427550616452476d3874445a5867575236646461746141a0656578747261b90001666e6573746564820102",
    );
    match Message::decode(&js) {
        Ok(Message::Ephemeral { count, .. }) => assert_eq!(count, 1_732_300_000_000),
        other => panic!("expected an ephemeral message, got {other:?}"),
    }
}

#[test]
fn malformed_input_is_a_clear_error() {
    let sync_hex = vectors()[2].3;
    let sync = unhex(sync_hex);
    // Truncated.
    assert!(matches!(Message::decode(&sync[..sync.len() - 2]), Err(DecodeError::Cbor(_))));
    // Not a map.
    assert_eq!(Message::decode(&[0x83, 1, 2, 3]), Err(DecodeError::NotAMap));
    // Trailing bytes.
    let mut long = sync.clone();
    long.push(0);
    assert_eq!(Message::decode(&long), Err(DecodeError::TrailingBytes));
    // Unknown type.
    let odd = unhex("a164747970656377686f"); // {"type": "who"}
    assert_eq!(Message::decode(&odd), Err(DecodeError::UnknownType("who".into())));
    // A sync message without data.
    let mut e = Vec::new();
    e.extend(unhex("a2647479706564"));
    e.extend(b"sync");
    e.extend(unhex("6a646f63756d656e744964"));
    e.extend(unhex("781a"));
    e.extend(doc().to_string().as_bytes());
    assert_eq!(
        Message::decode(&e),
        Err(DecodeError::MissingField { kind: "sync", field: "senderId" })
    );
    // A document id that is not bs58check.
    let bad =
        hex(&sync).replace(&hex(doc().to_string().as_bytes()), &hex(b"pEbmSWqJdBuPadRGm8tDZXgWR7"));
    assert!(matches!(Message::decode(&unhex(&bad)), Err(DecodeError::BadDocumentId(_))));
}

mod fuzz {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = Message::decode(&bytes);
        }

        #[test]
        fn mutated_messages_never_panic(idx in 0usize..8, pos in 0usize..200, byte in any::<u8>()) {
            let (_, message, _, _) = vectors().swap_remove(idx);
            let mut bytes = message.encode();
            let at = pos % bytes.len();
            bytes[at] = byte;
            let _ = Message::decode(&bytes);
        }
    }
}
