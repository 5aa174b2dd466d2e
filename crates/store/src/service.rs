//! Use cases: each checks authority with the domain rules, parses input
//! into domain values and writes through the repositories in one
//! transaction with its audit record. Pages and the API call these.

use crate::accounts::hash_password;
use crate::db::{now, Db};
use crate::entries::{Attachment, EntryDetail, Placement};
use crate::error::ServiceError;
use crate::reference::Catalogue;
use crate::transitions::{self, Mover, Moving};
use crate::units::{insert_unit, NewUnit, Unit};
use dvk_domain::auth::{self, Actor, Role};
use dvk_domain::entry::{parse_registration, EntryForm, FieldError, Reference, Registration};
use dvk_domain::evidence::{clean_file_name, sniff, MAX_EVIDENCE_BYTES};
use dvk_domain::state::{EntryState, Inputs, Transition};
use dvk_domain::unit::{UnitPath, UNIT_KINDS};
use sha2::{Digest, Sha256};

/// The year in Vietnam (UTC+7) now: it decides "this year".
pub fn current_year() -> i32 {
    dvk_domain::calendar::vn_day(now()).year()
}

/// Parses a registration against the catalogue.
pub fn parse_entry_form(
    cat: &Catalogue,
    form: &EntryForm,
) -> Result<Registration, Vec<FieldError>> {
    let field_ids: Vec<i64> = cat.fields.iter().map(|f| f.id).collect();
    let levels: Vec<&str> = cat
        .active_levels()
        .iter()
        .map(|l| l.code.as_str())
        .collect();
    let phases: Vec<(&str, i32, i32)> = cat
        .phases
        .iter()
        .map(|p| (p.code.as_str(), p.first_year, p.last_year))
        .collect();
    // 2021–2025 entries may still be registered for a district level, which
    // existed then; the parser allows the levels valid for the chosen year.
    let mut levels = levels;
    if form
        .year
        .trim()
        .parse::<i32>()
        .map(|y| y <= 2025)
        .unwrap_or(false)
    {
        levels.extend(
            cat.levels
                .iter()
                .filter(|l| l.historical)
                .map(|l| l.code.as_str()),
        );
    }
    parse_registration(
        form,
        &Reference {
            field_ids: &field_ids,
            level_codes: &levels,
            phases: &phases,
            current_year: current_year(),
        },
    )
}

/// Works out the registering and confirming units and checks both exist
/// and were valid in the entry's year.
async fn place(db: &Db, actor: &Actor, r: &Registration) -> Result<(Unit, Unit), ServiceError> {
    let unit = db
        .unit(r.unit_id)
        .await?
        .ok_or_else(|| ServiceError::invalid("unit_id", "Đơn vị đăng ký không tồn tại."))?;
    // Authority first, so nothing about other units is revealed.
    auth::check_create_entry(actor, &unit.path)?;
    let lineage = db.lineage(&unit.path).await?;
    let confirming = place_in(&unit, &lineage, r)?;
    Ok((unit, confirming))
}

/// The confirming unit of `r` registered by `unit` (whose lineage, root
/// first, is given), after checking the unit was valid in the entry's
/// year. No I/O, so a file of many rows for one unit is checked at once.
pub(crate) fn place_in(
    unit: &Unit,
    lineage: &[Unit],
    r: &Registration,
) -> Result<Unit, ServiceError> {
    let year_start = format!("{}-01-01", r.year);
    let year_end = format!("{}-12-31", r.year);
    if unit
        .valid_to
        .as_deref()
        .is_some_and(|d| d < year_start.as_str())
    {
        return Err(ServiceError::invalid(
            "unit_id",
            format!(
                "Đơn vị “{}” đã thôi hoạt động trước năm {} (sau sắp xếp đơn vị hành chính).",
                unit.name, r.year
            ),
        ));
    }
    if unit
        .valid_from
        .as_deref()
        .is_some_and(|d| d > year_end.as_str())
    {
        return Err(ServiceError::invalid(
            "unit_id",
            format!("Đơn vị “{}” chưa thành lập vào năm {}.", unit.name, r.year),
        ));
    }
    lineage
        .iter()
        .rev()
        .find(|u| u.level_code.as_deref() == Some(r.target_level.as_str()))
        .cloned()
        .ok_or_else(|| {
            ServiceError::invalid(
                "target_level",
                "Đơn vị đăng ký không thuộc cấp đã chọn nên không xác định được nơi tiếp nhận.",
            )
        })
}

