//! What each kind offers a province's own template: its placeholders
//! (name and meaning), the values it fills them with, and the built-in
//! document as a starting point with the placeholders in place.

use super::certificate::Certificate;
use super::common::{show_date, Issuing, Listed, Signing};
use super::decision::RecognitionDecision;
use super::notice::Notice;
use super::proposal::{Asks, Proposal};
use crate::model::Document;
use crate::template::TemplateData;
use dvk_domain::issuer::Letterhead;

/// The kinds a province may replace with its own form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TemplateKind {
    Recognition,
    Notice,
    Proposal,
    Certificate,
}

const HEAD: &[(&str, &str)] = &[
    (
        "quoc_hieu",
        "Dòng đầu bên phải: CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM hoặc ĐẢNG CỘNG SẢN VIỆT NAM",
    ),
    (
        "tieu_ngu",
        "Độc lập - Tự do - Hạnh phúc (văn bản của Đảng: để trống)",
    ),
    ("co_quan_cap_tren", "Cơ quan cấp trên (chữ in hoa)"),
    (
        "co_quan",
        "Cơ quan ban hành, ví dụ Ủy ban nhân dân tỉnh Sơn La",
    ),
    ("co_quan_in_hoa", "Cơ quan ban hành in hoa"),
    ("so_van_ban", "Số, ký hiệu văn bản, ví dụ 15/QĐ-UBND"),
    (
        "dong_so",
        "Dòng số theo thể thức: “Số: 15/QĐ-UBND” hoặc “Số 05-HD/BDVTU”",
    ),
    ("dia_danh", "Địa danh, ví dụ Sơn La"),
    ("ngay_ky", "Ngày ký dạng dd/mm/yyyy"),
    (
        "dong_ngay",
        "Dòng địa danh, ngày tháng: “Sơn La, ngày 05 tháng 01 năm 2026”",
    ),
    (
        "chuc_vu_ky",
        "Quyền hạn, chức vụ người ký, ví dụ KT. CHỦ TỊCH PHÓ CHỦ TỊCH",
    ),
    ("nguoi_ky", "Họ tên người ký"),
];

const LIST: &[(&str, &str)] = &[
    (
        "ds.tt",
        "Số thứ tự (dòng bảng lặp lại cho mỗi mô hình, điển hình)",
    ),
    ("ds.ten", "Tên mô hình, điển hình"),
    ("ds.don_vi", "Tập thể, cá nhân thực hiện (đơn vị)"),
    ("ds.linh_vuc", "Lĩnh vực"),
    ("ds.loai", "Mô hình hoặc điển hình; tập thể hoặc cá nhân"),
];

const RECOGNITION: &[(&str, &str)] = &[
    ("cap", "Cấp công nhận, ví dụ cấp tỉnh"),
    ("nam", "Năm"),
    ("so_luong", "Số mô hình, điển hình được công nhận"),
];

const NOTICE: &[(&str, &str)] = &[
    ("cap", "Cấp xét chọn"),
    ("nam", "Năm"),
    ("so_luong", "Số mô hình, điển hình trong danh sách"),
    ("tu_ngay", "Ngày bắt đầu công khai (dd/mm/yyyy)"),
    ("den_ngay", "Ngày kết thúc công khai (dd/mm/yyyy)"),
    ("noi_gop_y", "Nơi, cách gửi ý kiến trực tuyến"),
    ("ngay_hop", "Ngày họp Hội đồng (dd/mm/yyyy)"),
];

const PROPOSAL: &[(&str, &str)] = &[
    ("kinh_gui", "Cơ quan được đề nghị"),
    ("cap", "Cấp đề nghị công nhận"),
    ("nam", "Năm"),
    (
        "trich_yeu",
        "Trích yếu, ví dụ Đề nghị công nhận mô hình … cấp xã năm 2026",
    ),
    ("so_luong", "Số mô hình, điển hình đề nghị"),
];

const CERTIFICATE: &[(&str, &str)] = &[
    ("tieu_de", "GIẤY CHỨNG NHẬN, GIẤY KHEN…"),
    (
        "dong_dau",
        "Dòng trên tên: danh hiệu hoặc hình thức khen thưởng",
    ),
    ("ten_mo_hinh", "Tên mô hình, điển hình"),
    ("don_vi", "Tập thể, cá nhân"),
    ("can_cu", "Theo Quyết định số … ngày …"),
    ("ma_kiem_tra", "Mã kiểm tra đối chiếu với nhật ký"),
];

impl TemplateKind {
    pub const ALL: [TemplateKind; 4] = [
        TemplateKind::Recognition,
        TemplateKind::Notice,
        TemplateKind::Proposal,
        TemplateKind::Certificate,
    ];

