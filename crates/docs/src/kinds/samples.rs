//! A known data set for every document kind: what the tests read back and
//! what `examples/samples.rs` writes out to look at.

use super::certificate::Certificate;
use super::common::{Issuing, Listed, Signing};
use super::decision::{RecognitionDecision, RewardDecision, RewardLine};
use super::minutes::{Minutes, MinutesLine};
use super::notice::Notice;
use super::proposal::{Asks, Proposal};
use super::registration::RegistrationForm;
use super::report::{Figures, Report, ReviewRow, ReviewSummary, Reviewed, UnitLine};
use super::score_sheet::{ScoreSheet, SheetCriterion, SheetEntry};
use crate::model::Document;
use dvk_domain::entry::{Kind, Subject};
use dvk_domain::issuer::Letterhead;

pub fn province() -> Issuing {
    Issuing {
        letterhead: Letterhead::State,
        parent: String::new(),
        body: "Ủy ban nhân dân tỉnh Sơn La".into(),
        place: "Sơn La".into(),
    }
}

pub fn party_board() -> Issuing {
    Issuing {
        letterhead: Letterhead::Party,
        parent: "TỈNH ỦY SƠN LA".into(),
        body: "Ban Tuyên giáo và Dân vận".into(),
        place: "Sơn La".into(),
    }
}

pub fn listed(n: usize) -> Vec<Listed> {
    (1..=n)
        .map(|i| Listed {
            title: format!("Mô hình “Bản không có người nghiện ma túy” số {i}"),
            holder: format!("Chi bộ bản Hua Pàng {i}, xã Mộc Châu"),
            field: "Quốc phòng, an ninh".into(),
            kind: if i % 3 == 0 {
                "Điển hình"
            } else {
                "Mô hình"
            }
            .into(),
            subject: if i % 3 == 0 {
                "Cá nhân"
            } else {
                "Tập thể"
            }
            .into(),
        })
        .collect()
}

pub fn recognition(n: usize) -> RecognitionDecision {
    RecognitionDecision {
        issuing: province(),
        number: Some("15/QĐ-UBND".into()),
        signed_on: Some("2026-01-05".into()),
        signing: Signing {
            signer: "Nguyễn Đình Việt".into(),
            title: "KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH".into(),
        },
        level_name: "cấp tỉnh".into(),
        year: 2025,
        bases: vec![
            "Căn cứ chức năng, nhiệm vụ, quyền hạn của Ủy ban nhân dân tỉnh Sơn La;".into(),
            "Căn cứ Hướng dẫn số 05-HD/BDVTU ngày 06/10/2021 của Ban Dân vận Tỉnh ủy Sơn La về xây dựng mô hình, điển hình “Dân vận khéo”;".into(),
        ],
        proposed_by: "Hội đồng xét chọn mô hình, điển hình “Dân vận khéo” cấp tỉnh năm 2025".into(),
        lines: listed(n),
    }
}

pub fn reward() -> RewardDecision {
    RewardDecision {
        issuing: party_board(),
        number: Some("05-QĐ/BTGDVTU".into()),
        signed_on: Some("2026-02-09".into()),
        signing: Signing {
            signer: "Lò Thị Mai".into(),
            title: "TRƯỞNG BAN".into(),
        },
        award: "Giấy khen của Ban Tuyên giáo và Dân vận Tỉnh ủy".into(),
        achievement: "phong trào thi đua “Dân vận khéo” năm 2025".into(),
        bases: vec!["Căn cứ Quy chế làm việc của Ban Tuyên giáo và Dân vận Tỉnh ủy;".into()],
        proposed_by: "Hội đồng Thi đua - Khen thưởng".into(),
        lines: listed(3)
            .into_iter()
            .zip([1_200_000, 600_000, 1_000_000])
            .map(|(listed, amount)| RewardLine { listed, amount })
            .collect(),
    }
}

fn signing() -> Signing {
    Signing {
        signer: "Nguyễn Văn An".into(),
        title: "TRƯỞNG BAN".into(),
    }
}

pub fn notice() -> Notice {
    Notice {
        issuing: party_board(),
        number: Some("12-TB/BTGDVTU".into()),
        date: Some("2025-11-03".into()),
        signing: signing(),
        level_name: "cấp tỉnh".into(),
        year: 2025,
        council_date: Some("2025-10-28".into()),
        starts: Some("2025-11-03".into()),
        ends: Some("2025-11-14".into()),
        comment_url: "https://dvk.sonla.gov.vn/thong-bao/1".into(),
        lines: listed(5),
    }
}

