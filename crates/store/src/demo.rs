//! Demo data for `dvk serve --demo`: realistic units under several Sơn La
//! communes and at province level, one account per role, and about 300
//! entries across fields, kinds, subjects, states and years 2021–2026,
//! each with a history made through the same services as real work.

use crate::accounts::hash_password;
use crate::db::{now, Db};
use crate::entries::Placement;
use crate::error::ServiceError;
use crate::reference::Catalogue;
use crate::units::{insert_unit, NewUnit, Unit};
use dvk_domain::auth::Role;
use dvk_domain::auth::{Actor, Grant};
use dvk_domain::entry::{Gender, Kind, Person, Registration, Subject};
use dvk_domain::state::{EntryState, Inputs, Transition};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

/// The password of every demo account (listed in the README).
pub const DEMO_PASSWORD: &str = "DanVanKheo@2026";

/// (username, full name, role, which unit: see `unit_for`).
pub const DEMO_USERS: &[(&str, &str, Role, &str)] = &[
    ("quantri", "Nguyễn Văn Quản", Role::Admin, "province"),
    (
        "bandanvan",
        "Lò Thị Hương",
        Role::MovementOfficer,
        "province",
    ),
    (
        "mttq.tohieu",
        "Cầm Văn Đông",
        Role::MovementOfficer,
        "commune0",
    ),
    (
        "mttq.chiengan",
        "Quàng Thị Ban",
        Role::MovementOfficer,
        "commune1",
    ),
    ("canbo.tohieu", "Đỗ Văn Đức", Role::UnitOfficer, "commune0"),
    (
        "canbo.chiengan",
        "Lường Thị Xuân",
        Role::UnitOfficer,
        "commune1",
    ),
    ("canbo.ban", "Tòng Văn Piệng", Role::UnitOfficer, "hamlet0"),
    ("canbo.soyte", "Hà Thị Mai", Role::UnitOfficer, "soyte"),
    (
        "hoidong.uyvien",
        "Vì Văn Thanh",
        Role::CouncilMember,
        "province",
    ),
    (
        "hoidong.chutich",
        "Bạc Cầm Ngọc",
        Role::CouncilChair,
        "province",
    ),
    (
        "hoidong.thuky",
        "Mùa Thị Dua",
        Role::CouncilSecretary,
        "province",
    ),
    (
        "lanhdao",
        "Trần Quốc Khánh",
        Role::SigningLeader,
        "province",
    ),
];

const COMMUNE_ORGS: &[(&str, &str)] = &[
    ("mttq", "Ủy ban MTTQ Việt Nam"),
    ("ban_dang", "Đảng ủy"),
    ("doan_the", "Hội Nông dân"),
    ("doan_the", "Hội Liên hiệp Phụ nữ"),
    ("doan_the", "Đoàn Thanh niên Cộng sản Hồ Chí Minh"),
    ("doan_the", "Hội Cựu chiến binh"),
    ("truong_hoc", "Trường Tiểu học"),
    ("y_te", "Trạm Y tế"),
];

const HAMLETS: &[&str] = &[
    "Bản Nà Sản",
    "Bản Hìn",
    "Tổ dân phố 3",
    "Bản Pá Công",
    "Bản Co Chai",
    "Tổ dân phố 7",
];

const PROVINCE_ORGS: &[(&str, &str)] = &[
    ("so_nganh", "Sở Nông nghiệp và Môi trường"),
    ("so_nganh", "Sở Giáo dục và Đào tạo"),
    ("so_nganh", "Sở Y tế"),
    ("mttq", "Ủy ban MTTQ Việt Nam tỉnh Sơn La"),
    ("doan_the", "Hội Nông dân tỉnh Sơn La"),
    ("doan_the", "Hội Liên hiệp Phụ nữ tỉnh Sơn La"),
    ("doan_the", "Tỉnh đoàn Sơn La"),
    ("luc_luong_vu_trang", "Bộ Chỉ huy Quân sự tỉnh"),
    ("luc_luong_vu_trang", "Công an tỉnh"),
    ("luc_luong_vu_trang", "Bộ Chỉ huy Bộ đội Biên phòng tỉnh"),
];

