//! Accounts and their roles from a spreadsheet (XLSX or CSV: username,
//! full name, e-mail, unit code, role), for an admin setting up many
//! communes at once. Each new account gets a one-time password, shown once
//! and never stored in clear, and must change it at first sign-in.

use super::{
    clean_name, file_error, keep_pending, pending, read_upload, shown, Header, Preview, PreviewRow,
    RowIssue, MAX_IMPORT_BYTES,
};
use crate::accounts::{hash_password, insert_grant_in, insert_user_in, NewAccount};
use crate::credentials::one_time_password;
use crate::db::{q, Db};
use crate::error::{ServiceError, StoreError};
use crate::service::{check_full_name, check_username};
use crate::units::Unit;
use dvk_domain::auth::{self, Actor, Role};
use dvk_domain::text::fold;
use dvk_sheets::read::{read_any, Grid, Limits};
use sqlx::Row;
use std::collections::{HashMap, HashSet};

/// Rows one file may hold: each new account costs a deliberately slow
/// password hash at the confirm, which must finish well inside a request.
pub const MAX_ROWS: usize = 500;
const KIND: &str = "accounts";

/// The columns, each with the names it is recognised by.
const USERNAME: [&str; 2] = ["Tên đăng nhập", "username"];
const FULL_NAME: [&str; 2] = ["Họ và tên", "full name"];
const EMAIL: [&str; 3] = ["Thư điện tử", "e-mail", "email"];
const UNIT: [&str; 3] = ["Mã đơn vị", "unit code", "đơn vị"];
const ROLE: [&str; 2] = ["Vai trò", "role"];

fn limits() -> Limits {
    Limits {
        max_rows: MAX_ROWS,
        ..Limits::default()
    }
}

/// An account to create with its roles.
#[derive(Debug, Clone)]
struct NewPerson {
    username: String,
    full_name: String,
    email: String,
    grants: Vec<(Role, Unit)>,
    first_row: usize,
}

struct Checked {
    rows: Vec<PreviewRow>,
    people: Vec<NewPerson>,
}

fn first_col(h: &Header, names: &[&str]) -> Option<usize> {
    names.iter().find_map(|n| h.col(n))
}

/// The account a new user's one-time password is for.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Created {
    pub username: String,
    pub full_name: String,
    /// "Vai trò tại đơn vị", one per role given.
    pub roles: Vec<String>,
    pub password: String,
}

fn admin_roots(actor: &Actor) -> Result<Vec<dvk_domain::unit::UnitPath>, ServiceError> {
    let roots: Vec<_> = actor
        .grants
        .iter()
        .filter(|g| g.role == Role::Admin)
        .map(|g| g.unit.clone())
        .collect();
    if roots.is_empty() {
        return Err(auth::Denied::NoRole("nhập tài khoản").into());
    }
    Ok(roots)
}

