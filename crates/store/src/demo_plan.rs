//! How the demo and the benchmark make up an entry: its unit, its ten
//! items, when it was registered and the moves it went through, drawn from
//! one seeded generator so the same data comes out every time. The demo
//! writes each plan through the services; the benchmark's bulk writer
//! (bulk.rs) writes many at once through the same tables.

use crate::db::now;
use crate::demo::{ACTIVITIES, PEOPLE, POSITIONS};
use crate::units::Unit;
use dvk_domain::auth::{Actor, Grant, Role};
use dvk_domain::entry::{Gender, Kind, Person, Registration, Subject};
use dvk_domain::state::{EntryState, Transition};
use rand::rngs::StdRng;
use rand::RngExt;

/// Where entries may be registered, and who acts on them.
pub struct EntryPlanner {
    /// Units before the 2025 reform, for earlier years.
    pub historical: Vec<Unit>,
    pub province_units: Vec<Unit>,
    pub registering: Vec<Unit>,
    pub chosen: Vec<Unit>,
    pub province: Unit,
    /// (field code, id)
    pub fields: Vec<(String, i64)>,
    pub officer: i64,
    pub reviewer: i64,
    /// The signing leader of the recognition decisions.
    pub leader: i64,
    /// Per cent of accepted entries of 2021–2025 that go on to be
    /// recognised (bulk benchmark data only: the showcase demo recognises
    /// through its rounds).
    pub recognised_pct: u32,
}

/// One move of a planned entry, checked against the state table.
pub struct PlannedMove {
    pub transition: Transition,
    pub actor: Actor,
    pub at: i64,
    pub reason: &'static str,
    pub to: EntryState,
}

pub struct PlannedEntry {
    pub registration: Registration,
    pub unit: Unit,
    pub confirming: Unit,
    pub at: i64,
    pub moves: Vec<PlannedMove>,
}

impl EntryPlanner {
    fn field_id(&self, code: &str) -> i64 {
        self.fields
            .iter()
            .find(|(c, _)| c == code)
            .map(|(_, id)| *id)
            .unwrap_or(1)
    }

