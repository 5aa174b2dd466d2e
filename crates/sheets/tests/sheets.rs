//! Tables written as XLSX and CSV, read back with a real reader
//! (calamine) cell by cell, and the print set-up read from the package.

use calamine::{open_workbook, Data, Reader, Xlsx};
use dvk_sheets::{open, Cell, Column, ColumnKind, Format, Heading};
use std::io::Read;
use time::macros::date;

fn heading() -> Heading {
    Heading {
        title: "DANH SÁCH HỒ SƠ ĐĂNG KÝ MÔ HÌNH, ĐIỂN HÌNH “DÂN VẬN KHÉO”".into(),
        unit: "Ban Tuyên giáo và Dân vận Tỉnh ủy Sơn La".into(),
        exported_at: "14:05 ngày 04/12/2026".into(),
        note: "Năm 2026 · Lĩnh vực: Kinh tế".into(),
        sheet: "Hồ sơ: 2026/[tỉnh]".into(),
        form: String::new(),
    }
}

fn columns() -> Vec<Column> {
    vec![
        Column::new("TT", ColumnKind::Count).width(5.0),
        Column::new("Tên mô hình, điển hình", ColumnKind::Wrap),
        Column::new("Tập thể", ColumnKind::Count).group("Đối tượng"),
        Column::new("Cá nhân", ColumnKind::Count).group("Đối tượng"),
        Column::new("Ngày gửi", ColumnKind::Date),
        Column::new("Mức thưởng", ColumnKind::Money),
    ]
}

/// Payloads that would run as formulas in Excel if written as such.
const INJECTIONS: [&str; 6] = [
    "=HYPERLINK(\"http://x\",\"y\")",
    "+1+1",
    "-2+3",
    "@SUM(A1:A2)",
    "=cmd|' /C calc'!A0",
    "\t=1+1",
];

fn rows() -> Vec<Vec<Cell>> {
    let mut out = vec![
        vec![
            Cell::Count(1),
            "Mô hình “Bản không có người nghiện ma túy”".into(),
            Cell::Count(1),
            Cell::Count(0),
            Cell::Date(date!(2026 - 01 - 05)),
            Cell::Money(1_200_000),
        ],
        vec![
            Cell::Count(2),
            "Điển hình “Dân vận khéo”, dòng 1\ndòng 2; có \"ngoặc\"".into(),
            Cell::Count(0),
            Cell::Count(1),
            Cell::Empty,
            Cell::Empty,
        ],
    ];
    for (i, p) in INJECTIONS.iter().enumerate() {
        out.push(vec![
            Cell::Count(3 + i as i64),
            (*p).into(),
            Cell::Count(0),
            Cell::Count(0),
            Cell::Empty,
            Cell::Empty,
        ]);
    }
    out
}

fn write(format: Format) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("bang.{}", format.extension()));
    let mut sink = open(format, &heading(), &columns(), &path).unwrap();
    for r in rows() {
        sink.row(&r).unwrap();
    }
    sink.finish().unwrap();
    (dir, path)
}

fn part(path: &std::path::Path, name: &str) -> String {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut s = String::new();
    zip.by_name(name).unwrap().read_to_string(&mut s).unwrap();
    s
}

#[test]
fn xlsx_reads_back_cell_by_cell_with_its_heading_and_merged_headers() {
    let (_dir, path) = write(Format::Xlsx);
    let mut book: Xlsx<_> = open_workbook(&path).unwrap();
    // Excel's forbidden characters are dropped from the sheet name.
    assert_eq!(book.sheet_names(), vec!["Hồ sơ 2026tỉnh".to_owned()]);
    let range = book.worksheet_range("Hồ sơ 2026tỉnh").unwrap();
    let at = |r: u32, c: u32| range.get_value((r, c)).cloned().unwrap_or(Data::Empty);
    let text = |r: u32, c: u32| match at(r, c) {
        Data::String(s) => s,
        other => panic!("({r},{c}) is {other:?}"),
    };
    assert_eq!(text(0, 0), heading().title);
    assert_eq!(
        text(1, 0),
        "Đơn vị: Ban Tuyên giáo và Dân vận Tỉnh ủy Sơn La — Xuất lúc 14:05 ngày 04/12/2026"
    );
    assert_eq!(text(2, 0), "Năm 2026 · Lĩnh vực: Kinh tế");
    // Two header rows: the group over its columns, others merged down.
    assert_eq!(text(4, 0), "TT");
    assert_eq!(text(4, 2), "Đối tượng");
    assert_eq!(text(5, 2), "Tập thể");
    assert_eq!(text(5, 3), "Cá nhân");
    let merges = book.merge_cells_by_sheet_name("Hồ sơ 2026tỉnh").unwrap();
    let spans: Vec<((u32, u32), (u32, u32))> = merges.iter().map(|d| (d.start, d.end)).collect();
    for want in [
        ((0, 0), (0, 5)),
        ((4, 2), (4, 3)),
        ((4, 0), (5, 0)),
        ((4, 5), (5, 5)),
    ] {
        assert!(spans.contains(&want), "{want:?} not in {spans:?}");
    }
    // Data from row 6: numbers as numbers, dates as dates, text as text.
    assert_eq!(at(6, 0), Data::Float(1.0));
    assert_eq!(text(6, 1), "Mô hình “Bản không có người nghiện ma túy”");
    match at(6, 4) {
        Data::DateTime(d) => {
            let (y, m, day, ..) = d.to_ymd_hms_milli();
            assert_eq!((y, m, day), (2026, 1, 5));
        }
        other => panic!("the date is {other:?}"),
    }
    assert_eq!(at(6, 5), Data::Float(1_200_000.0));
    assert_eq!(
        text(7, 1),
        "Điển hình “Dân vận khéo”, dòng 1\ndòng 2; có \"ngoặc\""
    );
    assert_eq!(at(7, 4), Data::Empty);
    // Formula payloads are plain text and no cell holds a formula.
    for (i, p) in INJECTIONS.iter().enumerate() {
        assert_eq!(text(8 + i as u32, 1), *p);
    }
    let formulas = book.worksheet_formula("Hồ sơ 2026tỉnh").unwrap();
    assert!(
        formulas.used_cells().all(|(_, _, f)| f.is_empty()),
        "no formulas"
    );
    let sheet = part(&path, "xl/worksheets/sheet1.xml");
    assert!(!sheet.contains("<f>"), "no formula element");

    // Print set-up: A4 landscape, fit to one page wide, header rows repeat,
    // panes frozen under the header, the unit and the time in the header.
    assert!(sheet.contains("paperSize=\"9\""), "{sheet}");
    assert!(sheet.contains("orientation=\"landscape\""), "{sheet}");
    assert!(sheet.contains("fitToHeight=\"0\""), "{sheet}");
    assert!(sheet.contains("<pane ySplit=\"6\""), "{sheet}");
    assert!(sheet.contains("Ban Tuyên giáo và Dân vận Tỉnh ủy Sơn La"));
    assert!(sheet.contains("Trang &amp;P/&amp;N"));
    let workbook = part(&path, "xl/workbook.xml");
    assert!(workbook.contains("_xlnm.Print_Titles"), "{workbook}");
    assert!(workbook.contains("$5:$6"), "{workbook}");
    // Number and date formats.
    let styles = part(&path, "xl/styles.xml");
    assert!(styles.contains("formatCode=\"dd/mm/yyyy\""));
    assert!(styles.contains("formatCode=\"#,##0\""));
    assert!(styles.contains("Times New Roman"));
}

