//! CSV as Excel opens it in Vietnamese: UTF-8 with a BOM, comma-separated,
//! CRLF, fields quoted where needed. Text that Excel would take for a
//! formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage return)
//! is prefixed with an apostrophe, so it stays text.

use crate::model::{clean, Cell, Column, Heading};
use crate::{RowSink, SheetError};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

pub struct CsvWriter {
    out: BufWriter<File>,
}

/// Characters that make a spreadsheet read what follows as a formula
/// (full-width forms included).
const FORMULA_START: [char; 10] = ['=', '+', '-', '@', '\t', '\r', '＝', '﹦', '＋', '＠'];

/// Text with an apostrophe before every place a spreadsheet could start a
/// formula: the start, and after each `;` and line break — Excel in
/// locales whose list separator is `;` splits the field there, and a
/// quoted line break is a row break for some readers.
fn guard(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    let mut at_start = true;
    for c in text.chars() {
        if at_start && FORMULA_START.contains(&c) {
            out.push('\'');
        }
        out.push(c);
        at_start = matches!(c, ';' | '\n' | '\r');
    }
    out
}

/// A field as CSV writes it.
fn field(text: &str) -> String {
    let guarded = guard(&clean(text));
    if guarded.contains([',', '"', '\n', '\r', ';']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

fn cell(c: &Cell) -> String {
    match c {
        Cell::Empty => String::new(),
        Cell::Text(t) => field(t),
        Cell::Count(n) | Cell::Money(n) => n.to_string(),
        // A decimal comma, as Vietnamese spreadsheets read it.
        Cell::Decimal(v) => format!("{:.1}", v).replace('.', ","),
        Cell::Date(d) => format!("{:02}/{:02}/{}", d.day(), u8::from(d.month()), d.year()),
    }
}

impl CsvWriter {
    /// Starts the file: the BOM and one header line (a column's group, if
    /// any, leads its label: "Đã công nhận - Cấp xã"). The heading's
    /// lines are not written: a CSV is data for another program.
    pub fn create(
        _heading: &Heading,
        columns: &[Column],
        path: &Path,
    ) -> Result<CsvWriter, SheetError> {
        let mut out = BufWriter::with_capacity(64 * 1024, File::create(path)?);
        out.write_all("\u{FEFF}".as_bytes())?;
        let labels: Vec<String> = columns
            .iter()
            .map(|c| match &c.group {
                Some(g) => field(&format!("{g} - {}", c.label)),
                None => field(&c.label),
            })
            .collect();
        out.write_all(labels.join(",").as_bytes())?;
        out.write_all(b"\r\n")?;
        Ok(CsvWriter { out })
    }
}

impl RowSink for CsvWriter {
    fn row(&mut self, cells: &[Cell]) -> Result<(), SheetError> {
        let line: Vec<String> = cells.iter().map(cell).collect();
        self.out.write_all(line.join(",").as_bytes())?;
        self.out.write_all(b"\r\n")?;
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> Result<(), SheetError> {
        self.out.flush()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_cannot_start_anywhere_a_reader_splits() {
        assert_eq!(guard("=1+1"), "'=1+1");
        assert_eq!(guard("a;=HYPERLINK(x);b"), "a;'=HYPERLINK(x);b");
        assert_eq!(guard("a\n=1+1"), "a\n'=1+1");
        assert_eq!(guard("a\r\n@SUM(A1)"), "a\r\n'@SUM(A1)");
        assert_eq!(guard("＝1+1"), "'＝1+1");
        assert_eq!(guard("Tô Hiệu - 2026; 3-4 hộ"), "Tô Hiệu - 2026; 3-4 hộ");
    }
}