pub fn minutes() -> Minutes {
    let lines = listed(4)
        .into_iter()
        .enumerate()
        .map(|(i, listed)| MinutesLine {
            listed,
            count: 5,
            mean_pct: Some(91.25 - 12.0 * i as f64),
            median_pct: Some(90.0 - 12.0 * i as f64),
            passed: i < 3,
            reasons: if i < 3 {
                String::new()
            } else {
                "Điểm trung bình 55,3% dưới ngưỡng 70%.".into()
            },
        })
        .collect();
    Minutes {
        issuing: party_board(),
        number: None,
        date: Some("2025-10-28".into()),
        place: "Hội trường Tỉnh ủy Sơn La".into(),
        level_name: "cấp tỉnh".into(),
        year: 2025,
        ballot: false,
        present: vec![
            ("Nguyễn Văn An".into(), "Chủ tịch Hội đồng".into()),
            ("Lò Thị Mai".into(), "Thư ký".into()),
            ("Cầm Văn Đức".into(), "Thành viên".into()),
        ],
        notes: vec!["Vắng: không.".into()],
        lines,
        chair: "Nguyễn Văn An".into(),
        secretary: "Lò Thị Mai".into(),
    }
}

pub fn score_sheet(blank: bool) -> ScoreSheet {
    let criteria = [
        ("Tính thiết thực, hiệu quả", 30.0, 27.0),
        ("Tính sáng tạo, đổi mới", 20.0, 18.5),
        ("Sự tham gia của nhân dân", 30.0, 25.0),
        ("Khả năng nhân rộng", 20.0, 15.0),
    ];
    ScoreSheet {
        issuing: party_board(),
        date: Some("2025-10-28".into()),
        level_name: "cấp tỉnh".into(),
        year: 2025,
        ballot: false,
        member: if blank {
            String::new()
        } else {
            "Cầm Văn Đức".into()
        },
        entries: listed(2)
            .into_iter()
            .map(|listed| SheetEntry {
                listed,
                criteria: criteria
                    .iter()
                    .map(|(n, m, p)| SheetCriterion {
                        name: (*n).into(),
                        max_points: *m,
                        points: (!blank).then_some(*p),
                    })
                    .collect(),
                approve: None,
                comment: if blank {
                    String::new()
                } else {
                    "Cách làm hay, cần tổng kết.".into()
                },
            })
            .collect(),
    }
}

pub fn registration(subject: Subject, blank: bool) -> RegistrationForm {
    let text = |s: &str| if blank { String::new() } else { s.to_owned() };
    RegistrationForm {
        unit: (subject == Subject::Collective).then(|| Issuing {
            letterhead: Letterhead::State,
            parent: "ỦY BAN NHÂN DÂN XÃ MỘC CHÂU".into(),
            body: "Ban Công tác Mặt trận bản Hua Pàng".into(),
            place: "Mộc Châu".into(),
        }),
        letterhead: Letterhead::State,
        place: "Mộc Châu".into(),
        date: (!blank).then(|| "2026-03-02".into()),
        kind: if subject == Subject::Collective {
            Kind::Model
        } else {
            Kind::Exemplar
        },
        subject,
        to: text("Ban Tuyên giáo và Dân vận Tỉnh ủy Sơn La"),
        year: (!blank).then_some(2026),
        field: text("Quốc phòng, an ninh"),
        level_name: text("cấp xã"),
        items: std::array::from_fn(|i| {
            text(&format!(
                "Nội dung mục {} do đơn vị ghi.\nDòng thứ hai.",
                i + 1
            ))
        }),
        person: [
            text("Lò Văn Pâng"),
            text("1968"),
            text("Nam"),
            text("Thái"),
            text("Trưởng bản Hua Pàng"),
            text("Có"),
            text("Gia đình gương mẫu chấp hành chủ trương, chính sách."),
        ],
    }
}

