//! The UI's words in Spanish (Chile, the default) and English, and the language switch. Every
//! text is one entry of one table: a key without both languages does not compile.

use leptos::prelude::*;

use crate::local;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Es,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Es => "es-CL",
            Lang::En => "en",
        }
    }

    pub fn from_code(code: &str) -> Option<Lang> {
        [Lang::Es, Lang::En].into_iter().find(|l| l.code() == code)
    }
}

macro_rules! texts {
    ($($key:ident => $es:literal, $en:literal;)*) => {
        /// A text of the UI.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum T { $($key),* }

        impl T {
            pub const ALL: &'static [T] = &[$(T::$key),*];

            pub fn in_lang(self, lang: Lang) -> &'static str {
                // Two tables indexed by the key: a `match` of every (key, language) pair
                // compiled to ~19 KB of wasm code.
                const ES: &[&str] = &[$($es),*];
                const EN: &[&str] = &[$($en),*];
                match lang {
                    Lang::Es => ES[self as usize],
                    Lang::En => EN[self as usize],
                }
            }
        }
    };
}

texts! {
    AppName => "Juntas", "Juntas";
    Tagline => "Los documentos de la red, escritos entre todas, con o sin señal.", "The network's documents, written together, with or without signal.";
    Language => "Idioma", "Language";
    Loading => "Cargando…", "Loading…";
    LoadingRest => "Descargando el resto de la app: {} %", "Downloading the rest of the app: {} %";
    PageNotDownloaded => "No se pudo abrir esta página", "This page could not be opened";
    PageNotDownloadedWhy => "Esta página aún no está en este dispositivo y no se pudo descargar. Revisa la señal y vuelve a intentarlo; lo que escribiste sigue guardado en este dispositivo. Si con señal tampoco abre, cierra Juntas y vuelve a abrirla (puede haber una versión nueva).", "This page is not on this device yet and could not be downloaded. Check the signal and try again; what you wrote is still kept on this device. If it does not open with signal either, close Juntas and open it again (there may be a new version).";
    ErrNotDownloaded => "Esta parte de Juntas aún no está en este dispositivo y no se pudo descargar. Revisa la señal y vuelve a intentarlo; lo que escribiste sigue aquí.", "This part of Juntas is not on this device yet and could not be downloaded. Check the signal and try again; what you wrote is still here.";
    AppUpdated => "Hay una versión nueva de Juntas", "There is a new version of Juntas";
    AppUpdatedWhy => "Esta página se abrió con la versión anterior, y la parte que le falta ya no está en el servidor. Recarga la página para seguir con la nueva; lo que escribiste sigue guardado en este dispositivo.", "This page opened with the previous version, and the part it is missing is no longer on the server. Reload the page to go on with the new one; what you wrote is still kept on this device.";
    ErrAppUpdated => "Hay una versión nueva de Juntas y esta página es de la anterior: recarga la página, o cierra Juntas y vuelve a abrirla, para seguir; lo que escribiste sigue guardado en este dispositivo.", "There is a new version of Juntas and this page is of the previous one: reload the page, or close Juntas and open it again, to go on; what you wrote is still kept on this device.";
    Reload => "Recargar", "Reload";
    StorageUnavailable => "No se pudo abrir el almacenamiento de este dispositivo", "This device's storage could not be opened";
    MyNetworks => "Redes en este dispositivo", "Networks on this device";
    UnnamedNetwork => "Red a la que te uniste (su nombre llega al abrirla)", "A network you joined (its name arrives when you open it)";
    NoNetworks => "Aún no hay redes en este dispositivo.", "There are no networks on this device yet.";
    CreateNetwork => "Crear red", "Create network";
    CreateExample => "Crear red de ejemplo", "Create example network";
    ExampleHint => "Llena la red «Avanzando Juntas» del SLEP Gabriela Mistral: 15 jardines, sus directoras y tres comisiones.", "Fills the “Avanzando Juntas” network of SLEP Gabriela Mistral: 15 centres, their principals and three commissions.";
    NetworkName => "Nombre de la red", "Network name";
    SlepName => "SLEP", "SLEP";
    Open => "Abrir", "Open";
    Centres => "Centros", "Centres";
    Members => "Miembros", "Members";
    Commissions => "Comisiones", "Commissions";
    Network => "Red", "Network";
    AllNetworks => "Todas las redes", "All networks";
    SavedHere => "Guardado en este dispositivo", "Saved on this device";
    Saving => "Guardando…", "Saving…";
    SaveError => "Error al guardar", "Error saving";
    SaveFull => "No queda espacio en este dispositivo: sus últimos cambios están en esta pestaña, sin guardar. Libere espacio y pulse Reintentar; no cierre la pestaña.", "This device is out of space: your latest changes are in this tab, not stored. Free some space and press Retry; do not close the tab.";
    SaveUnavailable => "Este navegador no deja guardar (¿ventana privada?): sus cambios están solo en esta pestaña.", "This browser does not allow storing (private window?): your changes are only in this tab.";
    Retry => "Reintentar", "Retry";
    WhoAreYou => "¿Quién eres?", "Who are you?";
    PickYourself => "Elige tu nombre", "Pick your name";
    NobodyYet => "Nadie (solo mirar)", "Nobody (just looking)";
    YouAre => "Eres", "You are";
    AddMyself => "Agregarme", "Add myself";
    Name => "Nombre", "Name";
    Rbd => "RBD", "RBD";
    Commune => "Comuna", "Commune";
    CentreKind => "Tipo de centro", "Kind of centre";
    Enrolment => "Matrícula", "Enrolment";
    StaffTotal => "Total de funcionarias", "Total staff";
    Educators => "Educadoras de párvulos", "Early-childhood educators";
    Technicians => "Técnicas en educación parvularia", "Early-childhood technicians";
    StaffOnLeave => "Con licencia médica", "On medical leave";
    Role => "Rol", "Role";
    Centre => "Centro", "Centre";
    NoCentre => "Sin centro", "No centre";
    RolePrincipal => "Directora", "Principal";
    RoleSlep => "Profesional SLEP", "SLEP professional";
    RoleFacilitator => "Facilitador(a)", "Facilitator";
    AddCentre => "Agregar centro", "Add centre";
    AddMember => "Agregar miembro", "Add member";
    AddCommission => "Agregar comisión", "Add commission";
    Edit => "Editar", "Edit";
    Close => "Cerrar", "Close";
    Remove => "Quitar", "Remove";
    ConfirmRemove => "¿Quitar «{}»? Esta acción no se puede deshacer.", "Remove “{}”? This cannot be undone.";
    CommissionMembers => "Integrantes", "Members";
    NoMembersYet => "Sin integrantes", "No members";
    NoCentresYet => "Aún no hay centros.", "No centres yet.";
    NoMembersInNetwork => "Aún no hay miembros.", "No members yet.";
    NoCommissionsYet => "Aún no hay comisiones.", "No commissions yet.";
    Children => "niños y niñas", "children";
    Staff => "funcionarias", "staff";
    CouldNotOpen => "No se pudo abrir este documento", "This document could not be opened";
    ExportRaw => "Exportar los datos tal como están", "Export the data as it is";
    ExportRawHint => "El archivo guarda todo lo que hay en este dispositivo para este documento, para que alguien pueda recuperarlo.", "The file keeps everything this device holds for this document, so that someone can recover it.";
    SyncAlone => "Solo en este dispositivo (sin servidor)", "On this device only (no server)";
    SyncNotRegistered => "Solo en este dispositivo, que no está registrado en esta red", "On this device only, which is not registered in this network";
    SyncAloneOldKey => "Solo en este dispositivo: el enlace con clave compartida que usaba ya no sirve. Pide una invitación personal a la facilitación de la red; nada de lo que tienes aquí se pierde.", "On this device only: the shared-key link it used no longer works. Ask the network's facilitator for a personal invite; nothing you have here is lost.";
    SyncOffline => "Sin conexión", "Offline";
    SyncNotOpened => "Sin sincronizar: el servidor responde, pero la sincronización no logra conectarse", "Not syncing: the server answers, but the sync cannot connect";
    SyncNotOpenedWhy => "Suele pasar en redes de colegios u oficinas que bloquean este tipo de conexión; con datos móviles suele funcionar. Se sigue intentando. Lo que escribes queda guardado en este dispositivo y se envía cuando se conecte.", "This often happens on school or office networks that block this kind of connection; mobile data usually works. Still trying. What you write stays saved on this device and is sent once it connects.";
    SyncNotOpenedWhyWaiting => "Suele pasar en redes de colegios u oficinas que bloquean este tipo de conexión; con datos móviles suele funcionar. Se sigue intentando: tu red aparece aquí en cuanto se conecte.", "This often happens on school or office networks that block this kind of connection; mobile data usually works. Still trying: your network shows here as soon as it connects.";
    SyncPending => "cambios por enviar", "changes to send";
    SyncPendingOne => "cambio por enviar", "change to send";
    SyncConnecting => "Conectando…", "Connecting…";
    SyncSyncing => "Sincronizando…", "Syncing…";
    SyncedAt => "Sincronizado con el servidor", "Synced with the server";
    SyncErrorWord => "Error", "Error";
    SyncUnauthorised => "este dispositivo ya no tiene acceso al servidor (fue quitado, o su invitación no se completó); pide una invitación nueva", "this device no longer has access to the server (it was removed, or its invite was not completed); ask for a new invite";
    SyncRefusedDoc => "El servidor no aceptó un cambio tuyo: lo que escribiste sigue en este dispositivo (puedes copiarlo) y no se envía; tus otros documentos siguen sincronizando.", "The server did not accept a change of yours: what you wrote stays on this device (you can copy it) and is not sent; your other documents keep syncing.";
    RuleCommission => "Solo la comisión de la sección (y la facilitación) la escribe.", "Only the section's commission (and the facilitator) writes it.";
    RuleFacilitator => "Solo la facilitación puede hacer ese cambio.", "Only the facilitator can make that change.";
    RuleSlep => "Solo un(a) profesional del SLEP observa o aprueba un plan.", "Only a SLEP professional observes or approves a plan.";
    RulePrincipal => "Solo la directora de ese centro cambia o entrega su plan.", "Only that centre's principal changes or delivers its plan.";
    RuleAuthor => "Solo su autora puede cambiarlo.", "Only its author can change it.";
    RuleMember => "Ya no eres miembro de esta red.", "You are no longer a member of this network.";
    BeforeAccounts => "(antes de las cuentas personales)", "(before personal accounts)";
    RuleRecord => "La pauta ya estaba finalizada o eliminada desde otro dispositivo: vale lo que llegó primero al servidor.", "The record was already finalised or deleted from another device: what reached the server first stands.";
    RuleSignature => "Una firma de dispositivo no es válida: el cambio no se puede atribuir a nadie.", "A device signature does not check: the change cannot be attributed to anyone.";
    ErrKey => "No se pudieron comprobar las firmas de este documento.", "The signatures of this document could not be checked.";
    ShareResults => "Compartir Resultados con la red", "Share the results with the network";
    ShareResultsHint => "Las pautas finalizadas, tal como están ahora, quedan a la vista de todas las directoras.", "The finalised records, as they are now, become visible to every principal.";
    ResultsShareDone => "Compartido.", "Shared.";
    ResultsSharedOn => "Resultados compartidos por la facilitación el", "Results shared by the facilitator on";
    ResultsSharedRecord => "pauta", "record";
    ResultsSharedRecords => "pautas", "records";
    HistShareResults => "compartió los resultados", "shared the results";
    HistorySigned => "firmado por su dispositivo", "signed by her device";
    HistoryUnsigned => "sin firma de dispositivo", "no device signature";
    HistoryForged => "Firma no válida: no se muestra como de nadie", "Signature does not check: shown as nobody's";
    SyncRefusedRetry => "Reintentar", "Try again";
    TicketQ1 => "¿Qué me llevo de esta sesión?", "What do I take away from this session?";
    TicketQ2 => "¿Qué duda o inquietud me queda?", "What question or concern do I still have?";
    TicketQ3 => "¿Qué tan útil fue la sesión? (1 = nada, 5 = muy útil)", "How useful was the session? (1 = not at all, 5 = very useful)";
    BallotNoLongerFits => "Tu voto ya no corresponde a las opciones de esta votación (cambiaron cuando se abrió en otro dispositivo): revisa tu elección y vuelve a votar.", "Your ballot no longer fits this vote's options (they changed when it was opened on another device): check your choice and vote again.";
    SetAsideUnreadable => "Este dispositivo guarda cambios que hiciste y que el servidor no aceptó, pero no puede leerlos. Siguen guardados aquí: si necesitas recuperarlos, pide ayuda antes de borrar los datos del navegador.", "This device keeps changes you made that the server did not accept, but it cannot read them. They are still stored here: if you need them back, ask for help before clearing the browser's data.";
    SetAsideTitle => "No se aceptó todo lo que escribiste sin conexión", "Not everything you wrote offline was accepted";
    SetAsideLead => "El resto de tus cambios se envió. Esto quedó solo en este dispositivo, para que lo copies:", "The rest of your changes was sent. This stayed only on this device, for you to copy:";
    SetAsideUnlisted => "Esto quedó guardado, pero este dispositivo no pudo anotarlo (¿sin espacio o ventana privada?): si recargas o cierras la página, ya no aparecerá aquí. Cópialo ahora.", "This is stored, but this device could not make a note of it (out of space or a private window?): if you reload or close the page, it will no longer show here. Copy it now.";
    SetAsideIn => "En", "In";
    SetAsideSection => "la sección", "section";
    SetAsideComment => "un comentario", "a comment";
    SetAsideEntry => "un registro del documento", "an entry of the document";
    SetAsideGone => "Ya no existe en el servidor (alguien lo eliminó).", "It no longer exists on the server (someone deleted it).";
    SetAsideOverlapped => "Lo escribiste en otra pestaña mientras este documento se rehacía, y no se pudo volver a poner en su lugar sin pasar a llevar otro cambio: cópialo y vuelve a escribirlo donde corresponda.", "You wrote it in another tab while this document was being rebuilt, and it could not be put back in its place without overriding another change: copy it and write it again where it belongs.";
    SetAsideCopy => "Copiar", "Copy";
    SetAsideCopied => "Copiado.", "Copied.";
    SetAsideCopyFailed => "No se pudo copiar: el texto quedó seleccionado, cópialo con el menú del teléfono.", "Could not copy: the text is selected, copy it with your phone's menu.";
    SetAsideDismiss => "Ya lo copié: quitar", "I copied it: remove";
    DirectoryReadOnly => "Solo la facilitación agrega, edita y quita centros, miembros y comisiones.", "Only the facilitator adds, edits and removes centres, members and commissions.";
    SyncDenied => "este dispositivo ya no tiene acceso a esta red en el servidor (fue quitado, o su registro no se completó): los cambios de esta red ya no se envían ni se reciben aquí; lo que escribiste sigue aquí. Pide una invitación nueva a quien facilita la red.", "this device no longer has access to this network on the server (it was removed, or its registration was not completed): this network's changes are no longer sent or received here; what you wrote stays here. Ask the network's facilitator for a new invite.";
    SrvDeviceRemoved => "este dispositivo fue quitado de la red: ya no envía ni recibe cambios; lo que escribiste sigue aquí", "this device was removed from the network: it no longer sends or receives changes; what you wrote stays here";
    SrvChangeRefused => "el servidor no aceptó un cambio (tu rol no lo permite); sigue en este dispositivo y no se envía", "the server did not accept a change (your role does not allow it); it stays on this device and is not sent";
    SyncServerError => "error del servidor", "server error";
    SrvTooManyDocuments => "este dispositivo pidió demasiados documentos en un minuto; vuelve a intentar solo en un momento", "this device asked for too many documents in a minute; it tries again by itself in a moment";
    SrvDocumentTooLarge => "un documento pasó el tamaño que acepta el servidor: sus últimos cambios siguen en este dispositivo pero no se envían; avisa a quien administra el servidor", "a document grew past the size the server accepts: its latest changes stay on this device but are not sent; tell whoever runs the server";
    SrvIdle => "la conexión estuvo en silencio y el servidor la cerró; vuelve a intentar sola", "the connection was silent and the server closed it; it tries again by itself";
    SyncUnavailable => "el servidor no tiene este documento", "the server does not have this document";
    SyncStorageFull => "no queda espacio en este dispositivo", "this device's storage is full";
    SyncProtocol => "el servidor usa otra versión del protocolo", "the server speaks another protocol version";
    Downloading => "Descargando la red desde el servidor…", "Downloading the network from the server…";
    Invite => "Invitar", "Invite";
    InviteHint => "Elige a la persona e invítala: el enlace (o su código QR) sirve una sola vez, solo para ella, y vence en 7 días. Si alguien más lo abre, no entra.", "Choose the person and invite her: the link (or its QR code) works once, only for her, and expires in 7 days. If anyone else opens it, they do not get in.";
    InviteNoKey => "Este dispositivo no está registrado en el servidor para esta red: pide una invitación personal a la facilitación.", "This device is not registered on the server for this network: ask the facilitator for a personal invite.";
    InviteLink => "Enlace de invitación", "Invite link";
    InviteQr => "Código QR del enlace de invitación", "QR code of the invite link";
    InviteWho => "Invitar a", "Invite";
    InviteCreate => "Crear invitación", "Create invite";
    InviteOwnDevice => "Agregar otro dispositivo mío", "Add another device of mine";
    InviteOwnHint => "Abre este enlace en tu otro teléfono o computador: quedará registrado como tuyo. Sirve una vez y vence en 7 días.", "Open this link on your other phone or computer: it will be registered as yours. It works once and expires in 7 days.";
    InviteExpires => "Vence el", "Expires on";
    InviteFor => "Invitación personal para", "Personal invite for";
    Devices => "Dispositivos registrados", "Registered devices";
    DevicesNone => "Ningún dispositivo registrado todavía.", "No devices registered yet.";
    DeviceThis => "este dispositivo", "this device";
    DeviceLastSeen => "visto por última vez", "last seen";
    DeviceRemoved => "quitado", "removed";
    DeviceRemove => "Quitar dispositivo", "Remove device";
    DeviceRemoveConfirm => "¿Quitar este dispositivo? Se desconecta al tiro y ya no podrá enviar cambios; lo que ya envió se mantiene.", "Remove this device? It is disconnected at once and can no longer send changes; what it already sent stays.";
    YouAreHint => "Este dispositivo está registrado a tu nombre en esta red.", "This device is registered in your name in this network.";
    WhoAreYouLocalNote => "(solo en este dispositivo)", "(on this device only)";
    Joining => "Registrando este dispositivo en la red…", "Registering this device in the network…";
    JoinNothing => "No hay una invitación por abrir en este dispositivo.", "There is no invite to open on this device.";
    JoinRetry => "Intentar de nuevo", "Try again";
    JoinHello => "Hola, {}", "Hello, {}";
    JoinNetwork => "Te uniste a la red «{}».", "You joined the network “{}”.";
    JoinNetworkSlep => "Te uniste a la red «{}» ({}).", "You joined the network “{}” ({}).";
    JoinRole => "Tu rol: {}.", "Your role: {}.";
    JoinCentre => "Tu centro: {}.", "Your centre: {}.";
    Claim => "Reclamar esta red como facilitador(a)", "Claim this network as its facilitator";
    ClaimHint => "Este dispositivo abrió el enlace de quien administra el servidor. Elige quién eres entre quienes facilitan esta red: quedarás registrado(a) y podrás invitar al resto, cada persona con su enlace.", "This device opened the link of whoever runs the server. Choose who you are among this network's facilitators: you will be registered and can invite everyone else, each with their own link.";
    ClaimNoFacilitator => "Esta red aún no tiene a nadie con rol de facilitación: agrega tu nombre en Miembros con ese rol y vuelve aquí.", "This network has nobody in the facilitator role yet: add yourself under Members with that role and come back.";
    ClaimSubmit => "Reclamar", "Claim";
    ClaimLinkGone => "Este dispositivo ya no tiene el enlace para reclamar: se acaba de usar en otra pestaña.", "This device no longer holds the claim link: it was just used in another tab.";
    PickMember => "Elige a la persona", "Choose the person";
    ClaimBanner => "Este dispositivo tiene el enlace para reclamar una red: crea la red (o ábrela) y elige «Reclamar esta red».", "This device holds the link to claim a network: create the network (or open it) and choose “Claim this network”.";
    InvUsed => "Esta invitación ya se usó. Pide una nueva a la facilitación de la red.", "This invite was already used. Ask the network's facilitator for a new one.";
    InvExpired => "Esta invitación venció. Pide una nueva a la facilitación de la red.", "This invite has expired. Ask the network's facilitator for a new one.";
    InvUnknown => "Este enlace no es una invitación válida (¿se copió incompleto?).", "This link is not a valid invite (was it copied incompletely?).";
    InvAlreadyClaimed => "Esta red ya fue reclamada: pide una invitación personal a su facilitación.", "This network was already claimed: ask its facilitator for a personal invite.";
    InvRemoved => "Este dispositivo fue quitado de la red. Si fue un error, pide una invitación nueva a la facilitación.", "This device was removed from the network. If that was a mistake, ask the facilitator for a new invite.";
    InvNotAllowed => "Tu rol no permite hacer esto:", "Your role does not allow this:";
    InvNotOnServer => "La red aún no llega al servidor: espera a que diga «Sincronizado» y vuelve a intentar.", "The network has not reached the server yet: wait until it says “Synced” and try again.";
    InvOffline => "Sin conexión con el servidor: la primera vez que abres una invitación hace falta señal. Vuelve a intentar cuando tengas.", "No connection to the server: opening an invite needs signal the first time. Try again when you have it.";
    InvServer => "El servidor no pudo atender la invitación:", "The server could not handle the invite:";
    Copy => "Copiar", "Copy";
    ShareFile => "Compartir archivo", "Share as a file";
    ShareFileHint => "Sin servidor o sin señal: guarda la red en un archivo y envíalo por WhatsApp, correo o pendrive. Quien lo importa suma tus cambios a los suyos; nadie pierde nada.", "No server or no signal: save the network as a file and send it by WhatsApp, email or USB stick. Whoever imports it adds your changes to theirs; nobody loses anything.";
    DownloadBundle => "Descargar archivo", "Download file";
    ShareBundle => "Compartir…", "Share…";
    ShareFailedDownloaded => "No se pudo abrir el menú para compartir; el archivo se descargó en este dispositivo: envíalo desde Descargas.", "The share menu could not open; the file was downloaded to this device instead: send it from Downloads.";
    ImportBundle => "Importar archivo", "Import file";
    ImportBundleHint => "¿Te enviaron un archivo .juntas? Impórtalo para sumar esa red a este dispositivo.", "Were you sent a .juntas file? Import it to add that network to this device.";
    BundleImported => "Archivo importado: se sumaron sus cambios.", "File imported: its changes were merged.";
    BundleLeftOut => "cambios no importados porque su firma no es válida", "changes not imported because their signature does not check";
    BadOtherMember => "firmados por el dispositivo de otra persona", "signed by another person's device";
    BadBuiltOn => "hechos sobre un cambio no importado", "made on top of a change not imported";
    BadRevoked => "de un dispositivo quitado de la red", "from a device removed from the network";
    BadSignature => "la firma del dispositivo no se comprueba", "the device signature does not check";
    BundleNothingNew => "Archivo importado: no traía nada nuevo.", "File imported: it had nothing new.";
    BundleRejected => "No se importó el archivo y no se cambió nada:", "The file was not imported and nothing changed:";
    BundleTooLarge => "es demasiado grande para ser un archivo de Juntas (máximo 32 MB).", "it is too large to be a Juntas file (at most 32 MB).";
    BundleNotOurs => "no es un archivo de Juntas.", "it is not a Juntas file.";
    BundleVersion => "lo hizo una versión más nueva de Juntas; actualiza la aplicación.", "a newer version of Juntas made it; update the app.";
    BundleTruncated => "está incompleto (se cortó al enviarlo o copiarlo); pide que te lo envíen de nuevo.", "it is incomplete (it was cut off while being sent or copied); ask for it again.";
    BundleDamaged => "está dañado (su suma de verificación no coincide); pide que te lo envíen de nuevo.", "it is damaged (its checksum does not match); ask for it again.";
    BundleForeign => "es de otra red, no de esta. Impórtalo desde el inicio para sumar esa red.", "it belongs to another network, not this one. Import it from the start page to add that network.";
    BundleMissing => "no contiene el documento de su red.", "it does not contain its network's document.";
    BundleBadDoc => "contiene un documento que no se puede leer.", "it contains a document that cannot be read.";
    BundleReadFailed => "no se pudo leer el archivo del dispositivo.", "the file could not be read from the device.";
    NotHereYet => "Todavía no llega a este dispositivo; llegará al sincronizar.", "Not on this device yet; it will arrive when it syncs.";
    NotHereDenied => "No está en este dispositivo, y no llegará mientras el servidor no le dé acceso a esta red: pide una invitación nueva a quien facilita la red.", "Not on this device, and it will not arrive until the server lets this device into this network again: ask the network's facilitator for a new invite.";
    NotFoundHere => "Este dispositivo no tiene una copia de este documento.", "This device has no copy of this document.";
    PageNotFound => "Página no encontrada", "Page not found";
    BackHome => "Volver al inicio", "Back to the start";
    ErrMissingName => "Falta el nombre.", "The name is missing.";
    ErrBadRbd => "El RBD se escribe como 12345-6.", "An RBD is written like 12345-6.";
    ErrDuplicateRbd => "Otro centro ya tiene ese RBD.", "Another centre already has that RBD.";
    ErrUnknown => "Ese elemento ya no existe (¿lo quitó otra persona?).", "That item no longer exists (did someone remove it?).";
    ErrNewerSchema => "Este documento fue escrito con una versión más nueva de Juntas. Actualiza la aplicación.", "This document was written by a newer Juntas. Update the app.";
    ErrNotNetwork => "Este documento no es una red.", "This document is not a network.";
    Unreadable => "No se pudo leer:", "Could not be read:";
    PartialTotal => "Total parcial", "Partial total";
    PartialUnreadableOne => "pauta no se pudo leer", "record could not be read";
    PartialUnreadableMany => "pautas no se pudieron leer", "records could not be read";
    PartialNotCountOne => "pauta no trae un número entero", "record does not hold a whole number";
    PartialNotCountMany => "pautas no traen un número entero", "records do not hold a whole number";
    ErrCorrupt => "Lo guardado de este documento en este dispositivo está dañado. No se borró nada; puedes descargar su copia.", "This device's copy of this document is damaged. Nothing was deleted; you can download its copy.";
    ErrWrongKind => "Este documento no es del tipo que se esperaba aquí.", "This document is not of the kind expected here.";
    ErrShape => "Este documento tiene un valor que esta versión de Juntas no entiende en el campo", "This document holds a value this version of Juntas does not understand in the field";
    ErrAutomerge => "No se pudo aplicar el cambio al documento. Recarga la página e intenta de nuevo.", "The change could not be applied to the document. Reload the page and try again.";
    ErrNoIdentity => "Primero elige quién eres en este dispositivo.", "First choose who you are on this device.";
    ErrLocal => "Este dispositivo no pudo recordar el ajuste (¿almacenamiento lleno o navegación privada?).", "This device could not remember the setting (storage full or private browsing?).";
    ErrNotCommon => "Esa sección la escribe cada jardín, no una comisión para la red.", "Each centre writes that section, not a commission for the network.";
    ErrTextMoved => "El texto cambió mientras escribías; vuelve a intentarlo.", "The text changed while you typed; try again.";
    ErrTreeProblem => "El problema central no se mueve ni se quita.", "The central problem cannot be moved or removed.";
    ErrBadNumber => "Escribe un número entero (0 o más).", "Write a whole number (0 or more).";
    LastChange => "Última modificación", "Last change";
    Optional => "opcional", "optional";
    Plan => "Plan", "Plan";
    PlanTitle => "Plan de funcionamiento", "Operating plan";
    PlanNotStarted => "El plan de ese año aún no se crea.", "That year's plan has not been created yet.";
    PlanFacilitatorStarts => "Lo crea el facilitador(a) de la red desde la plantilla.", "The network's facilitator creates it from the template.";
    PlanCreate => "Crear el plan desde la plantilla", "Create the plan from the template";
    MyCentrePlan => "Plan de mi jardín", "My centre's plan";
    ReviewTable => "Revisión SLEP", "SLEP review";
    MySections => "Mis secciones", "My sections";
    NoCommissionsMine => "No estás en ninguna comisión: quita «Mis secciones» para ver todo el plan.", "You are in no commission: untick “My sections” to see the whole plan.";
    NoSectionsMine => "Tus comisiones todavía no tienen secciones: la facilitación las asigna. Quita «Mis secciones» para ver todo el plan.", "Your commissions have no sections yet: the facilitator assigns them. Untick “My sections” to see the whole plan.";
    History => "Historial", "History";
    Status => "Estado", "Status";
    Commission => "Comisión", "Commission";
    NoCommission => "Sin comisión", "No commission";
    ConflictKept => "se guardó", "kept";
    ConflictOther => "al mismo tiempo otra persona eligió", "at the same time someone else chose";
    ConflictConfirm => "Confirmar lo guardado", "Confirm what was kept";
    ConflictUnknownValue => "Ese valor no es un estado conocido; elija uno en la lista.", "That value is not a known status; choose one from the list.";
    StatusDrafting => "En redacción", "Drafting";
    StatusReady => "Lista para revisión", "Ready for review";
    StatusAgreed => "Acordada", "Agreed";
    ScopeCommon => "Común a la red (la escribe una comisión)", "Common to the network (one commission writes it)";
    ScopePerCentre => "Propia de cada jardín", "Each centre writes its own";
    ScopeCommonLocal => "Común, y cada jardín agrega lo suyo", "Common, and each centre adds its own";
    Scope => "Quién la escribe", "Who writes it";
    SectionCode => "Número", "Number";
    SectionTitle => "Título", "Title";
    Prompt => "Indicación", "Prompt";
    Required => "Obligatoria para entregar", "Required to deliver";
    AddSection => "Agregar sección", "Add section";
    EditTemplate => "Editar plantilla de la sección", "Edit the section's template";
    Save => "Guardar", "Save";
    Saved => "Guardado", "Saved";
    BackToPlan => "← Volver al plan", "← Back to the plan";
    OnlyCommissionEdits => "Solo la comisión de esta sección la edita; puedes leerla y comentar.", "Only this section's commission edits it; you can read it and comment.";
    OnlyCommissionNamed => "Solo la comisión «{}» (y la facilitación) edita esta sección; puedes leerla y comentar.", "Only the “{}” commission (and the facilitator) edits this section; you can read it and comment.";
    NoCommissionOnlyFacilitator => "Esta sección aún no tiene comisión: solo la facilitación la edita; puedes leerla y comentar.", "This section has no commission yet: only the facilitator edits it; you can read it and comment.";
    ChooseWhoToEdit => "Para editar, di quién eres (arriba); mientras tanto puedes leer.", "To edit, say who you are (above); meanwhile you can read.";
    CommonText => "Texto común", "Common text";
    WrittenByEachCentre => "Esta sección la escribe cada centro en su plan.", "Each centre writes this section in its own plan.";
    Comments => "Comentarios", "Comments";
    AddComment => "Comentario", "Comment";
    Send => "Enviar", "Send";
    HistEdit => "editó", "edited";
    HistStatus => "cambió el estado", "changed the status";
    HistCommission => "asignó la comisión", "assigned the commission";
    HistComment => "comentó", "commented";
    HistTemplate => "editó la plantilla", "edited the template";
    HistAdopt => "trajo los textos comunes de la red", "brought in the network's common texts";
    HistDeliver => "entregó al SLEP", "delivered to the SLEP";
    HistObserve => "devolvió con observaciones", "returned with observations";
    HistApprove => "aprobó", "approved";
    HistCreate => "creó el plan", "created the plan";
    CentrePlanNotStarted => "Este centro aún no empieza su plan.", "This centre has not started its plan yet.";
    Owner => "Sostenedor", "Owner (sostenedor)";
    PlanState => "Estado del plan", "Plan state";
    StateDraft => "borrador", "draft";
    StateSubmitted => "entregado", "delivered";
    StateHasIssues => "con observaciones", "with observations";
    StateResubmitted => "reentregado", "delivered again";
    StateApproved => "aprobado", "approved";
    NewDraft => "hay cambios sin entregar (nuevo borrador)", "there are undelivered changes (new draft)";
    ReviewNotCounted => "una entrega, observación o aprobación no se cuenta: quien la hizo no tiene ese rol en la red", "a delivery, observation or approval is not counted: whoever made it does not have that role in the network";
    ReviewSetAside => "dos decisiones al mismo tiempo: se mantuvo la primera", "two decisions at once: the first one holds";
    SlepObservations => "Observaciones del SLEP", "SLEP observations";
    SlepObservation => "Observación del SLEP", "SLEP observation";
    NotAdoptedYet => "El plan de tu jardín todavía no tiene los textos comunes de la red: tráelos para empezar.", "Your centre's plan does not have the network's common texts yet: bring them in to start.";
    Adopt => "Traer los textos comunes de la red", "Bring in the network's common texts";
    CommonChanged => "Los textos comunes de la red cambiaron desde que los trajiste.", "The network's common texts changed since you brought them in.";
    SeeChanges => "Ver qué cambió", "See what changed";
    Version => "Versión", "Version";
    CurrentDraft => "Borrador actual", "Current draft";
    Delivery => "Entrega", "Delivery";
    PrintView => "Vista para imprimir", "Print view";
    Print => "Imprimir", "Print";
    ReviewLog => "Entregas y revisión", "Deliveries and review";
    LocalAddendum => "Lo propio de tu jardín", "Your centre's own part";
    CentreText => "Texto del centro", "Centre's text";
    CommonTextAdopted => "Texto común de la red (como lo trajiste)", "The network's common text (as you brought it in)";
    ChangesSincePrevious => "Cambios desde la entrega anterior", "Changes since the previous delivery";
    ObservationForSection => "Observación para esta sección", "Observation for this section";
    DeliverTitle => "Entregar al SLEP", "Deliver to the SLEP";
    NoteOptional => "Nota (opcional)", "Note (optional)";
    Deliver => "Entregar al SLEP", "Deliver to the SLEP";
    Delivered => "Entregado", "Delivered";
    DeliveredToSlep => "Entregado al SLEP. Ahora lo revisa su equipo: aquí verás sus observaciones o su aprobación.", "Delivered to the SLEP. Its team reviews it now: you will see its observations or its approval here.";
    ReviewTitle => "Revisión", "Review";
    ReviewNote => "Nota para la directora", "Note for the principal";
    SendObservations => "Devolver con observaciones", "Return with observations";
    Approve => "Aprobar", "Approve";
    ReviewedObserved => "Devuelto con observaciones. La directora las ve en el plan de su jardín; cuando lo entregue de nuevo, volverá a aparecer aquí para revisar.", "Returned with observations. The principal sees them in her centre's plan; when she delivers it again it will be here to review.";
    ReviewedApproved => "Aprobado. La directora ve la aprobación en el plan de su jardín.", "Approved. The principal sees the approval in her centre's plan.";
    NotStarted => "sin empezar", "not started";
    ErrSectionTitle => "La sección necesita número y título.", "The section needs a number and a title.";
    ErrEmptyComment => "Escribe el comentario.", "Write the comment.";
    MissingHers => "la escribe tu jardín, en esta página", "your centre writes it, on this page";
    MissingReadopt => "ya está escrita en la red: pulsa «Traer los textos comunes de la red» para incluirla", "it is written in the network now: press “Bring in the network's common texts” to include it";
    MissingByCommission => "la escribe la comisión", "written by the commission";
    MissingUnassigned => "parte común sin comisión todavía: la facilitación la asigna", "a common part with no commission yet: the facilitator assigns one";
    MissingUnknown => "ya no está en el plan común; pregunta a la facilitación", "it is no longer in the common plan; ask the facilitator";
    DeliverWaitOthers => "Las partes comunes las escribe su comisión para toda la red: cuando estén escritas, trae los textos comunes de la red y entrega. Mientras, puedes escribir lo propio de tu jardín.", "The common parts are written by their commission for the whole network: once they are written, bring in the common texts and deliver. Meanwhile you can write your centre's own parts.";
    ErrIncomplete => "Faltan secciones obligatorias por escribir:", "Required sections are still empty:";
    ErrNotAdopted => "Primero trae los textos comunes de la red al plan de tu jardín.", "First bring the network's common texts into your centre's plan.";
    CentreUnread => "Parte de esta página no se pudo calcular en este dispositivo (cambios de los textos comunes, borrador nuevo o cambios de la última entrega):", "Part of this page could not be worked out on this device (changes of the common texts, a new draft or the last delivery's changes):";
    ErrCommonMissing => "Este dispositivo aún no recibe los textos comunes que trajo el jardín; espera a que sincronice.", "This device has not received the common texts the centre brought in yet; wait for it to sync.";
    ErrNothingNew => "Esta versión ya está entregada; cambia algo antes de entregar de nuevo.", "This version is already delivered; change something before delivering again.";
    ErrObservationNote => "Escribe una nota que diga qué corregir.", "Write a note saying what to correct.";
    ErrNotDelivered => "El plan no está entregado (quizás otra persona ya lo revisó).", "The plan is not delivered (maybe someone else already reviewed it).";
    Inquiry => "Indagación", "Inquiry";
    Inquiries => "Indagaciones", "Inquiries";
    NoInquiries => "La red aún no define una indagación.", "The network has not defined an inquiry yet.";
    InquiryCreate => "Definir indagación", "Define an inquiry";
    InquiryEdit => "Editar indagación", "Edit the inquiry";
    InquiryVersionHint => "Si cambias las preguntas, las pautas ya empezadas conservan las suyas.", "If you change the questions, records already started keep theirs.";
    InquiryTitle => "Título", "Title";
    Challenge => "Desafío", "Challenge";
    Keywords => "Palabras clave", "Keywords";
    Diagnosis => "Diagnóstico inicial", "Initial diagnosis";
    Questions => "Preguntas para participantes", "Questions for participants";
    RolesOffered => "Roles de participantes", "Participant roles";
    OnePerLine => "Uno por línea.", "One per line.";
    Deadline => "Fecha límite", "Deadline";
    BackToInquiries => "← Volver a indagaciones", "← Back to inquiries";
    RecordNew => "Llenar una pauta nueva", "New record";
    RecordNewWhy => "Cada directora llena la pauta de su centro desde su cuenta; aquí ves las pautas que puedes leer y los Resultados.", "Each principal fills in her centre's record from her account; here you see the records you may read and the results.";
    Results => "Resultados", "Results";
    ExportList => "Exportar lista", "Export list";
    ExportAnswers => "Exportar respuestas (CSV)", "Export answers (CSV)";
    RecordTitle => "Pauta de registro", "Inquiry record";
    State => "Estado", "State";
    RecDraft => "borrador", "draft";
    RecFinalised => "finalizada", "finalised";
    RecSent => "en el servidor", "on the server";
    FinalisedWaiting => "Finalizada y guardada en este teléfono. Se envía al servidor apenas haya señal con la app abierta.", "Finalised and kept on this phone. It goes to the server as soon as there is signal with the app open.";
    FinalisedOnServer => "Finalizada y en el servidor: la facilitación y el SLEP ya la pueden ver.", "Finalised and on the server: the facilitator and the SLEP can see it now.";
    CorrectedAfterFinalising => "corregida después de finalizar (ver historial)", "corrected after finalising (see history)";
    PrincipalName => "Nombre de directora", "Principal's name";
    ApplicationDate => "Fecha de aplicación", "Date applied";
    Place => "Lugar de aplicación", "Where it was applied";
    Guidance => "¿En qué orientación o documento técnico se incluye la perspectiva de inclusión?", "Which guidance or technical document includes the inclusion perspective?";
    GuidanceWhere => "¿Dónde?", "Where?";
    NeeCount => "¿Cuántos niños tienen diagnóstico de NN.EE.?", "How many children have an SEN diagnosis?";
    Situation => "Situación actual", "Current situation";
    Participants => "Participantes (2 a 3)", "Participants (2 to 3)";
    Participant => "Participante", "Participant";
    AddParticipant => "Agregar participante", "Add participant";
    RemoveParticipant => "Quitar participante", "Remove participant";
    ConfirmRemoveParticipant => "¿Quitar este participante y sus respuestas?", "Remove this participant and their answers?";
    RoleInCentre => "Rol en el jardín", "Role in the centre";
    PickRole => "Elige un rol", "Pick a role";
    Observations => "Observaciones / reflexiones", "Observations / reflections";
    Finalise => "Finalizar", "Finalise";
    ErrRecordIncomplete => "Falta completar:", "Still to complete:";
    MissingCount => "La cantidad de niños debe ser un número entero (0 o más), no", "The number of children must be a whole number (0 or more), not";
    MissingDate => "Falta la fecha de aplicación", "The date is missing";
    FutureDate => "La fecha de aplicación no puede ser futura", "The date cannot be in the future";
    MissingParticipants => "Se necesitan entre 2 y 3 participantes", "2 to 3 participants are needed";
    MissingName => "falta el nombre", "the name is missing";
    MissingRole => "falta el rol", "the role is missing";
    MissingAnswer => "falta la respuesta a la pregunta", "missing the answer to question";
    ErrInquiryTitle => "La indagación necesita un título.", "The inquiry needs a title.";
    ErrNoQuestions => "Escribe al menos una pregunta.", "Write at least one question.";
    ErrTooManyParticipants => "Una pauta tiene como máximo 3 participantes.", "A record has at most 3 participants.";
    FinalisedRecords => "Pautas finalizadas", "Finalised records";
    NeeTotals => "Niños y niñas con diagnóstico de NN.EE.", "Children with an SEN diagnosis";
    Total => "Total", "Total";
    NotDeliveredYet => "Centros que aún no entregan", "Centres that have not delivered yet";
    Year => "Año", "Year";
    AllDelivered => "Todos los centros entregaron.", "Every centre has delivered.";
    Round1 => "Para la ronda 1 del taller (World Café)", "For the workshop's round 1 (World Café)";
    Round1HowWas => "¿Cómo fue el proceso de indagación?", "How was the inquiry process?";
    Round1HowWasHint => "Lo que cada directora anotó en observaciones / reflexiones:", "What each principal wrote in observations / reflections:";
    Round1Improve => "¿Cómo podríamos mejorar los procesos de indagación?", "How could we improve the inquiry processes?";
    Round1Highlight => "¿Qué podemos destacar de la información recogida?", "What can we highlight from the information we collected?";
    Round1HighlightHint => "Las pautas y las respuestas por pregunta, más abajo.", "The records and the answers by question, below.";
    RecordsSideBySide => "Las pautas, lado a lado", "The records side by side";
    NoReflections => "(nadie anotó observaciones todavía)", "(no one has written observations yet)";
    Tree => "Árbol", "Tree";
    Trees => "Árboles de problemas", "Problem trees";
    CentralProblem => "Problema central", "Central problem";
    TreeCreate => "Nuevo árbol", "New tree";
    BackToTrees => "← Volver a árboles", "← Back to trees";
    BackToOutline => "← Volver al esquema", "← Back to the outline";
    Projector => "Vista para proyector", "Projector view";
    Project => "Proyectar", "Project";
    DeliveryOnServer => "recibido en el servidor: el SLEP ya lo puede abrir", "received by the server: the SLEP can open it now";
    DeliveryOnDevice => "todavía en este teléfono: llega al SLEP apenas haya señal con la app abierta", "still on this phone: it reaches the SLEP as soon as there is signal with the app open";
    JoinedAs => "Listo: este dispositivo quedó registrado a nombre de", "Done: this device is now registered for";
    JoinedNext => "La app ya sabe quién eres; lo que escribas se guarda aquí, con o sin señal.", "The app knows who you are now; what you write is kept here, with or without signal.";
    Understood => "Entendido", "Got it";
    SaveAndSyncState => "Guardado y envío", "Saving and sending";
    CardTools => "Opciones de la tarjeta", "Card options";
    ProjectExit => "Salir (Esc)", "Leave (Esc)";
    TreeDrawing => "Dibujo del árbol de problemas", "Drawing of the problem tree";
    TreeDrawingCards => "tarjetas; el esquema en texto sigue", "cards; the outline as text follows";
    Effects => "Efectos (arriba)", "Effects (above)";
    Causes => "Causas (abajo)", "Causes (below)";
    NewCard => "Nueva tarjeta", "New card";
    Add => "Agregar", "Add";
    CardText => "Texto de la tarjeta", "Card text";
    MoveUp => "Subir", "Move up";
    MoveDown => "Bajar", "Move down";
    MoveUnder => "Mover debajo de", "Move under";
    ConfirmRemoveCard => "¿Quitar esta tarjeta? Sus tarjetas hijas suben un nivel.", "Remove this card? Its child cards move up one level.";
    RootCause => "Causa raíz", "Root cause";
    Evidence => "Evidencia (cita o cifra)", "Evidence (a quote or a figure)";
    ExportSvg => "Descargar SVG", "Download SVG";
    ExportPng => "Descargar PNG", "Download PNG";
    ErrPngExport => "No se pudo dibujar la imagen PNG en este dispositivo (puede ser demasiado grande para él). Descarga el SVG: guarda el mismo dibujo.", "The PNG image could not be drawn on this device (it may be too large for it). Download the SVG: it keeps the same drawing.";
    ExportOutline => "Descargar esquema (texto)", "Download outline (text)";
    ErrTreeCycle => "Una tarjeta no puede ir debajo de sí misma ni de sus propias tarjetas.", "A card cannot go under itself or its own cards.";
    ErrCardText => "Escribe el texto.", "Write the text.";
    HistCreateCentrePlan => "creó el plan del centro", "created the centre's plan";
    HistCreateInquiry => "creó la indagación", "created the inquiry";
    HistEditInquiry => "editó la indagación", "edited the inquiry";
    HistListRecord => "sumó una pauta", "added a record";
    HistCreateTree => "creó el árbol", "created the tree";
    HistAddCard => "agregó una tarjeta", "added a card";
    HistMoveCard => "movió una tarjeta", "moved a card";
    HistRemoveCard => "quitó una tarjeta", "removed a card";
    HistRootCause => "marcó una causa raíz", "marked a root cause";
    HistOther => "hizo un cambio", "made a change";
    HistRecordCreate => "empezó la pauta", "started the record";
    HistParticipantAdd => "agregó un participante", "added a participant";
    HistParticipantRemove => "quitó un participante", "removed a participant";
    HistRole => "eligió un rol", "chose a role";
    HistDate => "cambió la fecha", "changed the date";
    HistFinalise => "finalizó", "finalised";
    HistDiscard => "eliminó la pauta", "deleted the record";
    HistCreateWorkshop => "creó el taller", "created the workshop";
    HistAnswer => "respondió el ticket de salida", "answered the exit ticket";
    HistCloseTicket => "cerró el ticket de salida", "closed the exit ticket";
    Workshops => "Talleres", "Workshops";
    NoWorkshops => "Todavía no hay talleres. La facilitación crea cada taller con su ticket de salida; aquí lo responden todas, desde el teléfono y también sin señal.", "No workshops yet. The facilitator creates each workshop with its exit ticket; everyone answers it here, from a phone, even with no signal.";
    WorkshopNew => "Nuevo taller", "New workshop";
    WorkshopTitle => "Nombre del taller", "Workshop name";
    WorkshopDate => "Fecha", "Date";
    WorkshopPlace => "Lugar", "Place";
    WorkshopAgenda => "Programa (opcional)", "Agenda (optional)";
    WorkshopQuestions => "Preguntas del ticket de salida", "Exit ticket questions";
    WorkshopAnonymous => "Anónimo: los resultados no muestran quién respondió", "Anonymous: the results do not show who answered";
    WorkshopCreate => "Crear el taller", "Create the workshop";
    WorkshopOnlyFacilitator => "La facilitación crea los talleres.", "The facilitator creates the workshops.";
    ExitTicket => "Ticket de salida", "Exit ticket";
    TicketHint => "Una respuesta por persona: puedes cambiarla hasta que la facilitación cierre el ticket. Se guarda en este teléfono al instante y se envía apenas haya señal.", "One answer per person: you can change it until the facilitator closes the ticket. It is kept on this phone at once and sent as soon as there is signal.";
    TicketSaved => "Guardada en este teléfono.", "Kept on this phone.";
    TicketOnServer => "Tu respuesta está en el servidor: la facilitación la ve en los resultados.", "Your answer is on the server: the facilitator sees it in the results.";
    TicketWaiting => "Tu respuesta está en este teléfono: llega a la facilitación apenas haya señal con la app abierta.", "Your answer is on this phone: it reaches the facilitator as soon as there is signal with the app open.";
    TicketClosed => "El ticket de salida está cerrado: cuentan las respuestas que llegaron antes del cierre.", "The exit ticket is closed: the answers that arrived before it closed count.";
    TicketLateMine => "Tu respuesta llegó después del cierre: se muestra como atrasada y no se cuenta.", "Your answer arrived after the ticket closed: it is shown as late and not counted.";
    TicketClose => "Cerrar el ticket", "Close the ticket";
    TicketCloseDone => "Ticket cerrado: lo que llegue después se muestra como atrasado y no se cuenta.", "Ticket closed: anything arriving later is shown as late and not counted.";
    TicketQr => "Código QR para abrir este ticket en el teléfono", "QR code to open this ticket on a phone";
    TicketQrHint => "Muéstralo en el proyector: cada directora lo escanea y responde desde su teléfono (con la app ya registrada).", "Show it on the projector: each principal scans it and answers from her phone (with the app already registered).";
    TicketResults => "Resultados del ticket", "Ticket results";
    TicketAnswered => "Respondieron", "Answered";
    TicketOfMembers => "de", "of";
    TicketNoAnswers => "Sin respuestas todavía.", "No answers yet.";
    TicketMean => "Promedio", "Mean";
    TicketLateOne => "persona respondió después del cierre: su respuesta se muestra aparte y no se cuenta.", "person answered after the ticket closed: their answer is shown apart and not counted.";
    TicketLate => "personas respondieron después del cierre: sus respuestas se muestran aparte y no se cuentan.", "people answered after the ticket closed: their answers are shown apart and not counted.";
    TicketLateList => "Llegaron después del cierre (no se cuentan)", "Arrived after closing (not counted)";
    TicketUnreadableOne => "respuesta guardada no se puede leer con esta versión de la app y no se cuenta.", "stored answer cannot be read by this version of the app and is not counted.";
    TicketUnreadable => "respuestas guardadas no se pueden leer con esta versión de la app y no se cuentan.", "stored answers cannot be read by this version of the app and are not counted.";
    TicketWho => "Quiénes respondieron", "Who answered";
    ScaleChoice => "Tu nota", "Your score";
    QuestionN => "Pregunta", "Question";
    BackToWorkshops => "← Volver a talleres", "← Back to workshops";
    HistCreateVote => "creó la votación", "created the vote";
    HistPropose => "propuso una opción", "proposed an option";
    HistOpenVote => "abrió la votación", "opened the vote";
    HistCast => "votó", "voted";
    HistCloseVote => "cerró la votación", "closed the vote";
    Votes => "Votaciones", "Votes";
    Proposals => "Propuestas", "Proposals";
    HistCreateCycle => "creó el ciclo", "created the cycle";
    HistStage => "marcó la etapa", "marked the stage";
    Cycles => "Ciclos de mejora (PDSA)", "Improvement cycles (PDSA)";
    NoCycles => "Sin ciclos todavía. La facilitación crea cada ciclo con su objetivo; aquí la red llena su hoja PDSA: Planificar, Hacer, Estudiar, Actuar.", "No cycles yet. The facilitator creates each cycle with its aim; here the network fills its PDSA worksheet: Plan, Do, Study, Act.";
    CycleNew => "Nuevo ciclo", "New cycle";
    CycleNumber => "Número del ciclo", "Cycle number";
    CycleTitle => "Nombre del ciclo", "Cycle name";
    CycleStart => "Empieza (Planificar)", "Starts (Plan)";
    CycleCreate => "Crear el ciclo", "Create the cycle";
    CycleWord => "Ciclo", "Cycle";
    AimWhat => "¿Qué queremos lograr?", "What do we want to achieve?";
    AimForWhom => "¿Para quién?", "For whom?";
    AimHowMuch => "¿Cuánto?", "How much?";
    AimByWhen => "¿Para cuándo?", "By when?";
    Aim => "Objetivo del ciclo", "The cycle's aim";
    CycleLinks => "Lo que usa este ciclo", "What this cycle uses";
    CycleNoLinks => "No enlaza trabajo de la red todavía.", "It links no work of the network yet.";
    CycleUnknownLinksOne => "enlace de un tipo que esta versión no conoce.", "link of a kind this version does not know.";
    CycleUnknownLinks => "enlaces de un tipo que esta versión no conoce.", "links of a kind this version does not know.";
    PlanYear => "Plan", "Plan";
    StagePlan => "Planificar", "Plan";
    StageDo => "Hacer", "Do";
    StageStudy => "Estudiar", "Study";
    StageAct => "Actuar", "Act";
    StageNow => "Etapa actual", "Current stage";
    StageNext => "Pasar a", "Move on to";
    Worksheet => "Hoja PDSA", "PDSA worksheet";
    FObjetivo => "Objetivo de este ciclo", "This cycle's objective";
    FPreguntas => "Preguntas y predicciones", "Questions and predictions";
    FTareas => "Tareas: quién, cuándo, dónde", "Tasks: who, when, where";
    FMedidas => "Medidas y cómo se recogen", "Measures and how they are collected";
    FQuePaso => "¿Qué pasó?", "What happened?";
    FObservaciones => "Observaciones", "Observations";
    FImprevistos => "Problemas imprevistos", "Unexpected problems";
    FResultados => "Resultados frente a las predicciones", "Results against the predictions";
    FAprendizajes => "Aprendizajes", "Learnings";
    FDecision => "Decisión: adoptar, adaptar o abandonar (y por qué)", "Decision: adopt, adapt or abandon (and why)";
    FProximo => "El próximo ciclo", "The next cycle";
    ErrCycleTitle => "El ciclo necesita un nombre.", "The cycle needs a name.";
    HistAddMeasure => "definió una medida", "defined a measure";
    HistAddPoint => "agregó un dato", "added a data point";
    ErrMeasureName => "La medida necesita un nombre.", "The measure needs a name.";
    ErrAmbiguousNumber => "Un punto seguido de tres cifras puede marcar miles o decimales: escribe 1500 o 1,5 (sin punto de miles).", "A comma followed by three digits may mark thousands or decimals: write 1500 or 1.5 (no thousands comma).";
    ErrBadPoint => "Un dato necesita una fecha y un número (por ejemplo 12 o 8,5).", "A data point needs a date and a number (for example 12 or 8.5).";
    Measures => "Medidas", "Measures";
    NoMeasures => "Sin medidas todavía: la facilitación las define (resultado, proceso o equilibrio) y cada jardín agrega sus datos.", "No measures yet: the facilitator defines them (outcome, process or balancing) and each centre adds its data.";
    MeasureNew => "Nueva medida", "New measure";
    MeasureName => "Nombre de la medida", "Measure name";
    MeasureKindLabel => "Tipo", "Kind";
    KindOutcome => "Resultado", "Outcome";
    KindProcess => "Proceso", "Process";
    KindBalancing => "Equilibrio", "Balancing";
    MeasureUnit => "Unidad (por ejemplo %, niños, días)", "Unit (for example %, children, days)";
    MeasureGoal => "Meta (opcional)", "Goal (optional)";
    MeasureCreate => "Agregar la medida", "Add the measure";
    PointDay => "Fecha", "Date";
    CsvDay => "fecha", "date";
    CsvRecordId => "pauta", "record";
    CsvCentreName => "centro", "centre";
    CsvPrincipal => "directora", "principal";
    CsvState => "estado", "state";
    CsvLastChange => "último cambio", "last change";
    CsvLastAck => "último acuse del servidor", "last acknowledged by the server";
    CsvPlace => "lugar", "place";
    CsvNeeCount => "niños con diagnóstico NEE", "children with an SEN diagnosis";
    CsvParticipant => "participante", "participant";
    CsvRole => "rol", "role";
    CsvQuestion => "pregunta", "question";
    CsvAnswer => "respuesta", "answer";
    CsvGuidance => "orientación o documento con perspectiva de inclusión", "guidance or document with an inclusion perspective";
    CsvWhere => "dónde", "where";
    CsvSituation => "situación actual", "current situation";
    CsvObservations => "observaciones / reflexiones", "observations / reflections";
    CsvCentre => "jardín", "centre";
    PointCentre => "Jardín", "Centre";
    PointValue => "Valor", "Value";
    PointAdd => "Agregar el dato", "Add the data point";
    PointAdded => "Dato guardado en este dispositivo.", "Data point kept on this device.";
    RunChart => "Gráfico de corrida", "Run chart";
    RunChartOf => "Gráfico de corrida de", "Run chart of";
    ChartMedian => "Mediana", "Median";
    ChartGoal => "Meta", "Goal";
    ChartMeanNote => "Cada punto es el promedio de los jardines que informaron ese día.", "Each point is the mean of the centres that reported that day.";
    NoSignals => "Sin señales de variación no aleatoria (desplazamiento, tendencia, rachas o punto astronómico).", "No signal of non-random variation (shift, trend, runs or astronomical point).";
    FewPoints => "Con menos de 10 puntos fuera de la mediana no se juzgan las rachas.", "With fewer than 10 points off the median the runs are not judged.";
    SigShiftAbove => "Desplazamiento: {n} puntos seguidos sobre la mediana (del {a} al {b}).", "Shift: {n} points in a row above the median ({a} to {b}).";
    SigShiftBelow => "Desplazamiento: {n} puntos seguidos bajo la mediana (del {a} al {b}).", "Shift: {n} points in a row below the median ({a} to {b}).";
    SigTrendUp => "Tendencia: {n} puntos seguidos subiendo (del {a} al {b}).", "Trend: {n} points in a row going up ({a} to {b}).";
    SigTrendDown => "Tendencia: {n} puntos seguidos bajando (del {a} al {b}).", "Trend: {n} points in a row going down ({a} to {b}).";
    SigFewRuns => "Muy pocas rachas: {n} (se esperan al menos {m}).", "Too few runs: {n} (at least {m} expected).";
    SigManyRuns => "Demasiadas rachas: {n} (se esperan a lo más {m}).", "Too many runs: {n} (at most {m} expected).";
    SigAstronomical => "Punto astronómico el {a}: fuera de los límites de un gráfico de control de valores individuales.", "Astronomical point on {a}: outside the limits of an individuals control chart.";
    PointsUnreadableOne => "dato guardado no se puede leer y no se muestra.", "stored data point cannot be read and is not shown.";
    PointsUnreadable => "datos guardados no se pueden leer y no se muestran.", "stored data points cannot be read and are not shown.";
    ExportCsv => "Exportar datos (CSV)", "Export data (CSV)";
    NoVotes => "Sin votaciones todavía. La facilitación abre una votación (por ejemplo, el nombre de la red): primero todas proponen opciones, después votan.", "No votes yet. The facilitator opens a vote (for example, the network's name): first everyone proposes options, then they vote.";
    VoteNew => "Nueva votación", "New vote";
    VoteQuestion => "Pregunta", "Question";
    VoteMethod => "Cómo se vota", "How to vote";
    VoteMethodOne => "Una opción", "One option";
    VoteMethodSeveral => "Hasta tres opciones", "Up to three options";
    VoteMethodRanking => "Ordenar todas las opciones (conteo Borda)", "Rank every option (Borda count)";
    VoteAnonymous => "Anónima: los resultados no muestran quién votó", "Anonymous: the results do not show who voted";
    VoteCreate => "Crear la votación", "Create the vote";
    PhaseProposals => "Propuestas abiertas: cada persona puede proponer opciones.", "Proposals open: everyone may propose options.";
    PhaseVoting => "Votación abierta: las opciones ya no cambian; un voto por persona, que puedes cambiar hasta el cierre.", "Voting open: the options no longer change; one ballot per person, which you can change until it closes.";
    PhaseClosed => "Votación cerrada: cuentan los votos que llegaron antes del cierre.", "Vote closed: the ballots that arrived before it closed count.";
    ProposeLabel => "Tu propuesta", "Your proposal";
    Propose => "Proponer", "Propose";
    ProposedBy => "propuesta por", "proposed by";
    NoOptions => "Todavía no hay propuestas.", "No proposals yet.";
    VoteStart => "Abrir la votación", "Open the vote";
    VoteStartHint => "Al abrirla, las opciones quedan fijas: lo que se proponga después no se ofrece.", "Once open, the options are fixed: anything proposed later is not offered.";
    LateOptionsOne => "propuesta llegó después de abrir la votación y no se ofrece.", "proposal arrived after the vote opened and is not offered.";
    LateOptions => "propuestas llegaron después de abrir la votación y no se ofrecen.", "proposals arrived after the vote opened and are not offered.";
    YourBallot => "Tu voto", "Your ballot";
    RankPlace => "puesto", "place";
    RankOf => "de", "of";
    ChooseOne => "Elige una opción.", "Choose one option.";
    ChooseUpTo => "Elige hasta {n} opciones.", "Choose up to {n} options.";
    BallotFull => "Ya elegiste {n}: quita una para elegir otra.", "You have chosen {n}: untick one to choose another.";
    NoValidBallots => "Ningún voto válido: no hay ganador.", "No valid ballots: there is no winner.";
    RankHint => "Ordena de la que más te gusta (arriba) a la que menos.", "Order them from the one you like most (top) to the least.";
    CastVote => "Votar", "Vote";
    CastDoneServer => "Tu voto está en el servidor. Puedes cambiarlo hasta el cierre.", "Your ballot is on the server. You can change it until the vote closes.";
    CastDoneWaiting => "Tu voto está en este teléfono: llega apenas haya señal con la app abierta.", "Your ballot is on this phone: it arrives as soon as there is signal with the app open.";
    CastLate => "Tu voto llegó después del cierre: se muestra como atrasado y no se cuenta.", "Your ballot arrived after the vote closed: it is shown as late and not counted.";
    BallotsReceived => "Votos recibidos", "Ballots received";
    ResultsAfterClose => "Los resultados se muestran al cerrar la votación, para no influir en quien aún no vota.", "The results show when the vote closes, so as not to sway those who have not voted yet.";
    VoteClose => "Cerrar la votación", "Close the vote";
    Winner => "Ganó", "Winner";
    Tie => "Empate entre", "Tie between";
    PointOne => "punto", "point";
    Points => "puntos", "points";
    VoteOne => "voto", "vote";
    VotesWord => "votos", "votes";
    LateBallotsOne => "voto llegó después del cierre: no se cuenta.", "ballot arrived after the vote closed: not counted.";
    LateBallots => "votos llegaron después del cierre: no se cuentan.", "ballots arrived after the vote closed: not counted.";
    InvalidBallotsOne => "voto no corresponde a esta votación y no se cuenta.", "ballot does not fit this vote and is not counted.";
    InvalidBallots => "votos no corresponden a esta votación y no se cuentan.", "ballots do not fit this vote and are not counted.";
    Voters => "Votaron", "Voted";
    ErrVoteQuestion => "La votación necesita una pregunta.", "The vote needs a question.";
    ErrOptionEmpty => "Escribe tu propuesta.", "Write your proposal.";
    ErrNotProposing => "La votación ya está abierta: las opciones no cambian.", "Voting is already open: the options do not change.";
    ErrNotVoting => "La votación no está abierta.", "Voting is not open.";
    ErrTooFewOptions => "Se necesitan al menos dos opciones para votar.", "At least two options are needed to vote.";
    ErrBadBallot => "Ese voto no corresponde a cómo se vota aquí (revisa cuántas opciones elegiste).", "That ballot does not fit how this vote works (check how many options you chose).";
    ErrWorkshopTitle => "El taller necesita un nombre.", "The workshop needs a name.";
    ErrOutOfScale => "La nota va de 1 a 5.", "The score goes from 1 to 5.";
    ErrTicketClosed => "El ticket ya está cerrado: tu respuesta no se cuenta.", "The ticket is already closed: your answer is not counted.";
    RecordDelete => "Eliminar esta pauta", "Delete this record";
    RecordDeleteHint => "Solo mientras es un borrador: una pauta finalizada la cuentan la facilitación y el SLEP.", "Only while it is a draft: a finalised record is counted by the facilitator and the SLEP.";
    RecordDeleteConfirm => "¿Eliminar esta pauta? Lo escrito en ella se pierde, en este teléfono y en tus otros dispositivos.", "Delete this record? What was written in it is lost, on this phone and on your other devices.";
    RecordDeleteYes => "Sí, eliminar la pauta", "Yes, delete the record";
    RecordDeleteNo => "No, conservarla", "No, keep it";
    RecordDeleted => "Pauta eliminada: ya no aparece en tu lista ni en los Resultados.", "Record deleted: it no longer appears in your list or in the results.";
    ErrRecordFinalisedKept => "Esta pauta ya está finalizada: la cuentan la facilitación y el SLEP, así que no se elimina.", "This record is finalised: the facilitator and the SLEP count it, so it is not deleted.";
    ErrRecordDiscarded => "Esta pauta fue eliminada (quizás desde otro dispositivo): ya no se puede finalizar.", "This record was deleted (perhaps from another device): it can no longer be finalised.";
    CountsHint => "Solo cifras: Juntas no guarda nombres de niños ni niñas.", "Numbers only: Juntas stores no children's names.";
}

