//! The app's one error type and its one renderer: every failure a person can meet — a refused
//! command of any document kind, a document that cannot be read, storage that is full or
//! broken, a refused file — is an [`AppError`], and [`explain`] says it in her language. No
//! core (English) message reaches the page; the technical detail goes to the console.

use juntas_core::{
    LoadError, StorageError,
    bundle::BundleError,
    model::{
        centre_plan::CentreError, cycle::CycleError, doc::DocError, inquiry::InquiryError,
        network::ModelError, plan::PlanError, review::ReviewError, tree::TreeError,
        vote::VoteError, workshop::WorkshopError,
    },
};

use crate::i18n::{I18n, T};

/// Every failure the pages show.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AppError {
    /// This device has no copy of the document (yet).
    #[error("this device has no copy of the document")]
    NotFound,
    /// This device's copy could not be loaded (storage failed, or a chunk is corrupt).
    #[error(transparent)]
    Load(#[from] LoadError),
    /// A change was made but could not be stored (it stays in memory until a save succeeds).
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// The document loaded but cannot be read as what it should be.
    #[error(transparent)]
    Doc(#[from] DocError),
    #[error(transparent)]
    Network(#[from] ModelError),
    #[error(transparent)]
    Plan(#[from] PlanError),
    #[error(transparent)]
    Centre(#[from] CentreError),
    #[error(transparent)]
    Inquiry(#[from] InquiryError),
    #[error(transparent)]
    Tree(#[from] TreeError),
    #[error(transparent)]
    Workshop(#[from] WorkshopError),
    #[error(transparent)]
    Vote(#[from] VoteError),
    #[error(transparent)]
    Cycle(#[from] CycleError),
    /// A bundle file was refused whole.
    #[error(transparent)]
    Bundle(#[from] BundleError),
    /// An action that needs to know who is acting, on a device that has not said.
    #[error("this device has not said who is using it")]
    NoIdentity,
    /// An invite, claim or device request that did not work.
    #[error(transparent)]
    Invite(#[from] crate::invite::InviteError),
    /// A part of the app's code is not on this device yet and could not be downloaded.
    #[error("a part of the app could not be downloaded")]
    NotDownloaded,
    /// The device could not remember something in its local settings.
    #[error("local settings could not be written: {0}")]
    Local(String),
    /// Signing or checking signatures failed (WebCrypto or the key store).
    #[error(transparent)]
    Key(#[from] crate::keys::KeyError),
}

/// The person-facing words for `e`, in the page's language. Technical detail that only a
/// developer can use is logged, not shown.
pub fn explain(i18n: I18n, e: &AppError) -> String {
    let t = |k: T| i18n.t(k).to_string();
    match e {
        AppError::NotFound => t(T::NotFoundHere),
        AppError::Load(LoadError::Storage(s)) | AppError::Storage(s) => storage(i18n, s),
        AppError::Load(LoadError::Corrupt { .. }) => {
            leptos::logging::warn!("{e}");
            t(T::ErrCorrupt)
        }
        AppError::Doc(d) => doc(i18n, d),
        AppError::Network(m) => network(i18n, m),
        AppError::Plan(p) => plan(i18n, p),
        AppError::Centre(c) => centre(i18n, c),
        AppError::Inquiry(q) => inquiry(i18n, q),
        AppError::Tree(tr) => tree(i18n, tr),
        AppError::Workshop(w) => workshop(i18n, w),
        AppError::Vote(v) => vote(i18n, v),
        AppError::Cycle(c) => match c {
            CycleError::MissingTitle => t(T::ErrCycleTitle),
            CycleError::UnknownField(_) | CycleError::UnknownMeasure(_) => t(T::ErrUnknown),
            CycleError::MissingMeasureName => t(T::ErrMeasureName),
            CycleError::BadPoint => t(T::ErrBadPoint),
            CycleError::OutOfRange { .. } => t(T::ErrTextMoved),
            CycleError::Doc(d) => doc(i18n, d),
        },
        AppError::Bundle(b) => format!("{} {}", t(T::BundleRejected), bundle(i18n, b)),
        AppError::NoIdentity => t(T::ErrNoIdentity),
        AppError::NotDownloaded if crate::parts::app_updated() => t(T::ErrAppUpdated),
        AppError::NotDownloaded => t(T::ErrNotDownloaded),
        AppError::Invite(i) => invite(i18n, i),
        AppError::Local(detail) => {
            leptos::logging::warn!("{detail}");
            t(T::ErrLocal)
        }
        AppError::Key(k) => format!("{} ({k})", t(T::ErrKey)),
    }
}

/// Why storage failed, in the person's words.
pub fn storage(i18n: I18n, e: &StorageError) -> String {
    match e {
        StorageError::Full(_) => i18n.t(T::SaveFull).to_string(),
        StorageError::Unavailable(_) => i18n.t(T::SaveUnavailable).to_string(),
        // The browser's own words are all there is; they name the failure.
        StorageError::Io(reason) => format!("{}: {reason}", i18n.t(T::SaveError)),
    }
}

fn doc(i18n: I18n, e: &DocError) -> String {
    leptos::logging::warn!("{e}");
    match e {
        DocError::WrongKind { .. } => i18n.t(T::ErrWrongKind).to_string(),
        DocError::NewerSchema { .. } => i18n.t(T::ErrNewerSchema).to_string(),
        DocError::Shape { field, .. } => format!("{} «{field}».", i18n.t(T::ErrShape)),
        DocError::Automerge(_) => i18n.t(T::ErrAutomerge).to_string(),
    }
}

fn network(i18n: I18n, e: &ModelError) -> String {
    let t = |k: T| i18n.t(k).to_string();
    match e {
        ModelError::MissingName(_) => t(T::ErrMissingName),
        ModelError::BadRbd(_) => t(T::ErrBadRbd),
        ModelError::DuplicateRbd(_) => t(T::ErrDuplicateRbd),
        ModelError::UnknownCentre(_)
        | ModelError::UnknownMember(_)
        | ModelError::UnknownCommission(_) => t(T::ErrUnknown),
        ModelError::Doc(d) => doc(i18n, d),
    }
}

fn plan(i18n: I18n, e: &PlanError) -> String {
    let t = |k: T| i18n.t(k).to_string();
    match e {
        PlanError::MissingTitle => t(T::ErrSectionTitle),
        PlanError::EmptyComment => t(T::ErrEmptyComment),
        PlanError::UnknownSection(_) => t(T::ErrUnknown),
        PlanError::NotCommon(_) => t(T::ErrNotCommon),
        PlanError::OutOfRange { .. } => t(T::ErrTextMoved),
        PlanError::Doc(d) => doc(i18n, d),
    }
}

fn centre(i18n: I18n, e: &CentreError) -> String {
    let t = |k: T| i18n.t(k).to_string();
    match e {
        CentreError::Incomplete(_) => t(T::ErrIncomplete),
        CentreError::NotAdopted => t(T::ErrNotAdopted),
        CentreError::CommonVersionMissing => t(T::ErrCommonMissing),
        CentreError::Review(ReviewError::NothingNewToDeliver) => t(T::ErrNothingNew),
        CentreError::Review(ReviewError::ObservationWithoutNote) => t(T::ErrObservationNote),
        CentreError::Review(
            ReviewError::ApproveUndelivered(_) | ReviewError::ObserveUndelivered(_),
        ) => t(T::ErrNotDelivered),
        CentreError::Review(ReviewError::NotHerRole { action, .. }) => {
            t(if *action == "deliver" { T::RulePrincipal } else { T::RuleSlep })
        }
        CentreError::Plan(p) => plan(i18n, p),
        CentreError::Doc(d) => doc(i18n, d),
    }
}

fn inquiry(i18n: I18n, e: &InquiryError) -> String {
    let t = |k: T| i18n.t(k).to_string();
    match e {
        InquiryError::MissingTitle => t(T::ErrInquiryTitle),
        InquiryError::NoQuestions => t(T::ErrNoQuestions),
        InquiryError::TooManyParticipants => t(T::ErrTooManyParticipants),
        InquiryError::Incomplete(_) => t(T::ErrRecordIncomplete),
        InquiryError::UnknownParticipant(_) | InquiryError::UnknownField(_) => t(T::ErrUnknown),
        InquiryError::OutOfRange { .. } => t(T::ErrTextMoved),
        InquiryError::Finalised => t(T::ErrRecordFinalisedKept),
        InquiryError::Discarded => t(T::ErrRecordDiscarded),
        InquiryError::Doc(d) => doc(i18n, d),
    }
}

fn tree(i18n: I18n, e: &TreeError) -> String {
    let t = |k: T| i18n.t(k).to_string();
    match e {
        TreeError::WouldCycle => t(T::ErrTreeCycle),
        TreeError::EmptyText => t(T::ErrCardText),
        TreeError::UnknownCard(_) => t(T::ErrUnknown),
        TreeError::Problem => t(T::ErrTreeProblem),
        TreeError::OutOfRange { .. } => t(T::ErrTextMoved),
        TreeError::Doc(d) => doc(i18n, d),
    }
}

fn workshop(i18n: I18n, e: &WorkshopError) -> String {
    let t = |k: T| i18n.t(k).to_string();
    match e {
        WorkshopError::MissingTitle => t(T::ErrWorkshopTitle),
        WorkshopError::NoQuestions => t(T::ErrNoQuestions),
        WorkshopError::UnknownQuestion(_) => t(T::ErrUnknown),
        WorkshopError::OutOfScale(_) => t(T::ErrOutOfScale),
        WorkshopError::Closed => t(T::ErrTicketClosed),
        WorkshopError::Doc(d) => doc(i18n, d),
    }
}

fn vote(i18n: I18n, e: &VoteError) -> String {
    let t = |k: T| i18n.t(k).to_string();
    match e {
        VoteError::MissingQuestion => t(T::ErrVoteQuestion),
        VoteError::EmptyOption => t(T::ErrOptionEmpty),
        VoteError::NotProposing => t(T::ErrNotProposing),
        VoteError::NotVoting => t(T::ErrNotVoting),
        VoteError::TooFewOptions => t(T::ErrTooFewOptions),
        VoteError::BadBallot(why) => {
            leptos::logging::warn!("ballot refused: {why}");
            t(T::ErrBadBallot)
        }
        VoteError::Doc(d) => doc(i18n, d),
    }
}

/// Why an invite, a claim or a device request did not work.
pub fn invite(i18n: I18n, e: &crate::invite::InviteError) -> String {
    use crate::invite::InviteError as E;
    let t = |k: T| i18n.t(k).to_string();
    match e {
        E::Used => t(T::InvUsed),
        E::Expired => t(T::InvExpired),
        E::Unknown => t(T::InvUnknown),
        E::AlreadyClaimed => t(T::InvAlreadyClaimed),
        E::Removed => t(T::InvRemoved),
        // The rule is the server's (English) words: the sentence before says what it is.
        E::NotAllowed(rule) => format!("{} {rule}", t(T::InvNotAllowed)),
        E::NotOnServer => t(T::InvNotOnServer),
        E::Offline => t(T::InvOffline),
        E::Server(detail) => format!("{} {detail}", t(T::InvServer)),
        E::Local(detail) => {
            leptos::logging::warn!("{detail}");
            t(T::ErrLocal)
        }
    }
}

/// Why a bundle was refused (after "No se importó el archivo…").
pub fn bundle(i18n: I18n, e: &BundleError) -> String {
    i18n.t(match e {
        BundleError::TooLarge { .. } => T::BundleTooLarge,
        BundleError::NotABundle => T::BundleNotOurs,
        BundleError::Version(_) => T::BundleVersion,
        BundleError::Truncated => T::BundleTruncated,
        BundleError::Damaged => T::BundleDamaged,
        BundleError::ForeignNetwork { .. } => T::BundleForeign,
        BundleError::MissingNetwork => T::BundleMissing,
        BundleError::BadDocument { .. } => T::BundleBadDoc,
    })
    .to_string()
}