pub fn certificate() -> Certificate {
    Certificate {
        issuing: province(),
        heading: "GIẤY CHỨNG NHẬN".into(),
        lead: "Mô hình, điển hình “Dân vận khéo” cấp tỉnh".into(),
        title: "Mô hình “Bản không có người nghiện ma túy”".into(),
        holder: "Chi bộ bản Hua Pàng, xã Mộc Châu".into(),
        attests: "Theo Quyết định số 15/QĐ-UBND ngày 05/01/2026".into(),
        number: "15/QĐ-UBND".into(),
        signed_on: "2026-01-05".into(),
        signing: Signing {
            signer: "Nguyễn Đình Việt".into(),
            title: "KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH".into(),
        },
        check_code: "3f2a9c0e41d7".into(),
    }
}

pub fn proposal() -> Proposal {
    Proposal {
        issuing: party_board(),
        number: Some("20-TTr/BTGDVTU".into()),
        date: Some("2025-11-18".into()),
        signing: signing(),
        to: "Ủy ban nhân dân tỉnh Sơn La".into(),
        asks: Asks::Recognition {
            level_name: "cấp tỉnh".into(),
            year: 2025,
        },
        notice: Some(("2025-11-03".into(), "2025-11-14".into(), 2)),
        lines: listed(3),
    }
}

pub fn review() -> ReviewSummary {
    ReviewSummary {
        issuing: party_board(),
        date: Some("2026-12-01".into()),
        signing: signing(),
        year: 2026,
        unit: "tỉnh Sơn La".into(),
        rows: vec![
            ReviewRow {
                unit: "Xã Mộc Châu".into(),
                registered: 12,
                new: 4,
                continuing: 7,
                removed: 1,
            },
            ReviewRow {
                unit: "Phường Tô Hiệu".into(),
                registered: 9,
                new: 3,
                continuing: 5,
                removed: 0,
            },
        ],
        reviewed: listed(2)
            .into_iter()
            .map(|listed| Reviewed {
                listed,
                outcome: "Duy trì, hiệu quả".into(),
                reason: String::new(),
            })
            .collect(),
    }
}

pub fn report() -> Report {
    Report {
        issuing: party_board(),
        number: Some("30-BC/BTGDVTU".into()),
        date: Some("2026-12-01".into()),
        signing: signing(),
        period: "năm 2026".into(),
        figures: Figures {
            registered: 21,
            collective: 15,
            individual: 6,
            models: 15,
            exemplars: 6,
            new: 18,
            continuing: 3,
            recognised: vec![("cấp xã".into(), 8), ("cấp tỉnh".into(), 4)],
            outstanding: 2,
            rewarded: vec![("Giấy khen".into(), 2)],
            removed: 1,
            by_field: vec![
                ("Kinh tế".into(), 9, 5),
                ("Quốc phòng, an ninh".into(), 12, 7),
            ],
        },
        typical: listed(3),
        by_unit: vec![
            UnitLine {
                name: "Ban Tuyên giáo và Dân vận Tỉnh ủy Sơn La".into(),
                total: true,
                values: [21, 15, 6, 12, 2, 2, 1],
            },
            UnitLine {
                name: "Phường Tô Hiệu".into(),
                total: false,
                values: [12, 9, 3, 7, 1, 1, 0],
            },
            UnitLine {
                name: "Phường Chiềng An".into(),
                total: false,
                values: [9, 6, 3, 5, 1, 1, 1],
            },
        ],
    }
}

/// (file stem, document) for every kind.
pub fn all() -> Vec<(&'static str, Document)> {
    vec![
        ("quyet-dinh-cong-nhan", recognition(40).document()),
        ("quyet-dinh-khen-thuong", reward().document()),
        ("thong-bao-cong-khai", notice().document()),
        ("bien-ban-hop-hoi-dong", minutes().document()),
        ("phieu-cham-diem", score_sheet(false).document()),
        ("phieu-cham-diem-trong", score_sheet(true).document()),
        (
            "phieu-dang-ky-tap-the",
            registration(Subject::Collective, false).document(),
        ),
        (
            "phieu-dang-ky-ca-nhan",
            registration(Subject::Individual, false).document(),
        ),
        (
            "phieu-dang-ky-trong",
            registration(Subject::Individual, true).document(),
        ),
        ("giay-chung-nhan", certificate().document()),
        ("to-trinh", proposal().document()),
        ("bieu-ra-soat", review().document()),
        ("bao-cao-trien-khai", report().document()),
    ]
}
