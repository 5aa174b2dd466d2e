//! Registrations from a spreadsheet: the template a unit fills (the ten
//! items and the personal items as columns, drop-downs for the choices),
//! the preview of an upload, and its confirmation as drafts. DVK's own
//! entry export reads back the same way, so a list moves between units.

use super::{
    clean_name, file_error, keep_pending, pending, read_upload, shown, Header, Mode, Preview,
    PreviewRow, RowIssue, MAX_IMPORT_BYTES,
};
use crate::db::{now, q, Db};
use crate::entries::{insert_entry_in, Placement};
use crate::error::{ServiceError, StoreError};
use crate::reference::Catalogue;
use crate::service::{parse_entry_form, place_in};
use crate::units::Unit;
use dvk_domain::auth::{self, Actor};
use dvk_domain::entry::{
    EntryForm, Gender, Kind, Registration, Subject, ITEMS, ITEM_HINTS, PERSON_ITEMS,
};
use dvk_domain::text::fold;
use dvk_sheets::read::{read_xlsx, Grid, Limits};
use dvk_sheets::{write_form, FormColumn, FormSpec};
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::Row;
use std::collections::HashMap;

/// The template's kind and version (`DVK_MAU`).
pub const TEMPLATE_FORM: &str = "dang-ky-1";
/// DVK's entry export, which imports as well.
pub const EXPORT_FORM: &str = "ho-so-1";
/// Rows one file may hold.
pub const MAX_ROWS: usize = 2_000;
const KIND: &str = "registrations";

const L_KIND: &str = "Loại";
const L_SUBJECT: &str = "Đối tượng";
const L_FIELD: &str = "Lĩnh vực";
const L_LEVEL: &str = "Cấp đề nghị công nhận";
const L_YEAR: &str = "Năm";

fn limits() -> Limits {
    Limits {
        max_rows: MAX_ROWS,
        ..Limits::default()
    }
}

fn person_label(key: &str) -> &'static str {
    PERSON_ITEMS
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, l)| *l)
        .unwrap_or("")
}

/// The column a parser's field key is read from.
fn label_of(key: &str) -> &'static str {
    match key {
        "kind" => L_KIND,
        "subject" => L_SUBJECT,
        "field_id" => L_FIELD,
        "target_level" => L_LEVEL,
        "year" | "phase" => L_YEAR,
        "unit_id" | "replicates" => "",
        k => ITEMS
            .iter()
            .find(|(i, _)| *i == k)
            .map(|(_, l)| *l)
            .unwrap_or_else(|| person_label(k)),
    }
}

fn known_labels() -> Vec<&'static str> {
    let mut v = vec![ITEMS[0].1, L_KIND, L_SUBJECT, L_FIELD, L_LEVEL, L_YEAR];
    v.extend(ITEMS[1..].iter().map(|(_, l)| *l));
    v.extend(PERSON_ITEMS.iter().map(|(_, l)| *l));
    v
}

/// The units `actor` may import registrations for (as on the entry form).
pub fn may_import_for(actor: &Actor, unit: &Unit) -> Result<(), ServiceError> {
    auth::check_create_entry(actor, &unit.path)?;
    if unit.valid_to.is_some() {
        return Err(ServiceError::invalid(
            "unit_id",
            format!("Đơn vị “{}” đã thôi hoạt động.", unit.name),
        ));
    }
    Ok(())
}

async fn importing_unit(db: &Db, actor: &Actor, unit_id: i64) -> Result<Unit, ServiceError> {
    let unit = db
        .unit(unit_id)
        .await?
        .ok_or_else(|| ServiceError::invalid("unit_id", "Chọn đơn vị đăng ký."))?;
    may_import_for(actor, &unit)?;
    Ok(unit)
}

