//! The entry (a registered model or exemplar) and the parsing of its
//! registration form into domain values (DOMAIN.md §4).

use crate::{EntryId, UnitId};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Model,
    Exemplar,
}

impl Kind {
    pub fn code(self) -> &'static str {
        match self {
            Self::Model => "model",
            Self::Exemplar => "exemplar",
        }
    }
    pub fn parse(code: &str) -> Option<Self> {
        match code {
            "model" => Some(Self::Model),
            "exemplar" => Some(Self::Exemplar),
            _ => None,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Model => "Mô hình",
            Self::Exemplar => "Điển hình",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    Collective,
    Individual,
}

impl Subject {
    pub fn code(self) -> &'static str {
        match self {
            Self::Collective => "collective",
            Self::Individual => "individual",
        }
    }
    pub fn parse(code: &str) -> Option<Self> {
        match code {
            "collective" => Some(Self::Collective),
            "individual" => Some(Self::Individual),
            _ => None,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Collective => "Tập thể",
            Self::Individual => "Cá nhân",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gender {
    Male,
    Female,
}

impl Gender {
    pub fn code(self) -> &'static str {
        match self {
            Self::Male => "nam",
            Self::Female => "nu",
        }
    }
    pub fn parse(code: &str) -> Option<Self> {
        match code {
            "nam" => Some(Self::Male),
            "nu" => Some(Self::Female),
            _ => None,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Male => "Nam",
            Self::Female => "Nữ",
        }
    }
}

/// The ten registration items, in form order: (form key, Vietnamese label).
pub const ITEMS: [(&str, &str); 10] = [
    ("title", "Tên mô hình, điển hình"),
    ("situation", "Thực trạng, lý do xây dựng"),
    ("objectives", "Mục tiêu, tiêu chí"),
    ("content", "Nội dung, cách thức thực hiện"),
    ("area", "Địa bàn, đối tượng"),
    ("forces", "Lực lượng thực hiện"),
    ("resources", "Nguồn lực"),
    ("timeline", "Thời gian thực hiện"),
    ("outputs", "Sản phẩm, kết quả đầu ra"),
    ("sustainability", "Khả năng duy trì, nhân rộng"),
];

/// What each item asks for, shown under its label on the form.
pub const ITEM_HINTS: [&str; 10] = [
    "Ngắn gọn, nêu rõ nội dung và mục tiêu.",
    "Vấn đề cụ thể của địa phương cần giải quyết.",
    "Mục tiêu với chỉ tiêu đo đếm được.",
    "Hoạt động, giải pháp; cách tuyên truyền, vận động nhân dân.",
    "Nơi thực hiện; ai được hưởng lợi, ai tham gia.",
    "Lực lượng chủ trì, phối hợp, tham gia và vai trò của từng lực lượng.",
    "Kinh phí, cơ sở vật chất, ngày công, nguồn xã hội hóa.",
    "Thời điểm bắt đầu, các mốc, thời điểm đánh giá.",
    "Sản phẩm, kết quả có thể kiểm chứng.",
    "Khả năng duy trì lâu dài và nhân rộng ra nơi khác.",
];

/// Items an individual's registration adds: (form key, label).
pub const PERSON_ITEMS: [(&str, &str); 7] = [
    ("person_name", "Họ và tên"),
    ("birth_year", "Năm sinh"),
    ("gender", "Giới tính"),
    ("ethnicity", "Dân tộc"),
    ("position", "Chức vụ, đơn vị công tác"),
    ("party_member", "Đảng viên"),
    ("example", "Gương mẫu của bản thân và gia đình"),
];

pub const TITLE_MAX: usize = 300;
pub const ITEM_MAX: usize = 10_000;
pub const SHORT_MAX: usize = 200;

/// The registration form as typed, every value a string (the edge).
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct EntryForm {
    pub kind: String,
    pub subject: String,
    pub field_id: String,
    pub target_level: String,
    pub phase: String,
    pub year: String,
    pub unit_id: String,
    pub replicates: String,
    pub title: String,
    pub situation: String,
    pub objectives: String,
    pub content: String,
    pub area: String,
    pub forces: String,
    pub resources: String,
    pub timeline: String,
    pub outputs: String,
    pub sustainability: String,
    pub person_name: String,
    pub birth_year: String,
    pub gender: String,
    pub ethnicity: String,
    pub position: String,
    pub party_member: String,
    pub example: String,
}

impl EntryForm {
    /// The items after the title as typed, as one text (to look up similar
    /// models before saving).
    pub fn body_text(&self) -> String {
        [
            &self.situation,
            &self.objectives,
            &self.content,
            &self.area,
            &self.forces,
            &self.resources,
            &self.timeline,
            &self.outputs,
            &self.sustainability,
        ]
        .map(|s| s.as_str())
        .join("\n")
    }

    /// The form as it would be typed for an existing registration (to edit
    /// it, or to start a new one from it).
    pub fn from_registration(r: &Registration) -> EntryForm {
        let p = &r.person;
        EntryForm {
            kind: r.kind.code().into(),
            subject: r.subject.code().into(),
            field_id: r.field_id.to_string(),
            target_level: r.target_level.clone(),
            phase: r.phase.clone(),
            year: r.year.to_string(),
            unit_id: r.unit_id.to_string(),
            replicates: r.replicates.map(|i| i.to_string()).unwrap_or_default(),
            title: r.items[0].clone(),
            situation: r.items[1].clone(),
            objectives: r.items[2].clone(),
            content: r.items[3].clone(),
            area: r.items[4].clone(),
            forces: r.items[5].clone(),
            resources: r.items[6].clone(),
            timeline: r.items[7].clone(),
            outputs: r.items[8].clone(),
            sustainability: r.items[9].clone(),
            person_name: p.name.clone(),
            birth_year: p.birth_year.map(|y| y.to_string()).unwrap_or_default(),
            gender: p.gender.map(|g| g.code().to_owned()).unwrap_or_default(),
            ethnicity: p.ethnicity.clone(),
            position: p.position.clone(),
            party_member: if p.party_member {
                "1".into()
            } else {
                String::new()
            },
            example: p.example.clone(),
        }
    }
}

/// The individual's extra items.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Person {
    pub name: String,
    pub birth_year: Option<i32>,
    pub gender: Option<Gender>,
    pub ethnicity: String,
    pub position: String,
    pub party_member: bool,
    pub example: String,
}

/// A parsed, well-typed registration. Items may still be empty in a draft;
/// `missing_for_submission` says what a submission still needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    pub kind: Kind,
    pub subject: Subject,
    pub field_id: i64,
    pub target_level: String,
    pub phase: String,
    pub year: i32,
    pub unit_id: UnitId,
    pub replicates: Option<EntryId>,
    /// The ten items in `ITEMS` order.
    pub items: [String; 10],
    pub person: Person,
}