#[test]
fn csv_is_utf8_with_bom_quoted_and_never_a_formula() {
    let (_dir, path) = write(Format::Csv);
    let bytes = std::fs::read(&path).unwrap();
    assert!(bytes.starts_with(&[0xEF, 0xBB, 0xBF]), "BOM");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let lines: Vec<&str> = text.split("\r\n").collect();
    assert_eq!(
        lines[0],
        "TT,\"Tên mô hình, điển hình\",Đối tượng - Tập thể,Đối tượng - Cá nhân,Ngày gửi,Mức thưởng"
    );
    assert_eq!(
        lines[1],
        "1,Mô hình “Bản không có người nghiện ma túy”,1,0,05/01/2026,1200000"
    );
    assert_eq!(
        lines[2],
        "2,\"Điển hình “Dân vận khéo”, dòng 1\ndòng 2; có \"\"ngoặc\"\"\",0,1,,"
    );
    assert!(
        lines[3].starts_with("3,\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\""),
        "{}",
        lines[3]
    );
    assert!(lines[4].starts_with("4,'+1+1,"));
    assert!(lines[5].starts_with("5,'-2+3,"));
    assert!(lines[6].starts_with("6,'@SUM(A1:A2),"));
    assert!(lines[8].starts_with("8,'\t=1+1,"), "{:?}", lines[8]);
}

#[test]
fn characters_a_sheet_cannot_carry_are_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.xlsx");
    let mut sink = open(Format::Xlsx, &heading(), &columns(), &path).unwrap();
    sink.row(&[Cell::Count(1), "Tên\u{FFFF} có\u{1} ký tự lạ".into()])
        .unwrap();
    sink.finish().unwrap();
    let mut book: Xlsx<_> = open_workbook(&path).unwrap();
    let range = book.worksheet_range_at(0).unwrap().unwrap();
    assert_eq!(
        range.get_value((6, 1)),
        Some(&Data::String("Tên có ký tự lạ".into()))
    );
}

/// LibreOffice opens what we write (CI installs it; see `.ci/run`).
#[test]
fn libreoffice_converts_an_export_to_pdf() {
    let Some(soffice) = ["soffice", "libreoffice"].into_iter().find(|p| {
        std::process::Command::new(p)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    }) else {
        assert!(
            std::env::var("CI").is_err(),
            "LibreOffice is needed in CI (.ci/run installs libreoffice-calc-nogui)"
        );
        return;
    };
    let (dir, path) = write(Format::Xlsx);
    let out = std::process::Command::new(soffice)
        .arg(format!(
            "-env:UserInstallation=file://{}",
            dir.path().join("profile").display()
        ))
        .args([
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
        ])
        .arg(dir.path())
        .arg(&path)
        .output()
        .unwrap();
    let pdf = dir.path().join("bang.pdf");
    assert!(pdf.exists(), "{}", String::from_utf8_lossy(&out.stderr));
    let info = std::process::Command::new("pdfinfo")
        .arg(&pdf)
        .output()
        .unwrap();
    let info = String::from_utf8_lossy(&info.stdout);
    assert!(info.contains("(A4)"), "{info}");
    // Landscape: wider than tall.
    let size: Vec<f64> = info
        .lines()
        .find_map(|l| l.strip_prefix("Page size:"))
        .unwrap()
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    assert!(size[0] > size[1], "{info}");
    let text = std::process::Command::new("pdftotext")
        .arg(&pdf)
        .arg("-")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("DANH SÁCH HỒ SƠ"), "{text}");
    assert!(text.contains("Bản không có người nghiện ma túy"), "{text}");
}