/// The template for `unit_id`, as XLSX bytes.
pub async fn template(
    db: &Db,
    cat: &Catalogue,
    actor: &Actor,
    unit_id: i64,
) -> Result<Vec<u8>, ServiceError> {
    let unit = importing_unit(db, actor, unit_id).await?;
    let col =
        |label: &str, hint: &str, required: bool, choices: Vec<String>, width: f64| FormColumn {
            label: label.to_owned(),
            hint: hint.to_owned(),
            required,
            choices,
            width,
        };
    let mut columns = vec![
        col("TT", "Số thứ tự (không bắt buộc).", false, vec![], 6.0),
        col(ITEMS[0].1, ITEM_HINTS[0], true, vec![], 36.0),
        col(
            L_KIND,
            "Mô hình hoặc Điển hình.",
            true,
            [Kind::Model, Kind::Exemplar]
                .iter()
                .map(|k| k.label().to_owned())
                .collect(),
            12.0,
        ),
        col(
            L_SUBJECT,
            "Tập thể hoặc Cá nhân. Cá nhân điền thêm các cột thông tin cá nhân.",
            true,
            [Subject::Collective, Subject::Individual]
                .iter()
                .map(|s| s.label().to_owned())
                .collect(),
            12.0,
        ),
        col(
            L_FIELD,
            "Chọn trong danh mục lĩnh vực.",
            true,
            cat.fields.iter().map(|f| f.name.clone()).collect(),
            24.0,
        ),
        col(
            L_LEVEL,
            "Cấp đăng ký công nhận.",
            true,
            cat.active_levels().iter().map(|l| l.name.clone()).collect(),
            14.0,
        ),
        col(
            L_YEAR,
            "Năm đăng ký, ví dụ 2026 (năm thuộc một giai đoạn của phong trào).",
            true,
            vec![],
            8.0,
        ),
    ];
    for (i, (_, label)) in ITEMS.iter().enumerate().skip(1) {
        columns.push(col(label, ITEM_HINTS[i], true, vec![], 40.0));
    }
    for (key, label) in PERSON_ITEMS {
        let (choices, width, hint) = match key {
            "gender" => (
                vec![Gender::Male.label().into(), Gender::Female.label().into()],
                9.0,
                "Nam hoặc Nữ.",
            ),
            "party_member" => (vec!["Có".into(), "Không".into()], 9.0, "Có hoặc Không."),
            "birth_year" => (vec![], 9.0, "Ví dụ 1978."),
            "example" => (vec![], 36.0, "Gương mẫu của bản thân và gia đình."),
            _ => (vec![], 20.0, ""),
        };
        let hint = format!("Chỉ điền khi đối tượng là cá nhân. {hint}");
        columns.push(col(label, &hint, false, choices, width));
    }
    let phases: Vec<String> = cat
        .phases
        .iter()
        .map(|p| format!("{} ({}–{})", p.name, p.first_year, p.last_year))
        .collect();
    let spec = FormSpec {
        form: TEMPLATE_FORM.into(),
        title: "MẪU NHẬP HỒ SƠ ĐĂNG KÝ MÔ HÌNH, ĐIỂN HÌNH “DÂN VẬN KHÉO”".into(),
        subtitle: format!(
            "Đơn vị đăng ký: {} · Mẫu {} · Mỗi dòng là một hồ sơ; cột tô màu là bắt buộc.",
            unit.name, TEMPLATE_FORM
        ),
        sheet: "Đăng ký".into(),
        columns,
        rows: MAX_ROWS as u32,
        instructions: vec![
            format!("Đơn vị đăng ký: {}. Các hồ sơ trong tệp được nhập thành hồ sơ nháp của đơn vị này; sau khi nhập, đơn vị kiểm tra, bổ sung minh chứng và gửi từng hồ sơ như hồ sơ nhập trên DVK.", unit.name),
            "1. Điền mỗi hồ sơ trên một dòng của trang “Đăng ký”, bắt đầu từ dòng ngay dưới hàng tiêu đề. Không đổi tên, thứ tự hay nội dung hàng tiêu đề; không gộp ô; không ẩn trang tính.".into(),
            "2. Cột tô màu là bắt buộc: tên mô hình, điển hình; loại; đối tượng; lĩnh vực; cấp đề nghị công nhận; năm; và mười mục nội dung đăng ký. Điển hình cá nhân điền thêm họ và tên, năm sinh, giới tính, dân tộc, chức vụ, đơn vị công tác và gương mẫu của bản thân, gia đình.".into(),
            "3. Loại, đối tượng, lĩnh vực, cấp, giới tính và đảng viên chọn trong danh sách thả xuống (danh sách ở trang “Danh mục”).".into(),
            format!("4. Năm ghi bằng số (ví dụ 2026) và phải thuộc một giai đoạn: {}. Ngày tháng ghi dạng dd/mm/yyyy cũng được nhận (lấy năm).", phases.join("; ")),
            format!("5. Mỗi tệp tối đa {MAX_ROWS} dòng và {} MB. Tên mô hình tối đa {} ký tự, mỗi mục nội dung tối đa {} ký tự.", MAX_IMPORT_BYTES >> 20, dvk_domain::entry::TITLE_MAX, dvk_domain::entry::ITEM_MAX),
            "6. Tải tệp lên ở trang “Nhập hồ sơ từ Excel”. DVK kiểm tra từng dòng và hiển thị lỗi theo dòng và cột; chưa ghi gì cho tới khi người nhập xác nhận. Khi xác nhận, chọn “tất cả hoặc không” hoặc “chỉ các dòng hợp lệ”.".into(),
            "7. Nhập lại cùng một tệp không tạo hồ sơ trùng: dòng đã nhập trước đây được báo là đã có.".into(),
            "Công thức trong ô được đọc theo giá trị đã tính lưu trong tệp, DVK không tính lại công thức.".into(),
        ],
    };
    tokio::task::spawn_blocking(move || write_form(&spec))
        .await
        .map_err(|e| StoreError::Config(e.to_string()))?
        .map_err(|e| ServiceError::Store(StoreError::Config(e.to_string())))
}