impl Registration {
    pub fn title(&self) -> &str {
        &self.items[0]
    }

    /// Every item is required for submission (DOMAIN.md §4); individuals
    /// add their personal items.
    pub fn missing_for_submission(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        for (i, (key, label)) in ITEMS.iter().enumerate() {
            if self.items[i].trim().is_empty() {
                errors.push(FieldError::new(
                    key,
                    format!("Cần điền mục “{label}” trước khi gửi."),
                ));
            }
        }
        if self.subject == Subject::Individual {
            let p = &self.person;
            let checks: [(&str, bool); 6] = [
                ("person_name", p.name.trim().is_empty()),
                ("birth_year", p.birth_year.is_none()),
                ("gender", p.gender.is_none()),
                ("ethnicity", p.ethnicity.trim().is_empty()),
                ("position", p.position.trim().is_empty()),
                ("example", p.example.trim().is_empty()),
            ];
            for (key, missing) in checks {
                if missing {
                    let label = PERSON_ITEMS
                        .iter()
                        .find(|(k, _)| *k == key)
                        .map(|(_, l)| *l)
                        .unwrap_or(key);
                    errors.push(FieldError::new(
                        key,
                        format!("Cần điền mục “{label}” cho cá nhân trước khi gửi."),
                    ));
                }
            }
        }
        errors
    }

