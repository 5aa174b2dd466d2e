//! Reading uploads: every kind of bad file is refused with its reason, and
//! what is read is the value a person sees (a formula's cached result,
//! dates whichever way they were typed).

use dvk_sheets::read::{read_any, read_xlsx, Limits, ReadError, Value};
use dvk_sheets::{write_form, FormColumn, FormSpec, FORM_HEADER_ROW};
use rust_xlsxwriter::{Formula, Workbook};
use std::io::Write;

fn book_bytes(build: impl FnOnce(&mut Workbook)) -> Vec<u8> {
    let mut book = Workbook::new();
    build(&mut book);
    book.save_to_buffer().unwrap()
}

#[test]
fn formulas_give_their_cached_value_and_dates_read_either_way() {
    let bytes = book_bytes(|b| {
        let s = b.add_worksheet();
        s.write_string(0, 0, "Tên").unwrap();
        s.write_formula(
            1,
            0,
            Formula::new("=CONCAT(\"Mô hình \",\"A\")").set_result("Mô hình A"),
        )
        .unwrap();
        s.write_formula(1, 1, Formula::new("=1+1").set_result("2"))
            .unwrap();
        let d = rust_xlsxwriter::ExcelDateTime::from_ymd(2026, 3, 15).unwrap();
        let f = rust_xlsxwriter::Format::new().set_num_format("dd/mm/yyyy");
        s.write_datetime_with_format(1, 2, &d, &f).unwrap();
        s.write_number(1, 3, 46096.0).unwrap();
        s.write_string(1, 4, "15/03/2026").unwrap();
    });
    let g = read_xlsx(&bytes, None, &Limits::default()).unwrap();
    assert_eq!(g.cell(1, 0).text(), "Mô hình A");
    assert_eq!(g.cell(1, 1).text(), "2");
    let day = time::Date::from_calendar_date(2026, time::Month::March, 15).unwrap();
    assert_eq!(g.cell(1, 2), &Value::Date(day));
    assert_eq!(g.cell(1, 3).date(), Some(day));
    assert_eq!(g.cell(1, 4).date(), Some(day));
    assert_eq!(g.cell(1, 2).year(), Some(2026));
}