/// A row turned into what the entry form would have received.
fn form_of(
    cat: &Catalogue,
    grid: &Grid,
    h: &Header,
    r: usize,
    unit_id: i64,
    issues: &mut Vec<RowIssue>,
) -> EntryForm {
    let text = |label: &str| h.value(grid, r, label).text();
    let mut issue = |label: &str, message: String| {
        issues.push(RowIssue {
            column: label.to_owned(),
            message,
        })
    };
    let choose = |raw: &str, options: &[(String, String)]| -> Option<String> {
        let f = fold(raw);
        options
            .iter()
            .find(|(name, code)| fold(name) == f || fold(code) == f)
            .map(|(_, code)| code.clone())
    };
    let mut form = EntryForm {
        unit_id: unit_id.to_string(),
        ..EntryForm::default()
    };
    // Choices: the label as listed (or the code), any case or accents.
    let kinds: Vec<(String, String)> = [Kind::Model, Kind::Exemplar]
        .iter()
        .map(|k| (k.label().to_owned(), k.code().to_owned()))
        .collect();
    let subjects: Vec<(String, String)> = [Subject::Collective, Subject::Individual]
        .iter()
        .map(|s| (s.label().to_owned(), s.code().to_owned()))
        .collect();
    let levels: Vec<(String, String)> = cat
        .levels
        .iter()
        .map(|l| (l.name.clone(), l.code.clone()))
        .collect();
    for (label, options, slot, what) in [
        (L_KIND, &kinds, &mut form.kind, "Mô hình hoặc Điển hình"),
        (
            L_SUBJECT,
            &subjects,
            &mut form.subject,
            "Tập thể hoặc Cá nhân",
        ),
        (
            L_LEVEL,
            &levels,
            &mut form.target_level,
            "một cấp trong danh sách",
        ),
    ] {
        let raw = text(label);
        if raw.is_empty() {
            continue; // the parser names what is missing
        }
        match choose(&raw, options) {
            Some(code) => *slot = code,
            None => issue(label, format!("“{}” không đúng; chọn {what}.", shown(&raw))),
        }
    }
    let field = text(L_FIELD);
    if !field.is_empty() {
        let matches: Vec<i64> = cat
            .fields
            .iter()
            .filter(|f| fold(&f.name) == fold(&field) || fold(&f.code) == fold(&field))
            .map(|f| f.id)
            .collect();
        match matches.as_slice() {
            [id] => form.field_id = id.to_string(),
            [] => issue(
                L_FIELD,
                format!("Lĩnh vực “{}” không có trong danh mục.", shown(&field)),
            ),
            _ => issue(
                L_FIELD,
                format!(
                    "Lĩnh vực “{}” trùng tên nhiều mục trong danh mục; chọn lại trong danh sách.",
                    shown(&field)
                ),
            ),
        }
    }
    let year = h.value(grid, r, L_YEAR);
    if !year.is_empty() {
        match year.year() {
            Some(y) => {
                form.year = y.to_string();
                if let Some(p) = cat
                    .phases
                    .iter()
                    .find(|p| (p.first_year..=p.last_year).contains(&y))
                {
                    form.phase = p.code.clone();
                } else {
                    issue(
                        L_YEAR,
                        format!("Năm {y} không thuộc giai đoạn nào của phong trào."),
                    );
                }
            }
            None => issue(
                L_YEAR,
                format!("“{}” không phải là năm (ví dụ 2026).", shown(&year.text())),
            ),
        }
    }
    let items: [&mut String; 10] = [
        &mut form.title,
        &mut form.situation,
        &mut form.objectives,
        &mut form.content,
        &mut form.area,
        &mut form.forces,
        &mut form.resources,
        &mut form.timeline,
        &mut form.outputs,
        &mut form.sustainability,
    ];
    for (slot, (_, label)) in items.into_iter().zip(ITEMS.iter()) {
        *slot = text(label);
    }
    if form.subject == Subject::Individual.code() {
        form.person_name = text(person_label("person_name"));
        form.ethnicity = text(person_label("ethnicity"));
        form.position = text(person_label("position"));
        form.example = text(person_label("example"));
        let by = h.value(grid, r, person_label("birth_year"));
        form.birth_year = by
            .year()
            .map(|y| y.to_string())
            .unwrap_or_else(|| by.text());
        let g = fold(&text(person_label("gender")));
        form.gender = [Gender::Male, Gender::Female]
            .iter()
            .find(|x| fold(x.label()) == g || fold(x.code()) == g)
            .map(|x| x.code().to_owned())
            .unwrap_or(g);
        let p = fold(&text(person_label("party_member")));
        form.party_member = if matches!(p.as_str(), "co" | "x" | "1" | "true" | "dang vien") {
            "1".into()
        } else {
            String::new()
        };
    }
    form
}