async fn check(db: &Db, actor: &Actor, bytes: &[u8]) -> Result<Checked, ServiceError> {
    if bytes.len() > MAX_IMPORT_BYTES {
        return Err(ServiceError::invalid(
            "file",
            format!("Tệp lớn hơn {} MB.", MAX_IMPORT_BYTES >> 20),
        ));
    }
    let roots = admin_roots(actor)?;
    let grid: Grid = read_upload(bytes, |b| read_any(b, None, &limits())).await?;
    if let Some(form) = grid
        .form
        .as_deref()
        .filter(|f| !f.starts_with("tai-khoan-"))
    {
        return Err(ServiceError::invalid(
            "file",
            format!("Tệp là mẫu “{form}” của DVK, không phải danh sách tài khoản."),
        ));
    }
    let all: Vec<&str> = [&USERNAME[..], &FULL_NAME, &EMAIL, &UNIT, &ROLE].concat();
    let h = USERNAME
        .iter()
        .find_map(|k| Header::find(&grid, k, &all))
        .ok_or_else(|| {
            ServiceError::invalid(
                "file",
                "Không thấy hàng tiêu đề có cột “Tên đăng nhập”. Các cột: Tên đăng nhập, Họ và tên, Thư điện tử, Mã đơn vị, Vai trò.",
            )
        })?;
    let cols = [&USERNAME[..], &FULL_NAME, &EMAIL, &UNIT, &ROLE].map(|names| first_col(&h, names));
    let missing: Vec<&str> = [&USERNAME[..], &FULL_NAME, &UNIT, &ROLE]
        .iter()
        .filter(|names| first_col(&h, names).is_none())
        .map(|names| names[0])
        .collect();
    if !missing.is_empty() {
        return Err(ServiceError::invalid(
            "file",
            format!("Tệp thiếu cột: {}.", missing.join("; ")),
        ));
    }
    h.check_merges(&grid)?;
    grid.data_rows(h.data_from - 1, &limits())
        .map_err(file_error)?;
    let label = |i: usize| {
        cols[i]
            .and_then(|c| h.labels.get(&c).cloned())
            .unwrap_or_default()
    };
    let cell = |r: usize, i: usize| cols[i].map(|c| grid.cell(r, c).text()).unwrap_or_default();

    // Units the admin may give roles at, by official code or exact name.
    let units: Vec<Unit> = db
        .all_units(false)
        .await?
        .into_iter()
        .filter(|u| roots.iter().any(|r| r.covers(&u.path)))
        .collect();
    let rows_of = h.rows(&grid);
    let usernames: Vec<String> = rows_of
        .iter()
        .filter_map(|(r, _)| check_username(&cell(*r, 0)).ok())
        .collect();
    let taken = taken_usernames(db, &usernames).await?;

    let mut out = Checked {
        rows: Vec::new(),
        people: Vec::new(),
    };
    let mut seen_grants: HashMap<(String, Role, i64), usize> = HashMap::new();
    for (r, excel_row) in rows_of {
        let mut issues = Vec::new();
        let mut issue = |i: usize, message: String| {
            issues.push(RowIssue {
                column: label(i),
                message,
            })
        };
        let username = match check_username(&cell(r, 0)) {
            Ok(u) if taken.contains(&u) => {
                issue(0, format!("Tên đăng nhập “{u}” đã có người dùng."));
                None
            }
            Ok(u) => Some(u),
            Err(e) => {
                issue(0, e.message);
                None
            }
        };
        let full_name_raw = cell(r, 1);
        let full_name = match check_full_name(&full_name_raw) {
            Ok(n) => Some(n.to_owned()),
            Err(e) => {
                issue(1, e.message);
                None
            }
        };
        let email = cell(r, 2);
        if !email.is_empty() && (email.len() > 200 || email.parse::<lettre::Address>().is_err()) {
            issue(
                2,
                format!("“{}” không phải địa chỉ thư điện tử.", shown(&email)),
            );
        }
        let unit_raw = cell(r, 3);
        let unit = if unit_raw.is_empty() {
            issue(3, "Cần ghi mã đơn vị (hoặc tên đơn vị).".into());
            None
        } else {
            let f = fold(&unit_raw);
            let by_code: Vec<&Unit> = units
                .iter()
                .filter(|u| u.code.as_deref() == Some(unit_raw.as_str()))
                .collect();
            let found: Vec<&Unit> = if by_code.is_empty() {
                units.iter().filter(|u| fold(&u.name) == f).collect()
            } else {
                by_code
            };
            match found.as_slice() {
                [u] => Some((*u).clone()),
                [] => {
                    issue(
                        3,
                        format!(
                            "Không có đơn vị “{}” trong phạm vi bạn quản trị.",
                            shown(&unit_raw)
                        ),
                    );
                    None
                }
                _ => {
                    issue(
                        3,
                        format!(
                            "Có nhiều đơn vị tên “{}”; hãy ghi mã đơn vị.",
                            shown(&unit_raw)
                        ),
                    );
                    None
                }
            }
        };
        let role_raw = cell(r, 4);
        let role = Role::ALL
            .into_iter()
            .find(|x| fold(x.label()) == fold(&role_raw) || x.code() == role_raw.trim());
        if role.is_none() {
            let names: Vec<&str> = Role::ALL.iter().map(|r| r.label()).collect();
            issue(
                4,
                format!(
                    "Vai trò “{}” không có; chọn một trong: {}.",
                    shown(&role_raw),
                    names.join("; ")
                ),
            );
        }
        if let (Some(u), Some(role), Some(unit)) = (&username, role, &unit) {
            if let Some(first) = seen_grants.get(&(u.clone(), role, unit.id)) {
                issue(4, format!("Trùng với dòng {first} trong tệp."));
            } else {
                seen_grants.insert((u.clone(), role, unit.id), excel_row);
            }
        }
        // One account may take several rows (several roles); its name and
        // e-mail must then agree.
        if let (Some(u), Some(name)) = (&username, &full_name) {
            if let Some(p) = out.people.iter().find(|p| &p.username == u) {
                if fold(&p.full_name) != fold(name) || p.email != email {
                    issue(
                        1,
                        format!(
                            "Tên đăng nhập “{u}” đã có ở dòng {} với họ tên hoặc thư điện tử khác.",
                            p.first_row
                        ),
                    );
                }
            }
        }
        let ok = issues.is_empty();
        out.rows.push(PreviewRow {
            row: excel_row,
            label: format!(
                "{} — {}",
                username.clone().unwrap_or_else(|| shown(&cell(r, 0))),
                shown(&full_name_raw)
            ),
            issues,
            similar: Vec::new(),
        });
        if let (true, Some(u), Some(name), Some(role), Some(unit)) =
            (ok, username, full_name, role, unit)
        {
            match out.people.iter_mut().find(|p| p.username == u) {
                Some(p) => p.grants.push((role, unit)),
                None => out.people.push(NewPerson {
                    username: u,
                    full_name: name,
                    email: email.clone(),
                    grants: vec![(role, unit)],
                    first_row: excel_row,
                }),
            }
        }
    }
    if out.rows.is_empty() {
        return Err(ServiceError::invalid(
            "file",
            "Tệp chưa có dòng dữ liệu nào dưới hàng tiêu đề.",
        ));
    }
    Ok(out)
}