/// The entry if the actor may see it; otherwise "not found", so ids of
/// other units' entries reveal nothing.
pub async fn view_entry(db: &Db, actor: &Actor, id: i64) -> Result<EntryDetail, ServiceError> {
    let e = db.entry(id).await?.ok_or(ServiceError::NotFound("hồ sơ"))?;
    may_view(db, actor, &e).await?;
    Ok(e)
}

/// Whether `actor` may read entry `e`, just read: "not found" when not,
/// so a reader learns nothing of others' entries.
pub(crate) async fn may_view(db: &Db, actor: &Actor, e: &EntryDetail) -> Result<(), ServiceError> {
    if auth::can_view_entry(actor, &e.scope()) {
        return Ok(());
    }
    // Records of units merged away in 2025 belong to their successors too.
    let successors = db.successor_paths(&e.unit_path).await?;
    if auth::can_view_inherited(actor, &successors) {
        return Ok(());
    }
    Err(ServiceError::NotFound("hồ sơ"))
}

pub async fn create_entry(
    db: &Db,
    cat: &Catalogue,
    actor: &Actor,
    form: &EntryForm,
) -> Result<i64, ServiceError> {
    let r = parse_entry_form(cat, form).map_err(ServiceError::Invalid)?;
    let (unit, confirming) = place(db, actor, &r).await?;
    check_replicates(db, actor, &r, None).await?;
    let place = Placement {
        unit_path: &unit.path,
        confirming_id: confirming.id,
        confirming_path: &confirming.path,
    };
    Ok(db.insert_entry(actor.user_id, &r, &place, now()).await?)
}

/// A model may replicate one its registering officer can see, or any
/// recognised model (recognised models are public); never itself, nor one
/// that replicates it.
async fn check_replicates(
    db: &Db,
    actor: &Actor,
    r: &Registration,
    own_id: Option<i64>,
) -> Result<(), ServiceError> {
    if let Some(id) = r.replicates {
        if Some(id) == own_id {
            return Err(ServiceError::invalid(
                "replicates",
                "Hồ sơ không thể nhân rộng từ chính nó.",
            ));
        }
        let usable = match db.entry(id).await? {
            Some(e) => {
                auth::can_view_entry(actor, &e.scope())
                    || matches!(
                        e.state,
                        EntryState::Recognised | EntryState::Outstanding | EntryState::Rewarded
                    )
            }
            _ => false,
        };
        if !usable {
            return Err(ServiceError::invalid(
                "replicates",
                format!("Không có mô hình mã #{id} để nhân rộng."),
            ));
        }
        // Only then, so nothing is said of a model the officer may not
        // see: no lineage may loop; the model replicated must not descend,
        // however far, from the entry being edited.
        if let Some(own) = own_id {
            if db.replication_chain(id).await?.contains(&own) {
                return Err(ServiceError::invalid(
                    "replicates",
                    format!(
                        "Mô hình #{id} được nhân rộng (trực tiếp hoặc qua mô hình khác) từ chính hồ sơ này, nên hồ sơ không thể nhân rộng từ nó."
                    ),
                ));
            }
        }
    }
    Ok(())
}

pub async fn update_entry(
    db: &Db,
    cat: &Catalogue,
    actor: &Actor,
    id: i64,
    form: &EntryForm,
    version: i64,
) -> Result<(), ServiceError> {
    let old = view_entry(db, actor, id).await?;
    auth::check_edit_entry(actor, &old.scope())?;
    let r = parse_entry_form(cat, form).map_err(ServiceError::Invalid)?;
    let (unit, confirming) = place(db, actor, &r).await?;
    check_replicates(db, actor, &r, Some(id)).await?;
    let place = Placement {
        unit_path: &unit.path,
        confirming_id: confirming.id,
        confirming_path: &confirming.path,
    };
    db.update_entry(actor.user_id, &old, &r, &place, version)
        .await
}

