//! Writes a sample table as XLSX and CSV into the directory given
//! (default: the current one), to open in LibreOffice and look at.

use dvk_sheets::{open, Cell, Column, ColumnKind, Format, Heading};

fn main() {
    let dir = std::path::PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| ".".into()));
    let heading = Heading {
        title: "DANH SÁCH HỒ SƠ ĐĂNG KÝ MÔ HÌNH, ĐIỂN HÌNH “DÂN VẬN KHÉO” NĂM 2026".into(),
        unit: "Ban Tuyên giáo và Dân vận Tỉnh ủy Sơn La".into(),
        exported_at: "14:05 ngày 04/12/2026".into(),
        note: "Lọc: năm 2026".into(),
        sheet: "Hồ sơ".into(),
        form: String::new(),
    };
    let columns = vec![
        Column::new("TT", ColumnKind::Count).width(5.0),
        Column::new("Tên mô hình, điển hình", ColumnKind::Wrap),
        Column::new("Đơn vị", ColumnKind::Text).width(24.0),
        Column::new("Tập thể", ColumnKind::Count).group("Đối tượng"),
        Column::new("Cá nhân", ColumnKind::Count).group("Đối tượng"),
        Column::new("Ngày gửi", ColumnKind::Date),
        Column::new("Mức thưởng (đồng)", ColumnKind::Money),
    ];
    for format in [Format::Xlsx, Format::Csv] {
        let path = dir.join(format!("mau-bang.{}", format.extension()));
        let mut sink = open(format, &heading, &columns, &path).expect("open");
        for i in 1..=120i64 {
            sink.row(&[
                Cell::Count(i),
                format!("Mô hình “Dân vận khéo” số {i} trong xây dựng nông thôn mới").into(),
                "Ủy ban MTTQ Việt Nam phường Tô Hiệu".into(),
                Cell::Count(i % 2),
                Cell::Count(1 - i % 2),
                Cell::Date(
                    time::Date::from_calendar_date(2026, time::Month::March, (i % 28 + 1) as u8)
                        .unwrap(),
                ),
                Cell::Money(i * 150_000),
            ])
            .expect("row");
        }
        sink.finish().expect("finish");
        println!("{}", path.display());
    }
}