async fn taken_usernames(db: &Db, names: &[String]) -> Result<HashSet<String>, StoreError> {
    let mut taken = HashSet::new();
    let select = "SELECT username FROM users WHERE username IN ";
    for row in super::rows_in(db, select, names).await? {
        taken.insert(row.try_get("username")?);
    }
    Ok(taken)
}

/// The form's kind and version (`DVK_MAU`).
pub const TEMPLATE_FORM: &str = "tai-khoan-1";

/// The accounts form, as XLSX bytes (admins only).
pub async fn template(db: &Db, actor: &Actor) -> Result<Vec<u8>, ServiceError> {
    let roots = admin_roots(actor)?;
    let mut units: Vec<Unit> = db
        .all_units(false)
        .await?
        .into_iter()
        .filter(|u| roots.iter().any(|r| r.covers(&u.path)))
        .collect();
    units.sort_by(|a, b| a.path.as_str().cmp(b.path.as_str()));
    let col = |label: &str, hint: &str, required: bool, choices: Vec<String>, width: f64| {
        dvk_sheets::FormColumn {
            label: label.to_owned(),
            hint: hint.to_owned(),
            required,
            choices,
            width,
        }
    };
    let mut instructions = vec![
        "Mỗi dòng giao một vai trò tại một đơn vị cho một tài khoản. Một người nhiều vai trò thì ghi nhiều dòng cùng tên đăng nhập, cùng họ tên và thư điện tử.".to_owned(),
        "Tên đăng nhập gồm 3–40 ký tự: chữ không dấu, số, dấu chấm, gạch dưới hoặc gạch ngang; chưa có người dùng.".to_owned(),
        "Mã đơn vị: mã đơn vị hành chính (danh mục của Tổng cục Thống kê) hoặc tên đơn vị đúng như trên DVK; chỉ các đơn vị bạn quản trị. Danh sách dưới đây.".to_owned(),
        format!("Mỗi tệp tối đa {MAX_ROWS} dòng. Tệp CSV (UTF-8, phân cách bằng dấu phẩy hoặc chấm phẩy) với cùng tiêu đề cột cũng được nhận."),
        "Khi xác nhận, DVK tạo mọi tài khoản cùng lúc với mật khẩu dùng một lần, hiện một lần và tải được thành bảng Excel; mỗi người phải đổi mật khẩu ở lần đăng nhập đầu tiên.".to_owned(),
        String::new(),
        "ĐƠN VỊ (mã — tên):".to_owned(),
    ];
    instructions.extend(units.iter().map(|u| {
        format!(
            "{} — {}",
            u.code
                .clone()
                .unwrap_or_else(|| "(chưa có mã: ghi tên)".into()),
            u.name
        )
    }));
    let spec = dvk_sheets::FormSpec {
        form: TEMPLATE_FORM.into(),
        title: "MẪU NHẬP TÀI KHOẢN VÀ VAI TRÒ".into(),
        subtitle: format!("Mẫu {TEMPLATE_FORM} · Mỗi dòng một vai trò; cột tô màu là bắt buộc."),
        sheet: "Tài khoản".into(),
        columns: vec![
            col(USERNAME[0], "Ví dụ: canbo.chiengan", true, vec![], 22.0),
            col(
                FULL_NAME[0],
                "Họ và tên đầy đủ, có dấu.",
                true,
                vec![],
                26.0,
            ),
            col(
                EMAIL[0],
                "Không bắt buộc; để nhận thông báo.",
                false,
                vec![],
                28.0,
            ),
            col(
                UNIT[0],
                "Mã đơn vị hoặc tên đơn vị (xem trang Hướng dẫn).",
                true,
                vec![],
                16.0,
            ),
            col(
                ROLE[0],
                "Chọn trong danh sách.",
                true,
                Role::ALL.iter().map(|r| r.label().to_owned()).collect(),
                30.0,
            ),
        ],
        rows: MAX_ROWS as u32,
        instructions,
    };
    tokio::task::spawn_blocking(move || dvk_sheets::write_form(&spec))
        .await
        .map_err(|e| StoreError::Config(e.to_string()))?
        .map_err(|e| ServiceError::Store(StoreError::Config(e.to_string())))
}

