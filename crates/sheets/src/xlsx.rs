//! XLSX in constant-memory mode: rows go to a temporary file as they come,
//! so 100,000 entries cost the memory of one row.

use crate::model::{clean, sheet_name, Cell, Column, ColumnKind, Heading};
use crate::{RowSink, SheetError};
use rust_xlsxwriter::{
    ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError,
};
use std::path::{Path, PathBuf};

const FONT: &str = "Times New Roman";
/// Excel's paper size code for A4.
const A4: u8 = 9;

/// The formats of a table's cells.
struct Formats {
    title: Format,
    subtitle: Format,
    header: Format,
    text: Format,
    wrap: Format,
    count: Format,
    date: Format,
    money: Format,
    decimal: Format,
}

impl Formats {
    fn new() -> Formats {
        let base = Format::new().set_font_name(FONT).set_font_size(12);
        let cell = base
            .clone()
            .set_border(FormatBorder::Thin)
            .set_align(FormatAlign::Top);
        Formats {
            title: base
                .clone()
                .set_bold()
                .set_font_size(14)
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter)
                .set_text_wrap(),
            subtitle: base
                .clone()
                .set_italic()
                .set_align(FormatAlign::Center)
                .set_text_wrap(),
            header: cell
                .clone()
                .set_bold()
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter)
                .set_text_wrap()
                .set_background_color(0xE8EEF4),
            text: cell.clone().set_text_wrap(),
            wrap: cell.clone().set_text_wrap(),
            // Thousands grouped; Excel shows the reader's separator (a dot
            // in Vietnamese settings).
            count: cell.clone().set_num_format("#,##0"),
            date: cell.clone().set_num_format("dd/mm/yyyy"),
            money: cell.clone().set_num_format("#,##0"),
            decimal: cell.set_num_format("#,##0.0"),
        }
    }

    fn of(&self, kind: ColumnKind) -> &Format {
        match kind {
            ColumnKind::Text => &self.text,
            ColumnKind::Wrap => &self.wrap,
            ColumnKind::Count => &self.count,
            ColumnKind::Date => &self.date,
            ColumnKind::Money => &self.money,
            ColumnKind::Decimal => &self.decimal,
        }
    }
}

pub struct XlsxWriter {
    workbook: Workbook,
    formats: Formats,
    kinds: Vec<ColumnKind>,
    widths: Vec<f64>,
    next_row: u32,
    path: PathBuf,
}

impl XlsxWriter {
    /// Starts the file: heading, header rows, print set-up.
    pub fn create(
        heading: &Heading,
        columns: &[Column],
        path: &Path,
    ) -> Result<XlsxWriter, SheetError> {
        let mut workbook = Workbook::new();
        // Exports are read once and thrown away: fast compression beats a
        // slightly smaller file (level 1 is about twice as fast as 6).
        workbook.set_zip_compression_level(1);
        if let Some(dir) = path.parent() {
            workbook.set_tempdir(dir)?;
        }
        let formats = Formats::new();
        if !heading.form.is_empty() {
            workbook.define_name(crate::read::FORM_NAME, &format!("=\"{}\"", heading.form))?;
        }
        let sheet = workbook.add_worksheet_with_constant_memory()?;
        let next_row = head(sheet, &formats, heading, columns)?;
        Ok(XlsxWriter {
            workbook,
            formats,
            kinds: columns.iter().map(|c| c.kind).collect(),
            widths: columns.iter().map(|c| c.width).collect(),
            next_row,
            path: path.to_owned(),
        })
    }
}