/// (field code, model activity) — what a model does.
const ACTIVITIES: &[(&str, &str)] = &[
    (
        "kt",
        "vận động nhân dân hiến đất làm đường giao thông nông thôn",
    ),
    ("kt-ntm", "xây dựng nông thôn mới kiểu mẫu"),
    ("kt", "liên kết trồng cây ăn quả trên đất dốc"),
    (
        "kt-giamngheo",
        "hỗ trợ hộ nghèo phát triển chăn nuôi bò sinh sản",
    ),
    ("kt", "chuyển đổi cây trồng trên đất lúa kém hiệu quả"),
    ("kt", "phát triển du lịch cộng đồng gắn với bản văn hóa"),
    ("xdd", "chi bộ gắn với dân, vì dân"),
    (
        "xdd-cchc",
        "hướng dẫn người dân sử dụng dịch vụ công trực tuyến",
    ),
    ("xdd", "đối thoại trực tiếp giữa cấp ủy với nhân dân"),
    ("xdd", "đảng viên giúp đỡ hộ gia đình khó khăn"),
    ("vhxh", "giữ gìn bản sắc văn hóa dân tộc Thái"),
    (
        "vhxh",
        "vận động xóa bỏ tảo hôn và hôn nhân cận huyết thống",
    ),
    ("vhxh-moitruong", "thu gom, phân loại rác thải tại nguồn"),
    ("vhxh", "phụ nữ tiết kiệm giúp nhau vươn lên"),
    (
        "vhxh",
        "vận động học sinh người dân tộc thiểu số đến trường",
    ),
    ("qpan-anninh", "tổ tự quản an ninh trật tự ở bản"),
    ("qpan", "xây dựng bản không có ma túy"),
    ("qpan", "dân quân giúp dân xây dựng nông thôn mới"),
    ("qpan-anninh", "camera an ninh cộng đồng"),
    ("qpan", "đồn biên phòng kết nghĩa với bản"),
];

const PEOPLE: &[(&str, Gender, &str)] = &[
    ("Lò Văn Hặc", Gender::Male, "Thái"),
    ("Giàng A Sùng", Gender::Male, "Mông"),
    ("Lường Thị Hoa", Gender::Female, "Thái"),
    ("Đinh Công Mạnh", Gender::Male, "Mường"),
    ("Triệu Thị Mẩy", Gender::Female, "Dao"),
    ("Sùng A Lử", Gender::Male, "Mông"),
    ("Vì Thị Xuân", Gender::Female, "Thái"),
    ("Đỗ Văn Đức", Gender::Male, "Kinh"),
    ("Cà Văn Chiến", Gender::Male, "Khơ Mú"),
    ("Nguyễn Thị Ánh", Gender::Female, "Kinh"),
    ("Lò Thị Phóng", Gender::Female, "Xinh Mun"),
    ("Hà Văn Tuấn", Gender::Male, "Mường"),
];

const POSITIONS: &[&str] = &[
    "Trưởng bản",
    "Bí thư chi bộ",
    "Chi hội trưởng Hội Nông dân",
    "Người có uy tín",
    "Công an viên",
    "Giáo viên",
];

/// "Bản Nà Sản" → "bản Nà Sản": a common noun inside a longer name.
fn lower_first_word(name: &str) -> String {
    match name.split_once(' ') {
        Some((first, rest)) => format!("{} {rest}", first.to_lowercase()),
        None => name.to_lowercase(),
    }
}

pub struct DemoSummary {
    pub units: usize,
    pub users: usize,
    pub entries: usize,
}