    /// The code used in addresses and storage (the download's kind).
    pub fn code(self) -> &'static str {
        match self {
            TemplateKind::Recognition => "quyet-dinh",
            TemplateKind::Notice => "thong-bao",
            TemplateKind::Proposal => "to-trinh",
            TemplateKind::Certificate => "giay-chung-nhan",
        }
    }

    pub fn parse(code: &str) -> Option<TemplateKind> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            TemplateKind::Recognition => "Quyết định công nhận (kèm phụ lục)",
            TemplateKind::Notice => "Thông báo công khai kết quả xét chọn",
            TemplateKind::Proposal => "Tờ trình đề nghị công nhận",
            TemplateKind::Certificate => "Giấy chứng nhận",
        }
    }

    /// Every placeholder this kind fills: (name, meaning).
    pub fn placeholders(self) -> Vec<(&'static str, &'static str)> {
        let own: &[(&str, &str)] = match self {
            TemplateKind::Recognition => RECOGNITION,
            TemplateKind::Notice => NOTICE,
            TemplateKind::Proposal => PROPOSAL,
            TemplateKind::Certificate => CERTIFICATE,
        };
        let list: &[(&str, &str)] = if self == TemplateKind::Certificate {
            &[]
        } else {
            LIST
        };
        HEAD.iter().chain(own).chain(list).copied().collect()
    }

    pub fn names(self) -> Vec<&'static str> {
        self.placeholders().into_iter().map(|(n, _)| n).collect()
    }

    /// The built-in document with placeholders where its values go: a
    /// starting point for a province's own form.
    pub fn starting_point(self) -> Document {
        let issuing = Issuing {
            letterhead: Letterhead::State,
            parent: "{{co_quan_cap_tren}}".into(),
            body: "{{co_quan}}".into(),
            place: "{{dia_danh}}".into(),
        };
        let signing = Signing {
            signer: "{{nguoi_ky}}".into(),
            title: "{{chuc_vu_ky}}".into(),
        };
        let lines = vec![Listed {
            title: "{{ds.ten}}".into(),
            holder: "{{ds.don_vi}}".into(),
            field: "{{ds.linh_vuc}}".into(),
            kind: "{{ds.loai}}".into(),
            subject: String::new(),
        }];
        let number = Some("{{so_van_ban}}".to_owned());
        let mut doc =
            match self {
                TemplateKind::Recognition => RecognitionDecision {
                    issuing,
                    number,
                    signed_on: None,
                    signing,
                    level_name: "{{cap}}".into(),
                    year: 0,
                    bases: vec!["Căn cứ …;".into()],
                    proposed_by:
                        "Hội đồng xét chọn mô hình, điển hình “Dân vận khéo” {{cap}} năm {{nam}}"
                            .into(),
                    lines,
                }
                .document(),
                TemplateKind::Notice => Notice {
                    issuing,
                    number,
                    date: None,
                    signing,
                    level_name: "{{cap}}".into(),
                    year: 0,
                    council_date: None,
                    starts: None,
                    ends: None,
                    comment_url: "{{noi_gop_y}}".into(),
                    lines,
                }
                .document(),
                TemplateKind::Proposal => Proposal {
                    issuing,
                    number,
                    date: None,
                    signing,
                    to: "{{kinh_gui}}".into(),
                    asks: Asks::Recognition {
                        level_name: "{{cap}}".into(),
                        year: 0,
                    },
                    notice: None,
                    lines,
                }
                .document(),
                TemplateKind::Certificate => Certificate {
                    issuing,
                    heading: "{{tieu_de}}".into(),
                    lead: "{{dong_dau}}".into(),
                    title: "{{ten_mo_hinh}}".into(),
                    holder: "{{don_vi}}".into(),
                    attests: "{{can_cu}}".into(),
                    number: "{{so_van_ban}}".into(),
                    signed_on: String::new(),
                    signing,
                    check_code: "{{ma_kiem_tra}}".into(),
                }
                .document(),
            };
        if let Some(h) = doc.head.as_mut() {
            h.number = Some("{{dong_so}}".into());
            h.dateline_text = Some("{{dong_ngay}}".into());
        }
        // Texts built from numbers and dates take their placeholders.
        replace_texts(
            &mut doc,
            &[
                ("năm 0", "năm {{nam}}"),
                ("NĂM 0", "NĂM {{nam}}"),
                ("{{CAP}}", "{{cap}}"),
                ("{{CO_QUAN}}", "{{co_quan_in_hoa}}"),
                ("{{CHUC_VU_KY}}", "{{chuc_vu_ky}}"),
                ("ngày …/…/…… của", "ngày {{ngay_ky}} của"),
                (
                    "từ ngày …/…/…… đến hết ngày …/…/……",
                    "từ ngày {{tu_ngay}} đến hết ngày {{den_ngay}}",
                ),
            ],
        );
        if self == TemplateKind::Proposal {
            doc.subject = vec!["{{trich_yeu}}".into()];
        }
        doc
    }
}