    /// Text that search runs over (folded by the caller).
    pub fn search_text(&self) -> String {
        let mut s = self.published_text();
        let personal = self.personal_text();
        if !personal.is_empty() {
            s.push('\n');
            s.push_str(&personal);
        }
        s
    }

    /// What public pages show: the name and the ten items. Public search
    /// looks at this text only.
    pub fn published_text(&self) -> String {
        self.items.join("\n")
    }

    /// The published items after the title.
    pub fn published_body(&self) -> String {
        self.items[1..].join("\n")
    }

    /// An individual's personal items that staff may search by but no
    /// public page shows (name as registered, position and unit).
    pub fn personal_text(&self) -> String {
        if self.subject == Subject::Individual {
            format!("{}\n{}", self.person.name, self.person.position)
        } else {
            String::new()
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &str, message: impl Into<String>) -> Self {
        FieldError {
            field: field.to_owned(),
            message: message.into(),
        }
    }
}

/// What the parser needs to know about the world (reference data), passed
/// in so parsing stays free of I/O.
pub struct Reference<'a> {
    pub field_ids: &'a [i64],
    pub level_codes: &'a [&'a str],
    /// (code, first year, last year)
    pub phases: &'a [(&'a str, i32, i32)],
    pub current_year: i32,
}

fn clean_text(
    key: &str,
    label: &str,
    raw: &str,
    max: usize,
    errors: &mut Vec<FieldError>,
) -> String {
    if raw.contains('\u{FFFD}') {
        errors.push(FieldError::new(
            key,
            format!("Mục “{label}” chứa ký tự không hợp lệ (không phải UTF-8)."),
        ));
        return String::new();
    }
    // Control characters other than line breaks and tabs, and noncharacters,
    // have no place in a form (nor in the documents made from it).
    if raw.chars().any(crate::text::is_unfit_char) {
        errors.push(FieldError::new(
            key,
            format!("Mục “{label}” chứa ký tự không hợp lệ (ký tự điều khiển hoặc không dùng được trong văn bản)."),
        ));
        return String::new();
    }
    let text = raw.replace("\r\n", "\n").trim().to_owned();
    let len = text.chars().count();
    if len > max {
        errors.push(FieldError::new(
            key,
            format!("Mục “{label}” dài {len} ký tự, vượt quá giới hạn {max} ký tự."),
        ));
    }
    text
}