/// What identifies a row's registration for one unit: its unit and every
/// value, folded, so the same row imported again is recognised.
fn fingerprint(unit_id: i64, r: &Registration) -> String {
    let p = &r.person;
    let mut h = Sha256::new();
    let parts = [
        unit_id.to_string(),
        r.kind.code().into(),
        r.subject.code().into(),
        r.field_id.to_string(),
        r.target_level.clone(),
        r.year.to_string(),
        p.name.clone(),
        p.birth_year.map(|y| y.to_string()).unwrap_or_default(),
    ];
    for part in parts.iter().chain(r.items.iter()) {
        h.update(fold(part).as_bytes());
        h.update([0u8]);
    }
    hex::encode(h.finalize())
}

/// A checked row: its preview and, when valid, what to write.
struct Checked {
    preview: PreviewRow,
    entry: Option<(Registration, Unit, String)>,
}

async fn fingerprints_known(
    db: &Db,
    prints: &[String],
) -> Result<HashMap<String, i64>, StoreError> {
    let mut known = HashMap::new();
    let select = "SELECT fingerprint, entry_id FROM import_fingerprints WHERE fingerprint IN ";
    for row in super::rows_in(db, select, prints).await? {
        known.insert(row.try_get("fingerprint")?, row.try_get("entry_id")?);
    }
    Ok(known)
}