/// Replaces text in every span of a document (the starting point only).
fn replace_texts(doc: &mut Document, pairs: &[(&str, &str)]) {
    use crate::model::Block;
    fn fix(t: &mut String, pairs: &[(&str, &str)]) {
        for (a, b) in pairs {
            if t.contains(a) {
                *t = t.replace(a, b);
            }
        }
    }
    fn blocks(bs: &mut [Block], pairs: &[(&str, &str)]) {
        for b in bs {
            match b {
                Block::Para { spans, .. } | Block::Display { spans, .. } => {
                    spans.iter_mut().for_each(|s| fix(&mut s.text, pairs))
                }
                Block::Heading(t) => fix(t, pairs),
                Block::Table(g) => g
                    .rows
                    .iter_mut()
                    .flatten()
                    .flat_map(|c| c.spans.iter_mut())
                    .for_each(|s| fix(&mut s.text, pairs)),
                Block::Blank(_) | Block::Gap => {}
            }
        }
    }
    doc.subject.iter_mut().for_each(|t| fix(t, pairs));
    if let Some(sig) = doc.signature.as_mut() {
        sig.lines.iter_mut().for_each(|t| fix(t, pairs));
    }
    blocks(&mut doc.blocks, pairs);
    for a in &mut doc.annexes {
        fix(&mut a.title, pairs);
        fix(&mut a.reference, pairs);
        blocks(&mut a.blocks, pairs);
    }
}

fn head_values(
    issuing: &Issuing,
    number: Option<&str>,
    date: Option<&str>,
    signing: &Signing,
) -> Vec<(&'static str, String)> {
    let head = issuing.head(number, date);
    let (first, second) = issuing.letterhead.lines();
    vec![
        ("quoc_hieu", first.to_owned()),
        ("tieu_ngu", second.to_owned()),
        ("co_quan_cap_tren", issuing.parent.to_uppercase()),
        ("co_quan", issuing.body.clone()),
        ("co_quan_in_hoa", issuing.body.to_uppercase()),
        ("so_van_ban", number.unwrap_or("").to_owned()),
        ("dong_so", head.number_line()),
        ("dia_danh", issuing.place.clone()),
        ("ngay_ky", date.map(show_date).unwrap_or_default()),
        ("dong_ngay", head.dateline()),
        ("chuc_vu_ky", signing.signature().lines.join(" ")),
        ("nguoi_ky", signing.signer.clone()),
    ]
}

fn list_rows(lines: &[Listed]) -> Vec<Vec<(&'static str, String)>> {
    lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            vec![
                ("ds.tt", (i + 1).to_string()),
                ("ds.ten", l.title.clone()),
                ("ds.don_vi", l.holder.clone()),
                ("ds.linh_vuc", l.field.clone()),
                (
                    "ds.loai",
                    if l.subject.is_empty() {
                        l.kind.clone()
                    } else {
                        format!("{} {}", l.kind, l.subject.to_lowercase())
                    },
                ),
            ]
        })
        .collect()
}

impl RecognitionDecision {
    pub fn template_data(&self) -> TemplateData {
        let mut values = head_values(
            &self.issuing,
            self.number.as_deref(),
            self.signed_on.as_deref(),
            &self.signing,
        );
        values.extend([
            ("cap", self.level_name.clone()),
            ("nam", self.year.to_string()),
            ("so_luong", self.lines.len().to_string()),
        ]);
        TemplateData {
            values,
            rows: list_rows(&self.lines),
        }
    }
}

impl Notice {
    pub fn template_data(&self) -> TemplateData {
        let mut values = head_values(
            &self.issuing,
            self.number.as_deref(),
            self.date.as_deref(),
            &self.signing,
        );
        let day = |d: &Option<String>| d.as_deref().map(show_date).unwrap_or_default();
        values.extend([
            ("cap", self.level_name.clone()),
            ("nam", self.year.to_string()),
            ("so_luong", self.lines.len().to_string()),
            ("tu_ngay", day(&self.starts)),
            ("den_ngay", day(&self.ends)),
            ("noi_gop_y", self.comment_url.clone()),
            ("ngay_hop", day(&self.council_date)),
        ]);
        TemplateData {
            values,
            rows: list_rows(&self.lines),
        }
    }
}

impl Proposal {
    pub fn template_data(&self) -> TemplateData {
        let mut values = head_values(
            &self.issuing,
            self.number.as_deref(),
            self.date.as_deref(),
            &self.signing,
        );
        let (cap, nam) = match &self.asks {
            Asks::Recognition { level_name, year } => (level_name.clone(), year.to_string()),
            Asks::Reward { award, year } => (award.clone(), year.to_string()),
        };
        values.extend([
            ("cap", cap),
            ("nam", nam),
            ("kinh_gui", self.to.clone()),
            ("trich_yeu", self.document().subject.join(" ")),
            ("so_luong", self.lines.len().to_string()),
        ]);
        TemplateData {
            values,
            rows: list_rows(&self.lines),
        }
    }
}

impl Certificate {
    pub fn template_data(&self) -> TemplateData {
        let mut values = head_values(
            &self.issuing,
            Some(&self.number),
            Some(&self.signed_on),
            &self.signing,
        );
        values.extend([
            ("tieu_de", self.heading.clone()),
            ("dong_dau", self.lead.clone()),
            ("ten_mo_hinh", self.title.clone()),
            ("don_vi", self.holder.clone()),
            ("can_cu", self.attests.clone()),
            ("ma_kiem_tra", self.check_code.clone()),
        ]);
        TemplateData {
            values,
            rows: Vec::new(),
        }
    }
}