#[test]
fn bad_files_are_refused_with_their_reason() {
    let limits = Limits::default();
    // Not a spreadsheet by content, whatever its name.
    assert_eq!(
        read_xlsx(b"%PDF-1.7\n\x00\x01binary", None, &limits).unwrap_err(),
        ReadError::NotSpreadsheet
    );
    // Encrypted with a password (made by msoffcrypto-tool from a DVK form).
    let encrypted = include_bytes!("fixtures/encrypted.xlsx");
    assert_eq!(
        read_xlsx(encrypted, None, &limits).unwrap_err(),
        ReadError::Encrypted
    );
    // A ZIP bomb: 200 MB of zeros packed into a few hundred KB.
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    zip.start_file(
        "xl/worksheets/sheet1.xml",
        zip::write::SimpleFileOptions::default(),
    )
    .unwrap();
    let zeros = vec![b'0'; 1 << 20];
    for _ in 0..200 {
        zip.write_all(&zeros).unwrap();
    }
    let bomb = zip.finish().unwrap().into_inner();
    assert!(bomb.len() < 1 << 20, "the bomb is small packed");
    assert!(matches!(
        read_xlsx(&bomb, None, &limits).unwrap_err(),
        ReadError::Bomb(_)
    ));
    // A hidden sheet.
    let hidden = book_bytes(|b| {
        b.add_worksheet().write_string(0, 0, "x").unwrap();
        let s = b.add_worksheet();
        s.set_name("Ẩn").unwrap();
        s.set_hidden(true);
    });
    assert_eq!(
        read_xlsx(&hidden, None, &limits).unwrap_err(),
        ReadError::HiddenSheet("Ẩn".into())
    );
    // More rows than the limit.
    let many = book_bytes(|b| {
        let s = b.add_worksheet();
        s.write_string(0, 0, "Tên").unwrap();
        for r in 1..=2_001u32 {
            s.write_string(r, 0, format!("Dòng {r}")).unwrap();
        }
    });
    let g = read_xlsx(&many, None, &limits);
    let refused = match g {
        Err(e) => e,
        Ok(g) => g.data_rows(0, &limits).unwrap_err(),
    };
    assert!(
        matches!(refused, ReadError::TooManyRows { limit: 2_000, .. }),
        "{refused:?}"
    );
    // A cell at the sheet's far corner: read cell by cell, refused at once
    // instead of allocating a billion empty cells.
    let corner = book_bytes(|b| {
        let s = b.add_worksheet();
        s.write_string(0, 0, "Tên").unwrap();
        s.write_string(5, 16_383, "x").unwrap();
        s.write_string(1_048_575, 1, "x").unwrap();
    });
    assert!(matches!(
        read_xlsx(&corner, None, &limits).unwrap_err(),
        ReadError::TooManyRows { .. }
    ));
    let wide = book_bytes(|b| {
        let s = b.add_worksheet();
        s.write_string(0, 0, "Tên").unwrap();
        s.write_string(1, 16_383, "x").unwrap();
    });
    let g = read_xlsx(&wide, None, &limits).unwrap();
    assert!(g.rows.iter().all(|r| r.len() <= limits.max_columns));
    // One long shared string used by every cell: a small file whose cells,
    // once read, would fill gigabytes; refused when the text read passes
    // the limit.
    let repeated = book_bytes(|b| {
        let s = b.add_worksheet();
        let long = "Rất dài ".repeat(2_000);
        for r in 0..300u32 {
            for c in 0..20u16 {
                s.write_string(r, c, &long).unwrap();
            }
        }
    });
    assert!(repeated.len() < 2 << 20, "small packed: {}", repeated.len());
    assert!(matches!(
        read_xlsx(&repeated, None, &limits).unwrap_err(),
        ReadError::Bomb(_)
    ));
    // An old .xls and a CSV in a legacy code page.
    let xls = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0, 0, 0];
    assert_eq!(
        read_any(&xls, None, &limits).unwrap_err(),
        ReadError::OldExcel
    );
    assert_eq!(
        read_any(b"T\xean;\xd0\n", None, &limits).unwrap_err(),
        ReadError::NotUtf8
    );
    // Every message is Vietnamese and says what to do.
    assert!(ReadError::Encrypted.to_string().contains("gỡ mật khẩu"));
}

#[test]
fn a_form_carries_its_version_lists_and_merged_cells_are_seen() {
    let spec = FormSpec {
        form: "thu-1".into(),
        title: "MẪU THỬ".into(),
        subtitle: "Đơn vị: Phường Tô Hiệu".into(),
        sheet: "Đăng ký".into(),
        columns: vec![
            FormColumn {
                label: "Tên".into(),
                hint: "Tên mô hình".into(),
                required: true,
                choices: vec![],
                width: 30.0,
            },
            FormColumn {
                label: "Loại".into(),
                hint: String::new(),
                required: true,
                choices: vec!["Mô hình".into(), "Điển hình".into()],
                width: 12.0,
            },
        ],
        rows: 100,
        instructions: vec!["Điền mỗi dòng một hồ sơ.".into()],
    };
    let bytes = write_form(&spec).unwrap();
    let g = read_xlsx(&bytes, None, &Limits::default()).unwrap();
    assert_eq!(g.form.as_deref(), Some("thu-1"));
    assert_eq!(g.sheet, "Đăng ký");
    assert_eq!(g.cell(FORM_HEADER_ROW as usize, 1).text(), "Loại");
    // The drop-down's list lives on a visible sheet (hidden ones are
    // refused), and the form's data validation points at it.
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.clone())).unwrap();
    let mut xml = String::new();
    std::io::Read::read_to_string(
        &mut zip.by_name("xl/worksheets/sheet1.xml").unwrap(),
        &mut xml,
    )
    .unwrap();
    assert!(xml.contains("<dataValidation type=\"list\""), "{xml}");
    assert!(xml.contains("'Danh mục'!$A$2:$A$3"));
    let lists = read_xlsx(&bytes, Some("Danh mục"), &Limits::default()).unwrap();
    assert_eq!(lists.cell(2, 0).text(), "Điển hình");
    // The title rows are merged; a reader sees them.
    assert!(g.merged.iter().any(|m| m.0 == 0 && m.2 == 0));
}