/// Reads and checks a file for `unit`: every row, every problem.
async fn check(
    db: &Db,
    cat: &Catalogue,
    unit: &Unit,
    bytes: &[u8],
) -> Result<Vec<Checked>, ServiceError> {
    if bytes.len() > MAX_IMPORT_BYTES {
        return Err(ServiceError::invalid(
            "file",
            format!("Tệp lớn hơn {} MB.", MAX_IMPORT_BYTES >> 20),
        ));
    }
    let grid = read_upload(bytes, |b| read_xlsx(b, None, &limits())).await?;
    match grid.form.as_deref() {
        Some(TEMPLATE_FORM) | Some(EXPORT_FORM) => {}
        Some(other) if other.starts_with("dang-ky-") || other.starts_with("ho-so-") => {
            return Err(ServiceError::invalid(
                "file",
                format!("Tệp làm theo mẫu cũ ({other}); mẫu hiện hành là {TEMPLATE_FORM}. Hãy tải mẫu mới và chép dữ liệu sang."),
            ))
        }
        Some(other) => {
            return Err(ServiceError::invalid(
                "file",
                format!("Tệp là mẫu “{other}”, không phải mẫu nhập hồ sơ đăng ký. Hãy tải mẫu nhập hồ sơ trên trang này."),
            ))
        }
        None => {
            return Err(ServiceError::invalid(
                "file",
                "Tệp không làm từ mẫu nhập hồ sơ của DVK (không có dấu nhận biết mẫu). Hãy tải mẫu trên trang này, chép dữ liệu vào mẫu rồi tải lên.",
            ))
        }
    }
    let h = Header::find(&grid, ITEMS[0].1, &known_labels()).ok_or_else(|| {
        ServiceError::invalid(
            "file",
            format!("Không thấy hàng tiêu đề có cột “{}”.", ITEMS[0].1),
        )
    })?;
    let missing: Vec<&str> = known_labels()
        .into_iter()
        .filter(|l| h.col(l).is_none())
        .collect();
    if !missing.is_empty() {
        return Err(ServiceError::invalid(
            "file",
            format!(
                "Tệp thiếu cột: {}. Hãy dùng mẫu mới nhất.",
                missing.join("; ")
            ),
        ));
    }
    h.check_merges(&grid)?;
    grid.data_rows(h.data_from - 1, &limits())
        .map_err(file_error)?;
    let lineage = db.lineage(&unit.path).await?;
    // Entries the unit already has, by year and folded title.
    let mut existing: HashMap<(i32, String), i64> = HashMap::new();
    for row in q("SELECT id, year, title FROM entries WHERE unit_id = $1")
        .bind(unit.id)
        .fetch_all(&db.pool)
        .await?
    {
        let year: i64 = row.try_get("year")?;
        let title: String = row.try_get("title")?;
        existing.insert((year as i32, fold(&title)), row.try_get("id")?);
    }
    let mut out: Vec<Checked> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (r, excel_row) in h.rows(&grid) {
        let mut issues = Vec::new();
        let form = form_of(cat, &grid, &h, r, unit.id, &mut issues);
        let mut entry = None;
        match parse_entry_form(cat, &form) {
            Err(errors) => {
                for e in errors {
                    // A column already explained (an unknown choice, a year
                    // that is not one) needs no second, vaguer message.
                    let column = label_of(&e.field);
                    if issues.iter().any(|i| i.column == column) {
                        continue;
                    }
                    issues.push(RowIssue {
                        column: column.to_owned(),
                        message: e.message,
                    });
                }
            }
            Ok(reg) => {
                for e in reg.missing_for_submission() {
                    issues.push(RowIssue {
                        column: label_of(&e.field).to_owned(),
                        message: e.message.replace(" trước khi gửi", ""),
                    });
                }
                match place_in(unit, &lineage, &reg) {
                    Ok(confirming) => {
                        let print = fingerprint(unit.id, &reg);
                        if let Some(first) = seen.get(&print) {
                            issues.push(RowIssue {
                                column: String::new(),
                                message: format!("Trùng với dòng {first} trong tệp."),
                            });
                        } else {
                            seen.insert(print.clone(), excel_row);
                        }
                        if let Some(id) = existing.get(&(reg.year, fold(reg.title()))) {
                            issues.push(RowIssue {
                                column: ITEMS[0].1.to_owned(),
                                message: format!(
                                    "Đơn vị đã có hồ sơ cùng tên năm {} (mã #{id}).",
                                    reg.year
                                ),
                            });
                        }
                        entry = Some((reg, confirming, print));
                    }
                    Err(ServiceError::Invalid(list)) => {
                        for e in list {
                            issues.push(RowIssue {
                                column: label_of(&e.field).to_owned(),
                                message: e.message,
                            });
                        }
                    }
                    Err(e) => return Err(e),
                }
            }
        }
        let label = if form.title.is_empty() {
            "(chưa có tên)".to_owned()
        } else {
            dvk_domain::text::truncate(&form.title, 120)
        };
        out.push(Checked {
            preview: PreviewRow {
                row: excel_row,
                label,
                issues,
                similar: Vec::new(),
            },
            entry,
        });
    }
    if out.is_empty() {
        return Err(ServiceError::invalid(
            "file",
            "Tệp chưa có dòng dữ liệu nào dưới hàng tiêu đề.",
        ));
    }
    let prints: Vec<String> = out
        .iter()
        .filter_map(|c| c.entry.as_ref().map(|(_, _, p)| p.clone()))
        .collect();
    let known = fingerprints_known(db, &prints).await?;
    for c in &mut out {
        if let Some(id) = c.entry.as_ref().and_then(|(_, _, p)| known.get(p)) {
            c.preview.issues.push(RowIssue {
                column: String::new(),
                message: format!("Dòng này đã được nhập trước đây (hồ sơ #{id})."),
            });
        }
    }
    Ok(out)
}

/// Valid rows a preview looks up similar models for (two statements each);
/// rows after them are compared when imported, and each new entry's page
/// lists its similar models.
pub const SIMILAR_CHECKED_ROWS: usize = 100;

