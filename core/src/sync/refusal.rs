//! Why a server closed a connection, in words both sides share: the server starts its `error`
//! message with one of these phrases and a client recognises it, so it can say it in the
//! person's language (any other text is shown as the server wrote it).

/// A connection opened more new documents in a minute than the server allows.
pub const TOO_MANY_DOCUMENTS: &str = "too many documents requested";
/// A change would make a document bigger than the server keeps.
pub const DOCUMENT_TOO_LARGE: &str = "document too large";
/// Nothing arrived (not even a pong) for too long.
pub const IDLE: &str = "idle";
/// The peer did not send `join` in time after connecting.
pub const NO_HANDSHAKE: &str = "no handshake";

/// The device's token was revoked (or its member removed from the network).
pub const DEVICE_REMOVED: &str = "device removed";
/// A change the rules do not allow this member to make (followed by the document and the rule).
pub const CHANGE_REFUSED: &str = "change refused";

/// The known reasons a server gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    TooManyDocuments,
    DocumentTooLarge,
    Idle,
    NoHandshake,
    DeviceRemoved,
    ChangeRefused,
}

/// The known reason an `error` message starts with, if any.
pub fn classify(message: &str) -> Option<Refusal> {
    [
        (TOO_MANY_DOCUMENTS, Refusal::TooManyDocuments),
        (DOCUMENT_TOO_LARGE, Refusal::DocumentTooLarge),
        (IDLE, Refusal::Idle),
        (NO_HANDSHAKE, Refusal::NoHandshake),
        (DEVICE_REMOVED, Refusal::DeviceRemoved),
        (CHANGE_REFUSED, Refusal::ChangeRefused),
    ]
    .into_iter()
    .find_map(|(phrase, r)| message.starts_with(phrase).then_some(r))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_reasons_are_recognised_and_others_are_not() {
        assert_eq!(
            classify("too many documents requested: at most 2000 a minute per connection"),
            Some(Refusal::TooManyDocuments)
        );
        assert_eq!(classify("document too large: x"), Some(Refusal::DocumentTooLarge));
        assert_eq!(classify("idle for 75 s"), Some(Refusal::Idle));
        assert_eq!(classify("change refused: document x: only"), Some(Refusal::ChangeRefused));
        assert_eq!(classify("malformed message: eof"), None);
    }
}