/// The language in force, provided by [`provide_i18n`].
#[derive(Clone, Copy)]
pub struct I18n(pub RwSignal<Lang>);

/// Reads the saved language (Spanish when none), provides it, and keeps `<html lang>` in step.
pub fn provide_i18n() -> I18n {
    let lang =
        RwSignal::new(local::language().and_then(|c| Lang::from_code(&c)).unwrap_or_default());
    Effect::new(move |_| {
        let l = lang.get();
        if let Some(html) = document().document_element() {
            let _ = html.set_attribute("lang", l.code());
        }
    });
    provide_context(I18n(lang));
    I18n(lang)
}

pub fn use_i18n() -> I18n {
    expect_context::<I18n>()
}

impl I18n {
    /// The text in the current language (reactive when called inside a view closure).
    pub fn t(self, text: T) -> &'static str {
        text.in_lang(self.0.get())
    }

    /// "1 voto", "3 votos": a count with the word for one or for more.
    pub fn count(self, n: usize, one: T, many: T) -> String {
        format!("{n} {}", self.t(if n == 1 { one } else { many }))
    }

    pub fn set(self, lang: Lang) -> Result<(), String> {
        self.0.set(lang);
        local::set_language(lang.code())
    }
}

/// A number written with a decimal point ("3.4", "-12.5"), with her language's decimal mark
/// ("3,4" in Spanish).
pub fn decimal(plain: &str, lang: Lang) -> String {
    match lang {
        Lang::Es => plain.replace('.', ","),
        Lang::En => plain.to_owned(),
    }
}