/// Applies a transition of the entry's life after checking who, where,
/// from which state, and with which inputs.
pub async fn transition(
    db: &Db,
    actor: &Actor,
    id: i64,
    t: Transition,
    reason: &str,
    version: i64,
) -> Result<EntryState, ServiceError> {
    if !dvk_domain::state::REGISTRATION_TRANSITIONS.contains(&t) {
        return Err(ServiceError::invalid(
            "transition",
            "Thao tác này được thực hiện qua đợt xét, quyết định hoặc rà soát tương ứng.",
        ));
    }
    let e = view_entry(db, actor, id).await?;
    auth::check_transition(actor, t, &e.scope())?;
    let rule = t.rule();
    let reason = reason.trim();
    if rule.reason_required && reason.is_empty() {
        return Err(ServiceError::invalid(
            "reason",
            "Cần nêu lý do (ví dụ: mục còn thiếu cần bổ sung).",
        ));
    }
    if reason.chars().count() > 2000 {
        return Err(ServiceError::invalid(
            "reason",
            "Lý do dài quá 2.000 ký tự.",
        ));
    }
    if t == Transition::Submit {
        let missing = e.registration.missing_for_submission();
        if !missing.is_empty() {
            return Err(ServiceError::Invalid(missing));
        }
    }
    let mut moving = Moving::from(&e);
    moving.version = Some(version);
    let mut tx = db.pool.begin().await?;
    let to = transitions::apply(
        &mut tx,
        Mover::person(actor),
        t,
        &moving,
        Inputs {
            reason,
            decision: None,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(to)
}

/// Whether the actor may add evidence to the entry and it has room: asked
/// before an upload's body is read, so a refused upload costs nothing.
pub async fn evidence_slot(db: &Db, actor: &Actor, entry_id: i64) -> Result<(), ServiceError> {
    let e = view_entry(db, actor, entry_id).await?;
    auth::check_add_evidence(actor, &e.scope())?;
    let (files, bytes) = db.attachment_totals(entry_id).await?;
    dvk_domain::evidence::room_for(files, bytes, 0).map_err(|m| ServiceError::invalid("file", m))
}

pub async fn add_attachment(
    db: &Db,
    actor: &Actor,
    entry_id: i64,
    file_name: &str,
    bytes: &[u8],
) -> Result<i64, ServiceError> {
    let e = view_entry(db, actor, entry_id).await?;
    auth::check_add_evidence(actor, &e.scope())?;
    if bytes.is_empty() {
        return Err(ServiceError::invalid(
            "file",
            "Chưa chọn tệp minh chứng hoặc tệp rỗng.",
        ));
    }
    if bytes.len() > MAX_EVIDENCE_BYTES {
        return Err(ServiceError::invalid("file", "Tệp vượt quá 20 MB."));
    }
    let kind = sniff(bytes).ok_or_else(|| {
        ServiceError::invalid("file", "Tệp không phải PDF, JPEG, PNG, DOCX hoặc XLSX (kiểm tra theo nội dung tệp, không theo đuôi tên).")
    })?;
    let name = clean_file_name(file_name, kind);
    let sha = hex::encode(Sha256::digest(bytes));
    db.insert_attachment(actor.user_id, entry_id, &name, kind.mime(), bytes, &sha)
        .await?
        .map_err(|m| ServiceError::invalid("file", m))
}

/// An attachment and its bytes, if the actor may see its entry.
pub async fn download_attachment(
    db: &Db,
    actor: &Actor,
    id: i64,
) -> Result<(Attachment, Vec<u8>), ServiceError> {
    let a = db
        .attachment(id)
        .await?
        .ok_or(ServiceError::NotFound("tệp minh chứng"))?;
    view_entry(db, actor, a.entry_id)
        .await
        .map_err(|_| ServiceError::NotFound("tệp minh chứng"))?;
    let bytes = db
        .attachment_content(id)
        .await?
        .ok_or(ServiceError::NotFound("tệp minh chứng"))?;
    Ok((a, bytes))
}

// ---- accounts ----

pub fn check_username(raw: &str) -> Result<String, FieldError> {
    let u = raw.trim().to_lowercase();
    let ok = (3..=40).contains(&u.len())
        && u.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
    if ok {
        Ok(u)
    } else {
        Err(FieldError::new(
            "username",
            "Tên đăng nhập gồm 3–40 ký tự: chữ không dấu, số, dấu chấm, gạch dưới hoặc gạch ngang.",
        ))
    }
}

/// A person's full name as an account holds it.
pub fn check_full_name(raw: &str) -> Result<&str, FieldError> {
    let full_name = raw.trim();
    if full_name.is_empty()
        || full_name.chars().count() > 120
        || full_name.chars().any(dvk_domain::text::is_unfit_char)
    {
        return Err(FieldError::new(
            "full_name",
            "Cần nhập họ và tên (tối đa 120 ký tự).",
        ));
    }
    Ok(full_name)
}

/// Creates an account. `actor` None is the operator at the command line.
pub async fn create_user(
    db: &Db,
    actor: Option<&Actor>,
    username: &str,
    full_name: &str,
    password: &str,
) -> Result<i64, ServiceError> {
    if let Some(a) = actor {
        if !a.is_admin_anywhere() {
            return Err(auth::Denied::NoRole("tạo tài khoản").into());
        }
    }
    let mut errors = Vec::new();
    let username = check_username(username).map_err(|e| errors.push(e)).ok();
    let full_name = check_full_name(full_name)
        .map_err(|e| errors.push(e))
        .unwrap_or("");
    if let Err(e) =
        crate::credentials::check_password_for(username.as_deref().unwrap_or(""), password)
    {
        errors.push(e);
    }
    let Some(username) = username.filter(|_| errors.is_empty()) else {
        return Err(ServiceError::Invalid(errors));
    };
    let pw = password.to_owned();
    let hash = tokio::task::spawn_blocking(move || hash_password(&pw))
        .await
        .map_err(|e| ServiceError::Conflict(e.to_string()))??;
    db.insert_user(actor.map(|a| a.user_id), &username, full_name, &hash)
        .await
}

pub async fn grant_role(
    db: &Db,
    actor: Option<&Actor>,
    user_id: i64,
    role: Role,
    unit_id: i64,
) -> Result<i64, ServiceError> {
    let unit = db
        .unit(unit_id)
        .await?
        .ok_or_else(|| ServiceError::invalid("unit_id", "Đơn vị không tồn tại."))?;
    if let Some(a) = actor {
        auth::check_admin(a, &unit.path)?;
    }
    if !db.user_exists(user_id).await? {
        return Err(ServiceError::invalid(
            "user_id",
            "Người dùng không tồn tại.",
        ));
    }
    db.insert_grant(actor.map(|a| a.user_id), user_id, role, unit_id)
        .await
}

pub async fn revoke_grant(db: &Db, actor: &Actor, grant_id: i64) -> Result<(), ServiceError> {
    let g = db
        .grant(grant_id)
        .await?
        .ok_or(ServiceError::NotFound("vai trò"))?;
    auth::check_admin(actor, &g.unit_path)?;
    if g.user_id == actor.user_id && g.role == Role::Admin {
        return Err(ServiceError::Conflict(
            "Không thể tự thu hồi quyền quản trị của chính mình.".into(),
        ));
    }
    db.delete_grant(Some(actor.user_id), &g).await
}

/// The accounts an admin manages: those holding a role inside the admin's
/// subtrees, and accounts with no role yet (so they can be given one).
pub async fn users_for_admin(
    db: &Db,
    actor: &Actor,
) -> Result<Vec<(crate::accounts::UserRow, Vec<crate::accounts::GrantRow>)>, ServiceError> {
    let roots: Vec<UnitPath> = actor
        .grants
        .iter()
        .filter(|g| g.role == Role::Admin)
        .map(|g| g.unit.clone())
        .collect();
    if roots.is_empty() {
        return Err(auth::Denied::NoRole("quản trị").into());
    }
    Ok(db
        .users_with_grants()
        .await?
        .into_iter()
        .filter(|(_, gs)| {
            gs.is_empty()
                || gs
                    .iter()
                    .any(|g| roots.iter().any(|r| r.covers(&g.unit_path)))
        })
        .collect())
}

/// Adds a unit under `parent_id`; admins of the parent's subtree only.
pub async fn create_unit(
    db: &Db,
    actor: &Actor,
    parent_id: i64,
    name: &str,
    kind: &str,
) -> Result<i64, ServiceError> {
    let parent = db
        .unit(parent_id)
        .await?
        .ok_or_else(|| ServiceError::invalid("parent_id", "Đơn vị cấp trên không tồn tại."))?;
    auth::check_admin(actor, &parent.path)?;
    let name = name.trim();
    let mut errors = Vec::new();
    if name.is_empty()
        || name.chars().count() > 200
        || name.chars().any(dvk_domain::text::is_unfit_char)
    {
        errors.push(FieldError::new(
            "name",
            "Cần nhập tên đơn vị (tối đa 200 ký tự).",
        ));
    }
    if !UNIT_KINDS.iter().any(|(c, _)| *c == kind)
        || matches!(kind, "tinh" | "huyen" | "xa" | "phuong")
    {
        errors.push(FieldError::new("kind", "Chọn loại đơn vị trong danh sách."));
    }
    if parent.valid_to.is_some() {
        errors.push(FieldError::new(
            "parent_id",
            "Đơn vị cấp trên đã thôi hoạt động.",
        ));
    }
    if !errors.is_empty() {
        return Err(ServiceError::Invalid(errors));
    }
    let mut tx = db.pool.begin().await?;
    let unit = insert_unit(
        &mut tx,
        &NewUnit {
            parent: Some(&parent),
            code: None,
            name,
            kind,
            level_code: None,
            valid_from: None,
            valid_to: None,
        },
    )
    .await?;
    crate::audit::append(
        &mut tx,
        crate::audit::AuditEvent {
            actor_id: Some(actor.user_id),
            action: "unit.create",
            record_type: "unit",
            record_id: unit.id,
            changes: serde_json::json!({"name": [null, name], "kind": [null, kind], "parent_id": [null, parent_id]}),
            ..Default::default()
        },
    )
    .await?;
    tx.commit().await?;
    Ok(unit.id)
}

/// The subtrees `actor` may list: those of their units, and those of the
/// units merged into them in 2025, whose records they inherit (as
/// `view_entry` lets them read each one). Cached per units version.
pub async fn readable_roots(db: &Db, actor: &Actor) -> Result<Vec<UnitPath>, ServiceError> {
    let mut roots = actor.visible_roots();
    if roots.is_empty() {
        return Ok(roots);
    }
    if let Some(readable) = db.inherited.get(&roots) {
        return Ok(readable);
    }
    let version = db.inherited.version();
    let visible = roots.clone();
    let mut conds = Vec::new();
    let mut values = Vec::new();
    for r in &roots {
        let n = values.len() + 1;
        conds.push(format!("(n.path >= ${n} AND n.path < ${})", n + 1));
        values.push(r.as_str().to_owned());
        values.push(r.subtree_upper_bound());
    }
    let sql = format!(
        "SELECT DISTINCT p.path FROM unit_successors s JOIN units p ON p.id = s.predecessor_id \
         JOIN units n ON n.id = s.successor_id WHERE {}",
        conds.join(" OR ")
    );
    let mut query = crate::db::q(&sql);
    for v in values {
        query = query.bind(v);
    }
    let inherited: Vec<UnitPath> = query
        .fetch_all(&db.read)
        .await?
        .iter()
        .filter_map(|r| sqlx::Row::try_get::<String, _>(r, 0).ok())
        .filter_map(|p| UnitPath::parse(&p))
        .collect();
    for p in inherited {
        if !roots.iter().any(|r| r.covers(&p)) {
            roots.push(p);
        }
    }
    db.inherited.put(version, visible, roots.clone());
    Ok(roots)
}

/// A page of the entries `actor` may read that match `filter`, and the
/// total: the reader's units decide what is visible, whatever the filter.
pub async fn list_entries(
    db: &Db,
    actor: &Actor,
    mut filter: crate::entries::EntryFilter,
) -> Result<crate::entries::Listed, ServiceError> {
    filter.visible = readable_roots(db, actor).await?;
    filter.public_only = false;
    Ok(db.list_entries(&filter).await?)
}