    /// The `n`th entry: a realistic spread of units, fields, kinds, years
    /// and states (older years mostly accepted).
    pub fn plan(&self, rng: &mut StdRng, n: usize) -> PlannedEntry {
        let year = 2021 + (n % 6) as i32;
        let (unit, confirming) =
            if year <= 2024 && !self.historical.is_empty() && !n.is_multiple_of(3) {
                let u = self.historical[rng.random_range(0..self.historical.len())].clone();
                (u.clone(), u)
            } else if n.is_multiple_of(7) {
                let u = self.province_units[rng.random_range(0..self.province_units.len())].clone();
                (u, self.province.clone())
            } else {
                let u = self.registering[rng.random_range(0..self.registering.len())].clone();
                let commune = self
                    .chosen
                    .iter()
                    .find(|c| c.path.covers(&u.path))
                    .cloned()
                    .unwrap_or(self.province.clone());
                (u, commune)
            };
        let target_level = confirming
            .level_code
            .clone()
            .unwrap_or_else(|| "tinh".into());
        let (fcode, activity) = ACTIVITIES[rng.random_range(0..ACTIVITIES.len())];
        let individual = n % 5 == 4;
        let kind = if individual || n % 4 == 3 {
            Kind::Exemplar
        } else {
            Kind::Model
        };
        let subject = if individual {
            Subject::Individual
        } else {
            Subject::Collective
        };
        let place_name = unit.name.clone();
        let (person, title) = if individual {
            let (name, gender, eth) = PEOPLE[rng.random_range(0..PEOPLE.len())];
            let pos = POSITIONS[rng.random_range(0..POSITIONS.len())];
            let honor = if gender == Gender::Male {
                "Ông"
            } else {
                "Bà"
            };
            (
            Person {
                name: name.into(),
                birth_year: Some(rng.random_range(1958..1995)),
                gender: Some(gender),
                ethnicity: eth.into(),
                position: format!("{pos}, {place_name}"),
                party_member: rng.random_bool(0.6),
                example: format!("{honor} {name} và gia đình nhiều năm liền đạt danh hiệu \"Gia đình văn hóa\", đi đầu chấp hành chủ trương của Đảng, chính sách, pháp luật của Nhà nước; tích cực {activity}."),
            },
            format!("{honor} {name} – điển hình \"Dân vận khéo\" trong {activity}"),
        )
        } else {
            let prefix = if n.is_multiple_of(3) {
                "Dân vận khéo trong "
            } else {
                "Mô hình "
            };
            (
                Person::default(),
                format!("{prefix}{activity} tại {place_name}"),
            )
        };
        let households = rng.random_range(40..400);
        let budget = rng.random_range(50..900);
        let items = [
        title,
        format!("Trước năm {year}, tại {place_name} việc {activity} còn nhiều khó khăn: nhận thức của một bộ phận nhân dân chưa đầy đủ, nguồn lực hạn chế, {} hộ chưa tham gia.", households / 2),
        format!("Đến hết năm {}, {} hộ tham gia; 100% đảng viên gương mẫu đi đầu; giải quyết dứt điểm vấn đề bức xúc ở cơ sở.", year + 1, households),
        format!("Cấp ủy ban hành kế hoạch; tổ chức họp dân ở từng bản, tổ dân phố; cán bộ, đảng viên \"đi từng ngõ, gõ từng nhà\", vận động bằng tiếng dân tộc; phát huy vai trò người có uy tín trong {activity}."),
        format!("{place_name}; đối tượng: {households} hộ dân, trong đó {} hộ đồng bào dân tộc thiểu số.", households * 3 / 4),
        "Chủ trì: cấp ủy, chính quyền; phối hợp: Ủy ban MTTQ và các đoàn thể; tham gia: người có uy tín, trưởng bản, nhân dân.".to_owned(),
        format!("Kinh phí khoảng {budget} triệu đồng, trong đó nhân dân đóng góp {} triệu đồng và {} ngày công.", budget / 3, households * 2),
        format!("Từ tháng 3/{year} đến tháng 12/{}; sơ kết 6 tháng, đánh giá cuối năm.", year + 1),
        format!("{households} hộ tham gia; biên bản họp dân; báo cáo kết quả; hình ảnh trước và sau khi thực hiện."),
        "Mô hình dễ làm, chi phí thấp, đã được các bản lân cận học tập, có thể nhân rộng trên địa bàn.".to_owned(),
    ];
        let phase = if year <= 2025 {
            "2021-2025"
        } else {
            "2026-2030"
        };
        let reg = Registration {
            kind,
            subject,
            field_id: self.field_id(fcode),
            target_level,
            phase: phase.into(),
            year,
            unit_id: unit.id,
            replicates: None,
            items,
            person,
        };
        // Registered some time in the entry's own year, never in the future.
        let year_start = ((year - 1970) as f64 * 365.2425 * 86_400.0) as i64;
        let at = (year_start + rng.random_range(15..300) * 86_400 + rng.random_range(0..36_000))
            .min(now() - 30 * 86_400);
        // A realistic spread of states: older years mostly accepted.
        let roll = rng.random_range(0..100);
        let path: &[Transition] = if year == 2026 {
            match roll {
                0..=24 => &[],
                25..=49 => &[Transition::Submit],
                50..=64 => &[Transition::Submit, Transition::Return],
                65..=94 => &[Transition::Submit, Transition::Accept],
                _ => &[Transition::Withdraw],
            }
        } else {
            match roll {
                0..=84 => &[Transition::Submit, Transition::Accept],
                85..=92 => &[
                    Transition::Submit,
                    Transition::Return,
                    Transition::Submit,
                    Transition::Accept,
                ],
                _ => &[Transition::Submit, Transition::Withdraw],
            }
        };
        let recognised = [
            Transition::Propose,
            Transition::StartAppraisal,
            Transition::PublishNotice,
            Transition::Recognise,
        ];
        // Drawn only when asked for, so the demo's entries stay as they are.
        let path: Vec<Transition> = if self.recognised_pct > 0
            && year < 2026
            && path.last() == Some(&Transition::Accept)
            && rng.random_range(0..100) < self.recognised_pct
        {
            path.iter().chain(&recognised).copied().collect()
        } else {
            path.to_vec()
        };
        let mut state = EntryState::Draft;
        let mut moves = Vec::new();
        for (version, t) in path.iter().enumerate() {
            // Planned moves pass the same table as any other.
            let to = t
                .apply(state)
                .expect("the demo's paths follow the state table");
            // Each move acts with the role the table asks for at the
            // entry's own units.
            let actor = if *t == Transition::Recognise {
                Actor {
                    user_id: self.leader,
                    grants: vec![Grant {
                        role: Role::SigningLeader,
                        unit: self.province.path.clone(),
                    }],
                }
            } else if t.rule().scope == dvk_domain::state::Scope::ConfirmingUnit {
                Actor {
                    user_id: self.reviewer,
                    grants: vec![Grant {
                        role: Role::MovementOfficer,
                        unit: confirming.path.clone(),
                    }],
                }
            } else {
                Actor {
                    user_id: self.officer,
                    grants: vec![Grant {
                        role: Role::UnitOfficer,
                        unit: unit.path.clone(),
                    }],
                }
            };
            let reason = match t {
                Transition::Return => {
                    "Đề nghị bổ sung số liệu cụ thể về kết quả và kinh phí nhân dân đóng góp."
                }
                Transition::Withdraw => "Đơn vị xin rút để hoàn thiện và đăng ký năm sau.",
                _ => "",
            };
            let when = (at + (version as i64 + 1) * rng.random_range(2..20) * 86_400).min(now());
            moves.push(PlannedMove {
                transition: *t,
                actor,
                at: when,
                reason,
                to,
            });
            state = to;
        }
        PlannedEntry {
            registration: reg,
            unit,
            confirming,
            at,
            moves,
        }
    }
}
