//! Demo data for `dvk serve --demo`: realistic units under several Sơn La
//! communes and at province level, one account per role, and about 300
//! entries across fields, kinds, subjects, states and years 2021–2026,
//! each with a history made through the same services as real work.

use crate::accounts::hash_password;
use crate::db::Db;
use crate::demo_plan::EntryPlanner;
use crate::entries::Placement;
use crate::error::ServiceError;
use crate::reference::Catalogue;
use crate::units::{insert_unit, NewUnit, Unit};
use dvk_domain::auth::Role;
use dvk_domain::auth::{Actor, Grant};
use dvk_domain::entry::{Gender, Subject};
use dvk_domain::state::{EntryState, Inputs};
use rand::rngs::StdRng;
use rand::SeedableRng;

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
pub(crate) const ACTIVITIES: &[(&str, &str)] = &[
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

pub(crate) const PEOPLE: &[(&str, Gender, &str)] = &[
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

pub(crate) const POSITIONS: &[&str] = &[
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
    load(db, cat, province, total, None).await
}

/// The demo's units and accounts with `total` entries written in bulk
/// (bulk.rs) instead of one by one through the services: the benchmark's
/// data. The same plans, so the same data as the demo would make.
pub async fn load_bench(
    db: &Db,
    cat: &Catalogue,
    province: &Unit,
    total: usize,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<Option<DemoSummary>, ServiceError> {
    load(db, cat, province, total, Some(progress)).await
}

async fn load(
    db: &Db,
    cat: &Catalogue,
    province: &Unit,
    total: usize,
    bulk: Option<&(dyn Fn(usize) + Sync)>,
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

    let planner = EntryPlanner {
        historical,
        province_units,
        registering,
        chosen: chosen.clone(),
        province: province.clone(),
        fields: cat.fields.iter().map(|f| (f.code.clone(), f.id)).collect(),
        officer,
        reviewer,
        leader: user_ids.get("lanhdao").copied().unwrap_or(reviewer),
        recognised_pct: if bulk.is_some() { 30 } else { 0 },
    };
    let mut made = 0;
    if let Some(progress) = bulk {
        let organiser = Actor {
            user_id: reviewer,
            grants: vec![Grant {
                role: Role::MovementOfficer,
                unit: province.path.clone(),
            }],
        };
        let decided = crate::bulk::recognition_rounds(db, &organiser, province).await?;
        crate::bulk::write_planned(db, &planner, &decided, &mut rng, total, progress).await?;
        made = total;
    }
    for n in (0..total).filter(|_| bulk.is_none()) {
        let plan = planner.plan(&mut rng, n);
        let place = Placement {
            unit_path: &plan.unit.path,
            confirming_id: plan.confirming.id,
            confirming_path: &plan.confirming.path,
        };
        let id = db
            .insert_entry(officer, &plan.registration, &place, plan.at)
            .await?;
        made += 1;
        let mut state = EntryState::Draft;
        for (version, mv) in plan.moves.iter().enumerate() {
            let mut tx = db.pool.begin().await?;
            crate::transitions::apply(
                &mut tx,
                crate::transitions::Mover {
                    actor: &mv.actor,
                    seat: None,
                    at: Some(mv.at),
                },
                mv.transition,
                &crate::transitions::Moving {
                    id,
                    registering: &plan.unit.path,
                    confirming: &plan.confirming.path,
                    state,
                    version: Some(version as i64 + 1),
                },
                Inputs {
                    reason: mv.reason,
                    decision: None,
                },
            )
            .await?;
            tx.commit().await?;
            state = mv.to;
        }
    }
    // Rounds belong to the showcase demo only, not to bulk (benchmark) or tiny (test) data.
    if (100..=1000).contains(&total) {
        demo_rounds(db, province, &user_ids).await?;
        demo_portal(db, province, &user_ids).await?;
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
        let candidates = db.list_entries(&filter).await?.items;
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

/// The portal's first content: two published articles and a draft, and
/// the guidance library with the registration forms DVK itself prints.
async fn demo_portal(
    db: &Db,
    province: &Unit,
    users: &std::collections::HashMap<&str, i64>,
) -> Result<(), ServiceError> {
    use crate::news::{save_article, set_published, ImageChange};
    use dvk_domain::entry::Kind;
    use dvk_domain::news::{ArticleText, GuidanceText};
    let secretariat = Actor {
        user_id: users.get("bandanvan").copied().unwrap_or(0),
        grants: vec![Grant {
            role: Role::MovementOfficer,
            unit: province.path.clone(),
        }],
    };
    let recognised: Vec<i64> = crate::public::sitemap_models(db, 3).await?;
    let models = recognised
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    let articles = [
        (
            "Sơn La triển khai Hướng dẫn xây dựng mô hình, điển hình “Dân vận khéo” giai đoạn mới",
            "Ban Dân vận Tỉnh ủy hướng dẫn các cơ quan, đơn vị và xã, phường đăng ký, xây dựng và nhân rộng mô hình, điển hình “Dân vận khéo”, gắn với nhiệm vụ chính trị của từng nơi.",
            "## Mục đích\n\nPhong trào nhằm nâng cao chất lượng công tác dân vận của cả hệ thống chính trị, \
             phát huy quyền làm chủ của Nhân dân.\n\n## Cách làm\n\n- Đầu năm, đơn vị **đăng ký** mô hình, điển hình với Ủy ban MTTQ cùng cấp;\n\
             - hội đồng **thẩm định** theo tiêu chí, kết quả được **công khai** lấy ý kiến Nhân dân;\n\
             - mô hình hiệu quả được **công nhận** và **nhân rộng**.\n\n\
             Văn bản hướng dẫn và mẫu phiếu đăng ký có trong [thư viện văn bản](/van-ban).",
            String::new(),
            true,
        ),
        (
            "Những mô hình “Dân vận khéo” được công nhận năm 2025",
            "Sau thẩm định và công khai lấy ý kiến Nhân dân, các xã đã ra quyết định công nhận những mô hình, điển hình tiêu biểu năm 2025.",
            "Các mô hình được công nhận trải đều các lĩnh vực kinh tế, văn hóa – xã hội, \
             quốc phòng – an ninh và xây dựng hệ thống chính trị.\n\n\
             > Dân vận khéo thì việc gì cũng thành công.\n\n\
             Danh sách đầy đủ xem tại mục [Mô hình, điển hình được công nhận](/mo-hinh).",
            models,
            true,
        ),
        (
            "Kế hoạch sơ kết phong trào năm 2026 (bản nháp)",
            "Dự thảo kế hoạch sơ kết, chưa đăng.",
            "Nội dung đang soạn.",
            String::new(),
            false,
        ),
    ];
    for (title, lead, body, models, publish) in articles {
        let text =
            ArticleText::parse(title, lead, body, "", &models).map_err(ServiceError::Invalid)?;
        let id = save_article(db, &secretariat, None, &text, ImageChange::Keep).await?;
        if publish {
            set_published(db, &secretariat, id, true).await?;
        }
    }
    for (kind, subject) in [
        (Kind::Model, Subject::Collective),
        (Kind::Exemplar, Subject::Individual),
    ] {
        let form = crate::documents::blank_registration(kind, subject)?;
        let text = GuidanceText::parse(
            &form.name,
            "",
            "",
            "Mẫu phiếu đăng ký theo hướng dẫn của phong trào, để điền khi đăng ký trên giấy.",
        )
        .map_err(ServiceError::Invalid)?;
        crate::guidance::add_guidance(
            db,
            &secretariat,
            &text,
            &format!("{}.docx", form.name),
            &form.bytes,
        )
        .await?;
    }
    Ok(())
}
