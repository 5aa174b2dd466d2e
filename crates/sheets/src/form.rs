//! Input forms (mẫu nhập): an XLSX a unit fills and uploads. The first
//! sheet holds the header row and empty rows with drop-down lists; a
//! "Danh mục" sheet holds the lists; a "Hướng dẫn" sheet says how to fill
//! it. The workbook carries its kind and version in the defined name
//! `DVK_MAU`, so an upload made from an old form is recognised.

use crate::model::{clean, sheet_name};
use crate::read::FORM_NAME;
use crate::SheetError;
use rust_xlsxwriter::{
    DataValidation, DataValidationErrorStyle, Format, FormatAlign, FormatBorder, Formula, Note,
    Workbook,
};

const FONT: &str = "Times New Roman";

/// One column of a form.
#[derive(Debug, Clone)]
pub struct FormColumn {
    /// Exactly what the header cell says; the reader finds columns by it.
    pub label: String,
    /// Shown as the header cell's note.
    pub hint: String,
    pub required: bool,
    /// The allowed values, as a drop-down list.
    pub choices: Vec<String>,
    /// In characters.
    pub width: f64,
}

/// A form to fill.
#[derive(Debug, Clone)]
pub struct FormSpec {
    /// `DVK_MAU`'s value, e.g. "dang-ky-1".
    pub form: String,
    pub title: String,
    /// The unit the form is for, and anything else worth a line.
    pub subtitle: String,
    pub sheet: String,
    pub columns: Vec<FormColumn>,
    /// How many rows carry the drop-down lists.
    pub rows: u32,
    /// The instruction sheet, one paragraph per line.
    pub instructions: Vec<String>,
}

/// Where the header row is (0-based): below the title and subtitle.
pub const FORM_HEADER_ROW: u32 = 3;

/// Writes the form as XLSX bytes.
pub fn write_form(spec: &FormSpec) -> Result<Vec<u8>, SheetError> {
    let mut book = Workbook::new();
    let base = Format::new().set_font_name(FONT).set_font_size(12);
    let title = base.clone().set_bold().set_font_size(14);
    let italic = base.clone().set_italic();
    let header = base
        .clone()
        .set_bold()
        .set_text_wrap()
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_background_color(0xE8EEF4);
    let required = header.clone().set_background_color(0xFCE8D8);
    let cell = base
        .clone()
        .set_text_wrap()
        .set_align(FormatAlign::Top)
        .set_border(FormatBorder::Thin);

    // The lists first in the book's order of definition, but shown after
    // the form: the form is the sheet that opens.
    let lists_name = "Danh mục";
    let mut list_refs = Vec::new();
    {
        let data = book.add_worksheet();
        data.set_name(sheet_name(&spec.sheet))?;
        data.set_active(true);
        let last = (spec.columns.len().max(1) - 1) as u16;
        data.merge_range(0, 0, 0, last, &clean(&spec.title), &title)?;
        data.merge_range(1, 0, 1, last, &clean(&spec.subtitle), &italic)?;
        data.set_row_height(FORM_HEADER_ROW, 48)?;
        let mut choice_col = 0u16;
        for (i, c) in spec.columns.iter().enumerate() {
            let col = i as u16;
            data.set_column_width(col, c.width)?;
            data.set_column_format(col, &cell)?;
            let fmt = if c.required { &required } else { &header };
            data.write_string_with_format(FORM_HEADER_ROW, col, clean(&c.label), fmt)?;
            if !c.hint.is_empty() {
                let note = Note::new(clean(&c.hint))
                    .set_author("DVK")
                    .add_author_prefix(false)
                    .set_width(300)
                    .set_height(120);
                data.insert_note(FORM_HEADER_ROW, col, &note)?;
            }
            if !c.choices.is_empty() {
                let letter = column_letter(choice_col);
                let range = format!(
                    "='{lists_name}'!${letter}$2:${letter}${}",
                    c.choices.len() + 1
                );
                let rule = DataValidation::new()
                    .allow_list_formula(Formula::new(&range))
                    .set_error_style(DataValidationErrorStyle::Stop)
                    .set_error_title("Giá trị không có trong danh mục")?
                    .set_error_message(format!(
                        "Chọn một giá trị trong danh sách của cột “{}”.",
                        c.label
                    ))?;
                data.add_data_validation(
                    FORM_HEADER_ROW + 1,
                    col,
                    FORM_HEADER_ROW + spec.rows,
                    col,
                    &rule,
                )?;
                list_refs.push((choice_col, c));
                choice_col += 1;
            }
        }
        data.set_freeze_panes(FORM_HEADER_ROW + 1, 1)?;
        data.set_landscape();
        data.set_paper_size(9);
        data.set_repeat_rows(FORM_HEADER_ROW, FORM_HEADER_ROW)?;
        // A narrow form prints one page wide; a wide one keeps a legible
        // type size and runs across pages.
        if spec.columns.iter().map(|c| c.width).sum::<f64>() <= 200.0 {
            data.set_print_fit_to_pages(1, 0);
        }
    }
    {
        let help = book.add_worksheet();
        help.set_name("Hướng dẫn")?;
        help.set_column_width(0, 72)?;
        help.set_paper_size(9);
        help.set_print_fit_to_pages(1, 0);
        let wrap = base.clone().set_text_wrap().set_align(FormatAlign::Top);
        help.write_string_with_format(0, 0, clean(&spec.title), &title)?;
        for (i, line) in spec.instructions.iter().enumerate() {
            let row = i as u32 + 2;
            help.write_string_with_format(row, 0, clean(line), &wrap)?;
            // Readers do not grow rows for wrapped text on their own.
            let lines = line.chars().count().div_ceil(68).max(1);
            help.set_row_height(row, 16.0 * lines as f64)?;
        }
    }
    {
        let lists = book.add_worksheet();
        lists.set_name(lists_name)?;
        for (col, c) in &list_refs {
            lists.set_column_width(*col, 32)?;
            lists.write_string_with_format(0, *col, clean(&c.label), &header)?;
            for (r, v) in c.choices.iter().enumerate() {
                lists.write_string_with_format(r as u32 + 1, *col, clean(v), &cell)?;
            }
        }
    }
    book.define_name(FORM_NAME, &format!("=\"{}\"", spec.form))?;
    Ok(book.save_to_buffer()?)
}

fn column_letter(col: u16) -> String {
    let mut n = col as u32 + 1;
    let mut s = Vec::new();
    while n > 0 {
        let r = (n - 1) % 26;
        s.push(b'A' + r as u8);
        n = (n - 1) / 26;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}