/// What separates a CSV file's fields for a spreadsheet in her language: `;` in Spanish,
/// whose decimal mark is the comma; `,` in English.
pub fn csv_separator(lang: Lang) -> juntas_core::model::inquiry::Separator {
    use juntas_core::model::inquiry::Separator;
    match lang {
        Lang::Es => Separator::Semicolon,
        Lang::En => Separator::Comma,
    }
}

/// `template` with each `{}` replaced by the next of `args`, in one pass (an argument's own
/// `{}` stays as it is).
pub fn fill(template: &str, args: &[&str]) -> String {
    let mut out = String::new();
    let mut parts = template.split("{}");
    out.push_str(parts.next().unwrap_or_default());
    for (part, arg) in parts.zip(args.iter().chain(std::iter::repeat(&""))) {
        out.push_str(arg);
        out.push_str(part);
    }
    out
}

/// A reactive text for views: `{tr(T::Centres)}`.
pub fn tr(text: T) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
    let i18n = use_i18n();
    move || i18n.t(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_text_is_written_in_both_languages() {
        for t in T::ALL {
            for lang in [Lang::Es, Lang::En] {
                assert!(!t.in_lang(lang).trim().is_empty(), "{t:?} is empty in {lang:?}");
            }
        }
    }

    #[test]
    fn a_name_with_braces_stays_whole_and_in_its_place() {
        assert_eq!(fill("«{}» ({}).", &["Red {}", "SLEP"]), "«Red {}» (SLEP).");
        assert_eq!(fill("Hola, {}", &["Ana"]), "Hola, Ana");
    }

    #[test]
    fn templates_have_the_same_placeholders_in_both_languages() {
        for t in T::ALL {
            assert_eq!(
                t.in_lang(Lang::Es).matches("{}").count(),
                t.in_lang(Lang::En).matches("{}").count(),
                "{t:?}"
            );
        }
    }
}
