//! The example network "Avanzando Juntas": SLEP Gabriela Mistral's 15 pre-primary centres
//! (5 La Granja, 1 San Joaquín, 9 Macul) with the enrolment and staff figures of the seed
//! report's table 3 where it gives them. Centre and person names are invented.

use super::network::{Centre, Commission, Member, Network, Role};

const KIND_VTF: &str = "Jardín infantil y sala cuna VTF";

/// (name, commune, RBD, [enrolment, staff, educators, technicians, on medical leave]).
/// The report's table 3 lists 12 centres by number without names; 13–15 gave no figures.
const CENTRES: [(&str, &str, &str, Option<[u32; 5]>); 15] = [
    ("Jardín Infantil Los Copihues", "La Granja", "25101-3", Some([104, 14, 4, 8, 7])),
    ("Sala Cuna y Jardín Rayito de Sol", "La Granja", "25102-1", Some([132, 29, 5, 18, 2])),
    ("Jardín Infantil Semillita", "La Granja", "25103-K", Some([20, 6, 1, 3, 1])),
    ("Jardín Infantil Los Aromos", "La Granja", "25104-8", Some([52, 11, 2, 5, 5])),
    ("Jardín Infantil Arcoíris", "La Granja", "25105-6", Some([71, 15, 4, 8, 0])),
    ("Jardín Infantil Mi Pequeño Mundo", "San Joaquín", "25201-4", Some([156, 28, 7, 17, 7])),
    ("Jardín Infantil Las Araucarias", "Macul", "25301-0", Some([45, 14, 4, 7, 0])),
    ("Sala Cuna Caracolito", "Macul", "25302-9", Some([60, 16, 4, 8, 1])),
    ("Jardín Infantil Pasitos Felices", "Macul", "25303-7", Some([88, 19, 6, 12, 7])),
    ("Jardín Infantil Los Peumos", "Macul", "25304-5", Some([151, 33, 9, 18, 2])),
    ("Jardín Infantil Chercanes", "Macul", "25305-3", Some([95, 17, 6, 11, 3])),
    ("Jardín Infantil Nido de Colores", "Macul", "25306-1", Some([104, 22, 4, 12, 4])),
    ("Jardín Infantil Manitos Creativas", "Macul", "25307-K", None),
    ("Jardín Infantil Lucerito", "Macul", "25308-8", None),
    ("Sala Cuna y Jardín Pewen", "Macul", "25309-6", None),
];

const PRINCIPALS: [&str; 15] = [
    "María González",
    "Carolina Muñoz",
    "Patricia Rojas",
    "Claudia Díaz",
    "Verónica Soto",
    "Alejandra Contreras",
    "Marcela Silva",
    "Paola Martínez",
    "Andrea Sepúlveda",
    "Lorena Morales",
    "Francisca Rodríguez",
    "Ximena Fuentes",
    "Gloria Araya",
    "Daniela Espinoza",
    "Sandra Castillo",
];

/// (commission, indexes of the principals in it).
const COMMISSIONS: [(&str, &[usize]); 3] = [
    ("Protocolo sanitario", &[0, 5, 6, 9]),
    ("Comunicación con las familias", &[1, 7, 10, 12]),
    ("Apoyo socioemocional", &[2, 3, 8, 14]),
];

/// Builds the example network; `next_id` supplies every entry id (core draws no randomness).
pub fn avanzando_juntas(now: i64, mut next_id: impl FnMut() -> String) -> Network {
    let mut net = Network::new("Avanzando Juntas", "SLEP Gabriela Mistral", now);
    let mut principal_ids = Vec::new();
    for ((name, commune, rbd, figures), principal) in CENTRES.iter().zip(PRINCIPALS) {
        let centre_id = next_id();
        let [enrolment, staff_total, educators, technicians, staff_on_leave] =
            figures.map_or([None; 5], |f| f.map(Some));
        net.centres.insert(
            centre_id.clone(),
            Centre {
                name: (*name).into(),
                rbd: (*rbd).into(),
                commune: (*commune).into(),
                kind: KIND_VTF.into(),
                enrolment,
                staff_total,
                educators,
                technicians,
                staff_on_leave,
            },
        );
        let member_id = next_id();
        net.members.insert(
            member_id.clone(),
            Member { name: principal.into(), role: Role::Principal, centre_id: Some(centre_id) },
        );
        principal_ids.push(member_id);
    }
    for (name, role) in [
        ("Rodrigo Pérez", Role::SlepProfessional),
        ("Camila Herrera", Role::SlepProfessional),
        ("Ignacio Vargas", Role::Facilitator),
    ] {
        net.members.insert(next_id(), Member { name: name.into(), role, centre_id: None });
    }
    for (name, who) in COMMISSIONS {
        let members = crate::order::map_of(who.iter().map(|&i| (principal_ids[i].clone(), true)));
        net.commissions.insert(next_id(), Commission { name: name.into(), members });
    }
    net
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::network::{self, Command};
    use automerge::AutoCommit;

    fn counter() -> impl FnMut() -> String {
        let mut n = 0;
        move || {
            n += 1;
            format!("id{n:03}")
        }
    }

    #[test]
    fn has_the_seed_reports_centres_by_commune_and_table_3_totals() {
        let net = avanzando_juntas(0, counter());
        assert_eq!(net.centres.len(), 15);
        let in_commune = |c: &str| net.centres.values().filter(|x| x.commune == c).count();
        assert_eq!(
            (in_commune("La Granja"), in_commune("San Joaquín"), in_commune("Macul")),
            (5, 1, 9)
        );
        let total = |f: fn(&Centre) -> Option<u32>| net.centres.values().filter_map(f).sum::<u32>();
        // Table 3's "Total" row: 1078 enrolled, 224 workers, 56 educators, 127 technicians, 39 on leave.
        assert_eq!(total(|c| c.enrolment), 1078);
        assert_eq!(total(|c| c.staff_total), 224);
        assert_eq!(total(|c| c.educators), 56);
        assert_eq!(total(|c| c.technicians), 127);
        assert_eq!(total(|c| c.staff_on_leave), 39);
        assert_eq!(net.members.len(), 18);
        assert_eq!(net.commissions.len(), 3);
    }

    #[test]
    fn passes_the_same_validation_as_typed_entries_and_round_trips() {
        let net = avanzando_juntas(0, counter());
        // Re-enter every entry through the commands: the example must be valid data.
        let mut rebuilt = Network::new(&net.name, &net.slep, 0);
        for (id, c) in &net.centres {
            rebuilt.apply(Command::PutCentre { id: id.clone(), centre: c.clone() }).unwrap();
        }
        for (id, m) in &net.members {
            rebuilt.apply(Command::PutMember { id: id.clone(), member: m.clone() }).unwrap();
        }
        for (id, k) in &net.commissions {
            rebuilt
                .apply(Command::PutCommission { id: id.clone(), commission: k.clone() })
                .unwrap();
        }
        assert_eq!(rebuilt, net);
        let mut doc = AutoCommit::new();
        network::create(&mut doc, &net, 0).unwrap();
        let loaded = AutoCommit::load(&doc.save()).unwrap();
        assert_eq!(network::read(&loaded).unwrap(), net);
    }
}
