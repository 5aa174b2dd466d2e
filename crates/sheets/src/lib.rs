//! Spreadsheets out of DVK (DOMAIN.md §8): a table with the office's
//! heading — title, issuing unit, export time — merged two-level header
//! rows, Vietnamese number and date formats, and print set-up (A4
//! landscape, fit to width, header rows repeated), written row by row as
//! XLSX in rust_xlsxwriter's constant-memory mode or as CSV (UTF-8 with
//! BOM). Nothing a user typed is ever written as a formula. No database,
//! no HTTP: rows come from the caller.

mod csv;
mod form;
mod model;
pub mod read;
mod xlsx;

pub use csv::CsvWriter;
pub use form::{write_form, FormColumn, FormSpec, FORM_HEADER_ROW};
pub use model::{Cell, Column, ColumnKind, Heading};
pub use xlsx::XlsxWriter;

/// The XLSX content type.
pub const XLSX_MIME: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
/// The CSV content type.
pub const CSV_MIME: &str = "text/csv; charset=utf-8";

#[derive(Debug, thiserror::Error)]
pub enum SheetError {
    #[error("không ghi được bảng tính: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    #[error("lỗi đọc ghi: {0}")]
    Io(#[from] std::io::Error),
}

/// The two formats every export comes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Xlsx,
    Csv,
}

impl Format {
    /// `xlsx` (default) or `csv`.
    pub fn parse(s: &str) -> Option<Format> {
        match s.trim() {
            "" | "xlsx" => Some(Format::Xlsx),
            "csv" => Some(Format::Csv),
            _ => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Xlsx => "xlsx",
            Format::Csv => "csv",
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            Format::Xlsx => XLSX_MIME,
            Format::Csv => CSV_MIME,
        }
    }
}

/// Where rows go, whichever the format.
pub trait RowSink: Send {
    fn row(&mut self, cells: &[Cell]) -> Result<(), SheetError>;
    /// Writes what is left and closes the file.
    fn finish(self: Box<Self>) -> Result<(), SheetError>;
}

/// A writer of `format` into the file at `path`.
pub fn open(
    format: Format,
    heading: &Heading,
    columns: &[Column],
    path: &std::path::Path,
) -> Result<Box<dyn RowSink>, SheetError> {
    Ok(match format {
        Format::Xlsx => Box::new(XlsxWriter::create(heading, columns, path)?),
        Format::Csv => Box::new(CsvWriter::create(heading, columns, path)?),
    })
}