/// Checks an upload and keeps it for confirmation.
pub async fn preview(
    db: &Db,
    actor: &Actor,
    file_name: &str,
    bytes: &[u8],
) -> Result<Preview, ServiceError> {
    let checked = check(db, actor, bytes).await?;
    let file_name = clean_name(file_name);
    let id = keep_pending(db, KIND, actor.user_id, None, &file_name, bytes).await?;
    Ok(Preview {
        id,
        file_name,
        rows: checked.rows,
        similar_unchecked: 0,
    })
}

/// The preview of a pending upload again.
pub async fn pending_preview(db: &Db, actor: &Actor, id: i64) -> Result<Preview, ServiceError> {
    let (_, file_name, bytes) = pending(db, KIND, actor.user_id, id).await?;
    let checked = check(db, actor, &bytes).await?;
    Ok(Preview {
        id,
        file_name,
        rows: checked.rows,
        similar_unchecked: 0,
    })
}

/// Creates every account of a pending upload — all or none: a file of
/// accounts is a plan, and half a plan leaves communes without officers.
/// Returns each account's one-time password, which is not kept.
pub async fn confirm(db: &Db, actor: &Actor, id: i64) -> Result<Vec<Created>, ServiceError> {
    let (_, _, bytes) = pending(db, KIND, actor.user_id, id).await?;
    let checked = check(db, actor, &bytes).await?;
    let bad = checked.rows.iter().filter(|r| !r.ok()).count();
    if bad > 0 {
        return Err(ServiceError::Conflict(format!(
            "Tệp còn {bad} dòng có lỗi nên chưa tạo tài khoản nào. Sửa tệp rồi tải lên lại."
        )));
    }
    // Re-check authority over every unit now (the actor's roles may have
    // changed since the preview).
    for p in &checked.people {
        for (_, unit) in &p.grants {
            auth::check_admin(actor, &unit.path)?;
        }
    }
    let people = checked.people;
    let passwords: Vec<String> = people.iter().map(|_| one_time_password()).collect();
    let to_hash = passwords.clone();
    let hashes = tokio::task::spawn_blocking(move || {
        to_hash
            .iter()
            .map(|p| hash_password(p))
            .collect::<Result<Vec<String>, ServiceError>>()
    })
    .await
    .map_err(|e| StoreError::Config(e.to_string()))??;
    let mut tx = db.pool.begin().await?;
    crate::audit::lock_for_write(&mut tx).await?;
    let mut created = Vec::new();
    for ((p, password), hash) in people.iter().zip(passwords).zip(hashes) {
        let user_id = insert_user_in(
            &mut tx,
            Some(actor.user_id),
            &NewAccount {
                username: &p.username,
                full_name: &p.full_name,
                email: &p.email,
                password_hash: &hash,
                must_change_password: true,
            },
        )
        .await?;
        let mut roles = Vec::new();
        for (role, unit) in &p.grants {
            insert_grant_in(&mut tx, Some(actor.user_id), user_id, *role, unit.id).await?;
            roles.push(format!("{} tại {}", role.label(), unit.name));
        }
        created.push(Created {
            username: p.username.clone(),
            full_name: p.full_name.clone(),
            roles,
            password,
        });
    }
    q("DELETE FROM pending_imports WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(created)
}

/// The one-time passwords as an XLSX sheet, to hand out.
pub fn passwords_sheet(
    created: &[Created],
    unit: &str,
    dir: &std::path::Path,
) -> Result<Vec<u8>, StoreError> {
    use dvk_sheets::{Cell, Column, ColumnKind, Format, Heading};
    let heading = Heading {
        title: "DANH SÁCH TÀI KHOẢN VÀ MẬT KHẨU DÙNG MỘT LẦN".into(),
        unit: unit.to_owned(),
        exported_at: crate::exports::exported_now(),
        note: "Mỗi người đổi mật khẩu ngay lần đăng nhập đầu tiên. Giữ kín bảng này; DVK không lưu mật khẩu và không hiện lại."
            .into(),
        sheet: "Tài khoản".into(),
        form: String::new(),
    };
    let columns = vec![
        Column::new("TT", ColumnKind::Count).width(6.0),
        Column::new("Tên đăng nhập", ColumnKind::Text).width(22.0),
        Column::new("Họ và tên", ColumnKind::Text).width(26.0),
        Column::new("Vai trò", ColumnKind::Wrap).width(44.0),
        Column::new("Mật khẩu dùng một lần", ColumnKind::Text).width(22.0),
    ];
    let path = dir.join(format!("mat-khau-{}.xlsx", crate::accounts::random_token()));
    let mut sink = dvk_sheets::open(Format::Xlsx, &heading, &columns, &path)
        .map_err(|e| StoreError::Config(e.to_string()))?;
    for (i, c) in created.iter().enumerate() {
        sink.row(&[
            Cell::Count(i as i64 + 1),
            c.username.clone().into(),
            c.full_name.clone().into(),
            c.roles.join("; ").into(),
            c.password.clone().into(),
        ])
        .map_err(|e| StoreError::Config(e.to_string()))?;
    }
    sink.finish()
        .map_err(|e| StoreError::Config(e.to_string()))?;
    let bytes = std::fs::read(&path).map_err(|e| StoreError::Config(e.to_string()))?;
    let _ = std::fs::remove_file(&path);
    Ok(bytes)
}