/// Writes the heading and the header rows; returns the first data row.
fn head(
    sheet: &mut Worksheet,
    f: &Formats,
    heading: &Heading,
    columns: &[Column],
) -> Result<u32, XlsxError> {
    sheet.set_name(sheet_name(&heading.sheet))?;
    let last = columns.len().saturating_sub(1) as u16;
    for (i, c) in columns.iter().enumerate() {
        sheet.set_column_width(i as u16, c.width)?;
    }
    let mut row = 0u32;
    let line = |sheet: &mut Worksheet, row: u32, text: &str, format: &Format| {
        if last == 0 {
            sheet
                .write_string_with_format(row, 0, clean(text), format)
                .map(|_| ())
        } else {
            sheet
                .merge_range(row, 0, row, last, &clean(text), format)
                .map(|_| ())
        }
    };
    line(sheet, row, &heading.title, &f.title)?;
    sheet.set_row_height(row, 36)?;
    row += 1;
    let mut sub = format!("Đơn vị: {}", heading.unit);
    if !heading.exported_at.is_empty() {
        sub.push_str(&format!(" — Xuất lúc {}", heading.exported_at));
    }
    line(sheet, row, &sub, &f.subtitle)?;
    row += 1;
    if !heading.note.is_empty() {
        line(sheet, row, &heading.note, &f.subtitle)?;
        row += 1;
    }
    row += 1;
    let first_header = row;
    if columns.iter().any(|c| c.group.is_some()) {
        // Group labels merged across their columns; a column without a
        // group has its label merged down over both rows.
        let mut i = 0;
        while i < columns.len() {
            match &columns[i].group {
                Some(g) => {
                    let mut j = i;
                    while j + 1 < columns.len() && columns[j + 1].group.as_ref() == Some(g) {
                        j += 1;
                    }
                    if j > i {
                        sheet.merge_range(row, i as u16, row, j as u16, &clean(g), &f.header)?;
                    } else {
                        sheet.write_string_with_format(row, i as u16, clean(g), &f.header)?;
                    }
                    i = j + 1;
                }
                None => {
                    sheet.merge_range(
                        row,
                        i as u16,
                        row + 1,
                        i as u16,
                        &clean(&columns[i].label),
                        &f.header,
                    )?;
                    i += 1;
                }
            }
        }
        row += 1;
        for (i, c) in columns.iter().enumerate() {
            if c.group.is_some() {
                sheet.write_string_with_format(row, i as u16, clean(&c.label), &f.header)?;
            }
        }
    } else {
        for (i, c) in columns.iter().enumerate() {
            sheet.write_string_with_format(row, i as u16, clean(&c.label), &f.header)?;
        }
    }
    // Header rows tall enough for their wrapped labels (neither Excel nor
    // LibreOffice sizes them when the file opens).
    let label_lines = columns
        .iter()
        .map(|c| lines_in(&c.label, c.width))
        .max()
        .unwrap_or(1);
    sheet.set_row_height(row, LINE_HEIGHT * label_lines as f64 + 4.0)?;
    row += 1;
    sheet.set_freeze_panes(row, 0)?;
    sheet
        .set_landscape()
        .set_paper_size(A4)
        .set_print_fit_to_pages(1, 0)
        .set_repeat_rows(first_header, row - 1)?;
    sheet.set_margins(0.4, 0.4, 0.6, 0.6, 0.3, 0.3);
    sheet.set_header(format!(
        "&L&\"{FONT}\"&9{}&R&\"{FONT}\"&9{}",
        header_text(&heading.unit),
        header_text(&heading.exported_at)
    ));
    sheet.set_footer(format!("&C&\"{FONT}\"&9Trang &P/&N"));
    Ok(row)
}

/// The height of one line of 12 pt text, in points.
const LINE_HEIGHT: f64 = 15.75;

/// How many lines `text` takes in a column `width` characters wide.
fn lines_in(text: &str, width: f64) -> usize {
    // A character of 12 pt Times takes a little less than one unit of
    // column width; words wrap whole, so leave some slack.
    let per_line = ((width * 1.05).floor() as usize).max(1);
    // Bytes bound characters from above: most cells fit on a line.
    if text.len() <= per_line && !text.contains('\n') {
        return 1;
    }
    text.split('\n')
        .map(|l| l.chars().count().div_ceil(per_line).max(1))
        .sum::<usize>()
        .min(26)
}

/// Text for a page header: `&` doubled (it starts a code), kept short.
fn header_text(s: &str) -> String {
    clean(s)
        .chars()
        .take(100)
        .collect::<String>()
        .replace('&', "&&")
}

impl RowSink for XlsxWriter {
    fn row(&mut self, cells: &[Cell]) -> Result<(), SheetError> {
        let XlsxWriter {
            workbook,
            formats,
            kinds,
            widths,
            next_row,
            ..
        } = self;
        let row = *next_row;
        *next_row += 1;
        let sheet = workbook.worksheet_from_index(0)?;
        // Neither Excel nor LibreOffice sizes rows of wrapped text written
        // this way: the height is estimated from the longest cell.
        let lines = cells
            .iter()
            .zip(widths.iter())
            .map(|(c, w)| match c {
                Cell::Text(t) => lines_in(t, *w),
                _ => 1,
            })
            .max()
            .unwrap_or(1);
        if lines > 1 {
            sheet.set_row_height(row, (LINE_HEIGHT * lines as f64).min(409.0))?;
        }
        for (i, cell) in cells.iter().enumerate() {
            let col = i as u16;
            let format = formats.of(kinds.get(i).copied().unwrap_or(ColumnKind::Text));
            match cell {
                Cell::Empty => sheet.write_blank(row, col, format)?,
                // Always a string: user text never becomes a formula.
                Cell::Text(t) => sheet.write_string_with_format(row, col, clean(t), format)?,
                Cell::Decimal(v) => sheet.write_number_with_format(row, col, *v, format)?,
                Cell::Count(n) | Cell::Money(n) => {
                    sheet.write_number_with_format(row, col, *n as f64, format)?
                }
                Cell::Date(d) => {
                    let day =
                        ExcelDateTime::from_ymd(d.year() as u16, u8::from(d.month()), d.day())?;
                    sheet.write_datetime_with_format(row, col, &day, format)?
                }
            };
        }
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> Result<(), SheetError> {
        let path = self.path.clone();
        self.workbook.save(&path)?;
        Ok(())
    }
}