/// The checked rows, the first `SIMILAR_CHECKED_ROWS` valid ones with the
/// existing models alike to them, so copies and replications are seen
/// before they are imported; and how many valid rows were not looked up.
async fn with_similar(
    db: &Db,
    actor: &Actor,
    checked: Vec<Checked>,
) -> Result<(Vec<PreviewRow>, usize), ServiceError> {
    let roots = crate::service::readable_roots(db, actor).await?;
    let mut rows = Vec::with_capacity(checked.len());
    let mut looked_up = 0;
    let mut unchecked = 0;
    for c in checked {
        let mut row = c.preview;
        if let Some((reg, _, _)) = &c.entry {
            if looked_up == SIMILAR_CHECKED_ROWS {
                unchecked += 1;
            } else {
                looked_up += 1;
                row.similar = db
                    .similar_to_text(
                        reg.title(),
                        &reg.published_body(),
                        crate::similar::Reach::Reader(&roots),
                        None,
                    )
                    .await?;
            }
        }
        rows.push(row);
    }
    Ok((rows, unchecked))
}

/// Checks an upload for `unit_id` and keeps it for confirmation.
pub async fn preview(
    db: &Db,
    cat: &Catalogue,
    actor: &Actor,
    unit_id: i64,
    file_name: &str,
    bytes: &[u8],
) -> Result<Preview, ServiceError> {
    let unit = importing_unit(db, actor, unit_id).await?;
    let checked = check(db, cat, &unit, bytes).await?;
    let file_name = clean_name(file_name);
    let id = keep_pending(db, KIND, actor.user_id, Some(unit.id), &file_name, bytes).await?;
    let (rows, similar_unchecked) = with_similar(db, actor, checked).await?;
    Ok(Preview {
        id,
        file_name,
        rows,
        similar_unchecked,
    })
}

/// The preview of a pending upload again (to show it after a refusal).
pub async fn pending_preview(
    db: &Db,
    cat: &Catalogue,
    actor: &Actor,
    id: i64,
) -> Result<(Preview, Unit), ServiceError> {
    let (unit_id, file_name, bytes) = pending(db, KIND, actor.user_id, id).await?;
    let unit = importing_unit(db, actor, unit_id.unwrap_or(0)).await?;
    let checked = check(db, cat, &unit, &bytes).await?;
    let (rows, similar_unchecked) = with_similar(db, actor, checked).await?;
    Ok((
        Preview {
            id,
            file_name,
            rows,
            similar_unchecked,
        },
        unit,
    ))
}

/// Writes a pending upload's rows as drafts in one transaction, one audit
/// record each; checked again first, against the data as it is now.
/// Returns the new entries' ids.
pub async fn confirm(
    db: &Db,
    cat: &Catalogue,
    actor: &Actor,
    id: i64,
    mode: Mode,
) -> Result<Vec<i64>, ServiceError> {
    let (unit_id, file_name, bytes) = pending(db, KIND, actor.user_id, id).await?;
    let unit = importing_unit(db, actor, unit_id.unwrap_or(0)).await?;
    let checked = check(db, cat, &unit, &bytes).await?;
    let bad = checked.iter().filter(|c| !c.preview.ok()).count();
    if mode == Mode::AllOrNothing && bad > 0 {
        return Err(ServiceError::Conflict(format!(
            "Tệp còn {bad} dòng có lỗi nên không nhập dòng nào (đã chọn “tất cả hoặc không”). Sửa tệp rồi tải lên lại, hoặc chọn “chỉ nhập các dòng hợp lệ”."
        )));
    }
    let sha = super::sha256_hex(&bytes);
    let at = now();
    let mut tx = db.pool.begin().await?;
    let mut ids = Vec::new();
    for c in checked.iter().filter(|c| c.preview.ok()) {
        let Some((reg, confirming, print)) = &c.entry else {
            continue;
        };
        let place = Placement {
            unit_path: &unit.path,
            confirming_id: confirming.id,
            confirming_path: &confirming.path,
        };
        let source = json!({"file": file_name, "row": c.preview.row, "sha256": sha});
        let entry_id = insert_entry_in(
            &mut tx,
            db.backend,
            actor.user_id,
            reg,
            &place,
            at,
            Some(source),
        )
        .await?;
        // The key refuses a second import of the row, even by a request
        // racing this one.
        let kept = q("INSERT INTO import_fingerprints (fingerprint, entry_id, created_at) VALUES ($1, $2, $3)")
            .bind(print)
            .bind(entry_id)
            .bind(at)
            .execute(&mut *tx)
            .await;
        if kept.is_err() {
            return Err(ServiceError::Conflict(
                "Tệp vừa được nhập ở một yêu cầu khác; không nhập lại.".into(),
            ));
        }
        ids.push(entry_id);
    }
    q("DELETE FROM pending_imports WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(ids)
}