/// Parses the registration form; returns every problem at once, each next
/// to the field that caused it.
pub fn parse_registration(
    form: &EntryForm,
    reference: &Reference,
) -> Result<Registration, Vec<FieldError>> {
    let mut errors = Vec::new();
    let kind = Kind::parse(form.kind.trim());
    if kind.is_none() {
        errors.push(FieldError::new(
            "kind",
            "Chọn loại: mô hình hoặc điển hình.",
        ));
    }
    let subject = Subject::parse(form.subject.trim());
    if subject.is_none() {
        errors.push(FieldError::new(
            "subject",
            "Chọn đối tượng: tập thể hoặc cá nhân.",
        ));
    }
    let field_id = form
        .field_id
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|id| reference.field_ids.contains(id));
    if field_id.is_none() {
        errors.push(FieldError::new(
            "field_id",
            "Chọn một lĩnh vực trong danh mục.",
        ));
    }
    let level = form.target_level.trim();
    if !reference.level_codes.contains(&level) {
        errors.push(FieldError::new(
            "target_level",
            "Chọn cấp đăng ký công nhận.",
        ));
    }
    let phase = reference
        .phases
        .iter()
        .find(|(code, _, _)| *code == form.phase.trim());
    if phase.is_none() {
        errors.push(FieldError::new("phase", "Chọn giai đoạn."));
    }
    let year = match form.year.trim().parse::<i32>() {
        Ok(y) => match phase {
            Some((code, from, to)) if y < *from || y > *to => {
                errors.push(FieldError::new(
                    "year",
                    format!("Năm {y} không thuộc giai đoạn {code}."),
                ));
                None
            }
            _ if y > reference.current_year + 1 => {
                errors.push(FieldError::new("year", format!("Năm {y} chưa tới.")));
                None
            }
            _ => Some(y),
        },
        Err(_) => {
            errors.push(FieldError::new("year", "Năm phải là một số, ví dụ 2026."));
            None
        }
    };
    let unit_id = form.unit_id.trim().parse::<i64>().ok();
    if unit_id.is_none() {
        errors.push(FieldError::new("unit_id", "Chọn đơn vị đăng ký."));
    }
    let replicates = match form.replicates.trim().trim_start_matches('#') {
        "" => None,
        raw => match raw.parse::<i64>() {
            Ok(id) if id > 0 => Some(id),
            _ => {
                errors.push(FieldError::new(
                    "replicates",
                    "Mã mô hình được nhân rộng phải là một số (ví dụ 123).",
                ));
                None
            }
        },
    };
    let raw_items = [
        &form.title,
        &form.situation,
        &form.objectives,
        &form.content,
        &form.area,
        &form.forces,
        &form.resources,
        &form.timeline,
        &form.outputs,
        &form.sustainability,
    ];
    let items: [String; 10] = std::array::from_fn(|i| {
        let (key, label) = ITEMS[i];
        let max = if i == 0 { TITLE_MAX } else { ITEM_MAX };
        clean_text(key, label, raw_items[i], max, &mut errors)
    });
    if items[0].is_empty() && !errors.iter().any(|e| e.field == "title") {
        errors.push(FieldError::new(
            "title",
            "Cần nhập tên mô hình, điển hình (kể cả khi lưu nháp).",
        ));
    }

    let subject_is_individual = subject == Some(Subject::Individual);
    let mut person = Person::default();
    if subject_is_individual {
        person.name = clean_text(
            "person_name",
            "Họ và tên",
            &form.person_name,
            SHORT_MAX,
            &mut errors,
        );
        person.ethnicity = clean_text(
            "ethnicity",
            "Dân tộc",
            &form.ethnicity,
            SHORT_MAX,
            &mut errors,
        );
        person.position = clean_text(
            "position",
            "Chức vụ, đơn vị công tác",
            &form.position,
            SHORT_MAX,
            &mut errors,
        );
        person.example = clean_text(
            "example",
            "Gương mẫu của bản thân và gia đình",
            &form.example,
            ITEM_MAX,
            &mut errors,
        );
        person.party_member = matches!(form.party_member.trim(), "1" | "on" | "true" | "co");
        person.birth_year = match form.birth_year.trim() {
            "" => None,
            raw => match raw.parse::<i32>() {
                Ok(y) if (1900..=reference.current_year - 15).contains(&y) => Some(y),
                _ => {
                    errors.push(FieldError::new(
                        "birth_year",
                        format!(
                            "Năm sinh phải là năm từ 1900 đến {}.",
                            reference.current_year - 15
                        ),
                    ));
                    None
                }
            },
        };
        person.gender = match form.gender.trim() {
            "" => None,
            raw => {
                let g = Gender::parse(raw);
                if g.is_none() {
                    errors.push(FieldError::new("gender", "Giới tính chỉ nhận Nam hoặc Nữ."));
                }
                g
            }
        };
    }

    match (kind, subject, field_id, phase, year, unit_id) {
        (Some(kind), Some(subject), Some(field_id), Some(phase), Some(year), Some(unit_id))
            if errors.is_empty() =>
        {
            Ok(Registration {
                kind,
                subject,
                field_id,
                target_level: level.to_owned(),
                phase: phase.0.to_owned(),
                year,
                unit_id,
                replicates,
                items,
                person,
            })
        }
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference() -> Reference<'static> {
        Reference {
            field_ids: &[1, 2, 3, 4],
            level_codes: &["xa", "tinh"],
            phases: &[("2021-2025", 2021, 2025), ("2026-2030", 2026, 2030)],
            current_year: 2026,
        }
    }

    pub fn full_form() -> EntryForm {
        EntryForm {
            kind: "model".into(),
            subject: "collective".into(),
            field_id: "2".into(),
            target_level: "xa".into(),
            phase: "2026-2030".into(),
            year: "2026".into(),
            unit_id: "7".into(),
            title: "Dân vận khéo trong hiến đất làm đường".into(),
            situation: "a".into(),
            objectives: "b".into(),
            content: "c".into(),
            area: "d".into(),
            forces: "e".into(),
            resources: "f".into(),
            timeline: "g".into(),
            outputs: "h".into(),
            sustainability: "i".into(),
            ..Default::default()
        }
    }

    #[test]
    fn parses_a_complete_form() {
        let r = parse_registration(&full_form(), &reference()).unwrap();
        assert_eq!(r.kind, Kind::Model);
        assert_eq!(r.year, 2026);
        assert!(r.missing_for_submission().is_empty());
    }

    #[test]
    fn draft_needs_only_title_but_submission_needs_all() {
        let mut f = full_form();
        f.content.clear();
        f.outputs = "   ".into();
        let r = parse_registration(&f, &reference()).unwrap();
        let missing: Vec<_> = r
            .missing_for_submission()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(missing, vec!["content", "outputs"]);
    }

    #[test]
    fn reports_every_bad_field() {
        let f = EntryForm {
            kind: "xyz".into(),
            year: "hai nghìn".into(),
            title: "x".repeat(TITLE_MAX + 1),
            situation: "bad\u{0}".into(),
            ..Default::default()
        };
        let errs = parse_registration(&f, &reference()).unwrap_err();
        let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
        for f in [
            "kind",
            "subject",
            "field_id",
            "target_level",
            "phase",
            "year",
            "unit_id",
            "title",
            "situation",
        ] {
            assert!(fields.contains(&f), "{f} missing from {fields:?}");
        }
        assert!(errs
            .iter()
            .any(|e| e.message.contains("vượt quá giới hạn 300")));
    }

    #[test]
    fn noncharacters_are_refused_like_control_characters() {
        let mut f = full_form();
        f.title = "Mô hình\u{FFFF} dân vận".into();
        let errs = parse_registration(&f, &reference()).unwrap_err();
        assert!(errs.iter().any(|e| e.field == "title"), "{errs:?}");
        f.title = "Mô hình dân vận".into();
        f.content = "Nội dung\u{FDD0}".into();
        let errs = parse_registration(&f, &reference()).unwrap_err();
        assert!(errs.iter().any(|e| e.field == "content"), "{errs:?}");
    }

    #[test]
    fn year_must_fit_phase() {
        let mut f = full_form();
        f.year = "2024".into();
        let errs = parse_registration(&f, &reference()).unwrap_err();
        assert_eq!(errs[0].field, "year");
        assert!(errs[0].message.contains("2026-2030"));
    }

    #[test]
    fn individual_items() {
        let mut f = full_form();
        f.kind = "exemplar".into();
        f.subject = "individual".into();
        let r = parse_registration(&f, &reference()).unwrap();
        assert_eq!(r.missing_for_submission().len(), 6);
        f.person_name = "Lò Thị Xuân".into();
        f.birth_year = "1980".into();
        f.gender = "nu".into();
        f.ethnicity = "Thái".into();
        f.position = "Trưởng bản".into();
        f.example = "Gia đình văn hóa nhiều năm liền".into();
        f.party_member = "on".into();
        let r = parse_registration(&f, &reference()).unwrap();
        assert!(r.missing_for_submission().is_empty());
        assert!(r.person.party_member);
        f.birth_year = "2030".into();
        assert_eq!(
            parse_registration(&f, &reference()).unwrap_err()[0].field,
            "birth_year"
        );
    }

    #[test]
    fn replacement_character_is_refused() {
        let mut f = full_form();
        f.content = "ab\u{FFFD}".into();
        let errs = parse_registration(&f, &reference()).unwrap_err();
        assert!(errs[0].message.contains("UTF-8"));
    }
}