/// Loads the demo once; a second call finds the demo users and does nothing.
pub async fn load_demo(
    db: &Db,
    cat: &Catalogue,
    province: &Unit,
    total: usize,
) -> Result<Option<DemoSummary>, ServiceError> {
    if db.user_by_username(DEMO_USERS[0].0).await?.is_some() {
        return Ok(None);
    }
    let mut rng = StdRng::seed_from_u64(2026);
    // The demo province's guidance, cited at the head of its decisions.
    db.set_setting(
        "document_basis",
        "Hướng dẫn số 05-HD/BDVTU ngày 06/10/2021 của Ban Dân vận Tỉnh ủy Sơn La về xây dựng mô hình, điển hình “Dân vận khéo”",
    )
    .await?;
    let communes: Vec<Unit> = db
        .children(province.id, true)
        .await?
        .into_iter()
        .filter(|u| u.level_code.as_deref() == Some("xa"))
        .collect();
    let find = |code: &str| {
        communes
            .iter()
            .find(|c| c.code.as_deref() == Some(code))
            .cloned()
    };
    // Phường Tô Hiệu and Phường Chiềng An first (the demo accounts' units), then others.
    let mut chosen: Vec<Unit> = ["03646", "03664"].iter().filter_map(|c| find(c)).collect();
    for c in &communes {
        if chosen.len() >= 6 {
            break;
        }
        if !chosen.iter().any(|x| x.id == c.id) {
            chosen.push(c.clone());
        }
    }
    let ban = db
        .children(province.id, true)
        .await?
        .into_iter()
        .find(|u| u.kind == "ban_dang");

    let mut tx = db.pool.begin().await?;
    let mut units_made = 0;
    let mut registering: Vec<Unit> = Vec::new();
    let mut hamlet0 = None;
    for (i, commune) in chosen.iter().enumerate() {
        let short = commune.name.clone();
        for (kind, name) in COMMUNE_ORGS {
            let u = insert_unit(
                &mut tx,
                &NewUnit {
                    parent: Some(commune),
                    code: None,
                    name: &format!("{name} {}", lower_first_word(&short)),
                    kind,
                    level_code: None,
                    valid_from: None,
                    valid_to: None,
                },
            )
            .await?;
            units_made += 1;
            registering.push(u);
        }
        for h in 0..3 {
            let name = HAMLETS[(i + h) % HAMLETS.len()];
            let hamlet = insert_unit(
                &mut tx,
                &NewUnit {
                    parent: Some(commune),
                    code: None,
                    name,
                    kind: "khu_dan_cu",
                    level_code: None,
                    valid_from: None,
                    valid_to: None,
                },
            )
            .await?;
            let cell = insert_unit(
                &mut tx,
                &NewUnit {
                    parent: Some(&hamlet),
                    code: None,
                    name: &format!("Chi bộ {}", lower_first_word(name)),
                    kind: "chi_bo",
                    level_code: None,
                    valid_from: None,
                    valid_to: None,
                },
            )
            .await?;
            units_made += 2;
            if hamlet0.is_none() {
                hamlet0 = Some(hamlet.clone());
            }
            registering.push(hamlet);
            registering.push(cell);
        }
        registering.push(commune.clone());
    }
    let mut province_units = Vec::new();
    for (kind, name) in PROVINCE_ORGS {
        let u = insert_unit(
            &mut tx,
            &NewUnit {
                parent: Some(province),
                code: None,
                name,
                kind,
                level_code: None,
                valid_from: None,
                valid_to: None,
            },
        )
        .await?;
        units_made += 1;
        province_units.push(u);
    }
    tx.commit().await?;

    // Accounts, one per role.
    let hash = {
        let pw = DEMO_PASSWORD.to_owned();
        tokio::task::spawn_blocking(move || hash_password(&pw))
            .await
            .map_err(|e| ServiceError::Conflict(e.to_string()))??
    };
    let mut user_ids = std::collections::HashMap::new();
    for (username, name, role, which) in DEMO_USERS {
        let unit = match *which {
            "province" => Some(province.clone()),
            "ban" => ban.clone().or(Some(province.clone())),
            "commune0" => chosen.first().cloned(),
            "commune1" => chosen.get(1).cloned(),
            "hamlet0" => hamlet0.clone(),
            "soyte" => province_units.iter().find(|u| u.name == "Sở Y tế").cloned(),
            _ => None,
        };
        let Some(unit) = unit else { continue };
        let id = db.insert_user(None, username, name, &hash).await?;
        db.insert_grant(None, id, *role, unit.id).await?;
        user_ids.insert(*username, id);
    }
    // The province movement officer also acts at commune level everywhere.
    let officer = user_ids["canbo.tohieu"];
    let reviewer = user_ids["bandanvan"];

    // Historical units: predecessors of the chosen communes, for 2021–2025 entries.
    let mut historical = Vec::new();
    for c in &chosen {
        let (_, preds) = db.successors_and_predecessors(c.id).await?;
        historical.extend(preds);
    }

    let field_id = |code: &str| {
        cat.fields
            .iter()
            .find(|f| f.code == code)
            .map(|f| f.id)
            .unwrap_or(1)
    };
    let mut made = 0;
    for n in 0..total {
        let year = 2021 + (n % 6) as i32;
        let (unit, confirming) = if year <= 2024 && !historical.is_empty() && n % 3 != 0 {
            let u = historical[rng.random_range(0..historical.len())].clone();
            (u.clone(), u)
        } else if n % 7 == 0 {
            let u = province_units[rng.random_range(0..province_units.len())].clone();
            (u, province.clone())
        } else {
            let u = registering[rng.random_range(0..registering.len())].clone();
            let commune = chosen
                .iter()
                .find(|c| c.path.covers(&u.path))
                .cloned()
                .unwrap_or(province.clone());
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
            let prefix = if n % 3 == 0 {
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
            field_id: field_id(fcode),
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
        let place = Placement {
            unit_path: &unit.path,
            confirming_id: confirming.id,
            confirming_path: &confirming.path,
        };
        let id = db.insert_entry(officer, &reg, &place, at).await?;
        made += 1;
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
        let mut state = EntryState::Draft;
        for (version, t) in path.iter().enumerate() {
            let to = t
                .apply(state)
                .map_err(|e| ServiceError::Conflict(e.to_string()))?;
            // Seeded moves pass the same table, acting with the role the
            // table asks for at the entry's own units.
            let actor = if t.rule().scope == dvk_domain::state::Scope::ConfirmingUnit {
                Actor {
                    user_id: reviewer,
                    grants: vec![Grant {
                        role: Role::MovementOfficer,
                        unit: confirming.path.clone(),
                    }],
                }
            } else {
                Actor {
                    user_id: officer,
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
            let mut tx = db.pool.begin().await?;
            crate::transitions::apply(
                &mut tx,
                crate::transitions::Mover {
                    actor: &actor,
                    seat: None,
                    at: Some(when),
                },
                *t,
                &crate::transitions::Moving {
                    id,
                    registering: &unit.path,
                    confirming: &confirming.path,
                    state,
                    version: Some(version as i64 + 1),
                },
                Inputs {
                    reason,
                    decision: None,
                },
            )
            .await?;
            tx.commit().await?;
            state = to;
        }
    }
    // Rounds belong to the showcase demo only, not to bulk (benchmark) or tiny (test) data.
    if (100..=1000).contains(&total) {
        demo_rounds(db, province, &user_ids).await?;
    }
    Ok(Some(DemoSummary {
        units: units_made,
        users: user_ids.len(),
        entries: made,
    }))
}

/// Two rounds for the demo: 2025's, decided (so the public pages show
/// recognised models), and 2026's, in appraisal with scoring under way.
/// Seeding acts with a province-wide officer identity, as a migration would.
async fn demo_rounds(
    db: &Db,
    province: &Unit,
    users: &std::collections::HashMap<&str, i64>,
) -> Result<(), ServiceError> {
    use crate::appraisal as ap;
    use dvk_domain::appraisal::CouncilRole;
    let grant = |user: &str, roles: &[Role]| Actor {
        user_id: users.get(user).copied().unwrap_or(0),
        grants: roles
            .iter()
            .map(|r| Grant {
                role: *r,
                unit: province.path.clone(),
            })
            .collect(),
    };
    let organiser = grant("bandanvan", &[Role::MovementOfficer]);
    let registrar = grant("canbo.tohieu", &[Role::UnitOfficer]);
    let leader = grant("lanhdao", &[Role::SigningLeader]);
    let council = [
        ("hoidong.chutich", CouncilRole::Chair),
        ("hoidong.uyvien", CouncilRole::Member),
        ("hoidong.thuky", CouncilRole::Secretary),
    ];
    for (year, phase, finished) in [(2025, "2021-2025", true), (2026, "2026-2030", false)] {
        let form = ap::RoundForm {
            unit_id: province.id.to_string(),
            title: format!("Xét công nhận mô hình, điển hình “Dân vận khéo” cấp xã năm {year}"),
            level: "xa".into(),
            year: year.to_string(),
            phase: phase.into(),
            kind: "annual".into(),
            mode: "score".into(),
            quota: "3".into(),
            ..Default::default()
        };
        let rid = ap::create_round(db, &organiser, &form).await?;
        for (u, role) in council {
            if let Some(id) = users.get(u) {
                ap::add_member(db, &organiser, rid, *id, role).await?;
            }
        }
        let filter = crate::entries::EntryFilter {
            visible: vec![province.path.clone()],
            state: Some(EntryState::Accepted),
            year: Some(year),
            level: Some("xa".into()),
            page: 1,
            per_page: 12,
            ..Default::default()
        };
        let (candidates, _) = db.list_entries(&filter).await?;
        let data = db
            .round_core(rid)
            .await?
            .ok_or(ServiceError::NotFound("đợt xét"))?;
        let mut proposed = Vec::new();
        for e in candidates {
            let set = data.set_for(e.subject);
            let points = set
                .criteria
                .iter()
                .map(|c| (c.id, "8".to_owned()))
                .collect();
            if ap::propose(db, &registrar, rid, e.id, &points)
                .await
                .is_ok()
            {
                proposed.push(e.id);
            }
        }
        if proposed.is_empty() {
            continue;
        }
        ap::assign(db, &organiser, rid, ap::Assignment::All).await?;
        ap::start_appraisal(db, &organiser, rid).await?;
        let data = db
            .round_core(rid)
            .await?
            .ok_or(ServiceError::NotFound("đợt xét"))?;
        for (n, id) in proposed.iter().enumerate() {
            let subject = data
                .entries
                .iter()
                .find(|e| e.entry_id == *id)
                .map(|e| e.subject)
                .unwrap_or(Subject::Collective);
            for (m, (u, _)) in council.iter().enumerate() {
                // 2026: scoring still under way — the secretary has not finished.
                if !finished && m == 2 && n % 2 == 0 {
                    continue;
                }
                let scorer = Actor {
                    user_id: users.get(u).copied().unwrap_or(0),
                    grants: Vec::new(),
                };
                let base = 6 + ((n + m) % 4) as i64; // 6..9, a little disagreement
                let sheet = data
                    .set_for(subject)
                    .criteria
                    .iter()
                    .enumerate()
                    .map(|(i, c)| {
                        (
                            c.id,
                            (((base + (i as i64 % 2)).min(10)).to_string(), String::new()),
                        )
                    })
                    .collect();
                ap::save_scores(db, &scorer, rid, *id, &sheet).await?;
            }
        }
        if finished {
            let minutes = ap::MinutesForm {
                date: "15/11/2025".into(),
                place: "Hội trường Tỉnh ủy Sơn La".into(),
                present: "3/3 thành viên Hội đồng".into(),
                override_reason: String::new(),
            };
            let chair = Actor {
                user_id: users.get("hoidong.chutich").copied().unwrap_or(0),
                grants: Vec::new(),
            };
            ap::conclude(db, &chair, rid, &minutes).await?;
            // A past round replayed as it happened: published on 20/11/2025,
            // decided on 10/12/2025 (the same rules, at those times).
            let day = |y, m, d| {
                time::Date::from_calendar_date(y, m, d)
                    .map(|d| d.midnight().assume_utc().unix_timestamp() + 2 * 3600)
                    .unwrap_or(0)
            };
            ap::publish_notice_at(
                db,
                &organiser,
                rid,
                "20/11/2025",
                "30/11/2025",
                day(2025, time::Month::November, 20),
            )
            .await?;
            let on_notice: Vec<(i64, dvk_domain::unit::UnitPath)> = db
                .round_core(rid)
                .await?
                .map(|d| {
                    d.entries
                        .iter()
                        .filter(|e| e.state == EntryState::InPublicNotice)
                        .map(|e| (e.entry_id, e.unit_path.clone()))
                        .collect()
                })
                .unwrap_or_default();
            // Commune-level recognition: each commune's People's Committee
            // signs the decision for its own entries.
            let paths: Vec<&dvk_domain::unit::UnitPath> =
                on_notice.iter().map(|(_, p)| p).collect();
            let communes = db.territories_at(&paths, "xa").await?;
            for (n, commune) in communes.iter().enumerate() {
                let ids: Vec<i64> = on_notice
                    .iter()
                    .filter(|(_, p)| commune.path.covers(p))
                    .map(|(id, _)| *id)
                    .collect();
                let decision = ap::DecisionForm {
                    number: format!("{}/QĐ-UBND", 125 + n),
                    signed_on: "10/12/2025".into(),
                    signer: "Trần Quốc Khánh".into(),
                    signer_title: "CHỦ TỊCH".into(),
                    issuer_unit_id: commune.id.to_string(),
                };
                ap::decide_at(
                    db,
                    &leader,
                    rid,
                    &decision,
                    &ids,
                    day(2025, time::Month::December, 10),
                )
                .await?;
            }
        }
    }
    Ok(())
}
