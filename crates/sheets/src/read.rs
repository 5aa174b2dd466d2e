//! Spreadsheets into DVK: an uploaded XLSX (or CSV) read as a grid of
//! values, after the checks a file from outside needs — it is what it says
//! by content, not encrypted, not a ZIP bomb, no hidden sheets, not more
//! rows than the caller allows. Formulas give their cached value (calamine
//! never evaluates them). No database, no HTTP.

use calamine::{Data, DataRef, Reader, SheetVisible, Xlsx};
use std::io::{Cursor, Read};
use time::{Date, Month};

/// What a reader accepts.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Data rows after the header row.
    pub max_rows: usize,
    /// Columns read per row.
    pub max_columns: usize,
    /// Everything in the ZIP once unpacked.
    pub max_unpacked: u64,
    /// Unpacked over packed size, for any part larger than 1 MB.
    pub max_ratio: u64,
    /// Text in all the cells read, in bytes.
    pub max_text: usize,
}

/// Excel's own limit on a cell (32,767 characters), in bytes of UTF-8.
const MAX_CELL_BYTES: usize = 32_767 * 3;

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_rows: 2_000,
            max_columns: 64,
            max_unpacked: 64 * 1024 * 1024,
            max_ratio: 100,
            max_text: 32 * 1024 * 1024,
        }
    }
}

/// Why a file cannot be read; each message says what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    #[error("Tệp không phải bảng tính Excel (.xlsx) hay CSV: nội dung của tệp không đúng định dạng, dù tên tệp là gì.")]
    NotSpreadsheet,
    #[error("Tệp là bảng tính Excel 97–2003 (.xls). Hãy mở bằng Excel hoặc LibreOffice và lưu lại dạng .xlsx.")]
    OldExcel,
    #[error("Tệp được đặt mật khẩu (mã hóa) nên không đọc được. Hãy gỡ mật khẩu rồi tải lên lại.")]
    Encrypted,
    #[error("Tệp giải nén ra quá lớn (trên {0} MB) hoặc nén bất thường; DVK không đọc tệp này.")]
    Bomb(u64),
    #[error("Tệp có {found} dòng dữ liệu, vượt giới hạn {limit} dòng mỗi lần nhập. Hãy chia thành nhiều tệp.")]
    TooManyRows { found: usize, limit: usize },
    #[error("Tệp có trang tính bị ẩn (“{0}”). Hãy hiện hoặc xóa trang đó để mọi dữ liệu nhập đều nhìn thấy được, rồi tải lên lại.")]
    HiddenSheet(String),
    #[error("Không tìm thấy trang tính “{0}” trong tệp.")]
    NoSheet(String),
    #[error("Tệp có ô dài hơn giới hạn 32.767 ký tự của Excel.")]
    CellTooLong,
    #[error("Tệp CSV phải lưu dạng UTF-8 (trong Excel: “CSV UTF-8”).")]
    NotUtf8,
    #[error("Tệp bảng tính bị hỏng, không đọc được: {0}")]
    Broken(String),
}

/// One cell's value as stored (a formula's cached result).
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Empty,
    Text(String),
    Number(f64),
    Bool(bool),
    /// A cell formatted as a date.
    Date(Date),
    /// `#N/A`, `#REF!`… written out.
    Error(String),
}

impl Value {
    pub fn is_empty(&self) -> bool {
        match self {
            Value::Empty => true,
            Value::Text(s) => s.trim().is_empty(),
            _ => false,
        }
    }

    /// The value as a form would receive it: text trimmed, whole numbers
    /// without a decimal point, dates as dd/mm/yyyy.
    pub fn text(&self) -> String {
        match self {
            Value::Empty => String::new(),
            Value::Text(s) => s.trim().to_owned(),
            Value::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", *n as i64),
            Value::Number(n) => n.to_string(),
            Value::Bool(true) => "Có".into(),
            Value::Bool(false) => "Không".into(),
            Value::Date(d) => format!("{:02}/{:02}/{}", d.day(), d.month() as u8, d.year()),
            Value::Error(e) => e.clone(),
        }
    }

    /// A date: a date cell, an Excel serial number, or text written
    /// dd/mm/yyyy (also with `-` or `.`) or yyyy-mm-dd. Two-digit years are
    /// ambiguous and refused.
    pub fn date(&self) -> Option<Date> {
        match self {
            Value::Date(d) => Some(*d),
            Value::Number(n) => from_serial(*n),
            Value::Text(s) => parse_date_text(s.trim()),
            _ => None,
        }
    }

    /// A year: a whole number from 1900 to 2100, or the year of a date
    /// (a date cell, a serial number above 2100, or a date written as text).
    pub fn year(&self) -> Option<i32> {
        match self {
            Value::Number(n) if (1900.0..=2100.0).contains(n) => {
                (n.fract() == 0.0).then_some(*n as i32)
            }
            // Below 1900 a number is neither a year nor a date of this era.
            Value::Number(n) if *n < 1900.0 => None,
            Value::Text(s) => {
                let s = s.trim();
                match s.parse::<i32>() {
                    Ok(y) if (1900..=2100).contains(&y) => Some(y),
                    Ok(_) => None,
                    Err(_) => parse_date_text(s).map(|d| d.year()),
                }
            }
            other => other.date().map(|d| d.year()),
        }
    }
}

/// Excel's serial day (1900 system, after its 1900-02-29) to a date.
fn from_serial(n: f64) -> Option<Date> {
    if !(61.0..2_958_466.0).contains(&n) {
        return None;
    }
    let epoch = Date::from_calendar_date(1899, Month::December, 30).ok()?;
    epoch.checked_add(time::Duration::days(n.floor() as i64))
}

fn parse_date_text(s: &str) -> Option<Date> {
    let parts: Vec<&str> = s.split(['/', '-', '.']).map(str::trim).collect();
    if parts.len() != 3
        || parts
            .iter()
            .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let (d, m, y) = if parts[0].len() == 4 {
        (parts[2], parts[1], parts[0])
    } else if parts[2].len() == 4 {
        (parts[0], parts[1], parts[2])
    } else {
        return None;
    };
    let month = Month::try_from(m.parse::<u8>().ok()?).ok()?;
    Date::from_calendar_date(y.parse().ok()?, month, d.parse().ok()?).ok()
}

/// A sheet read into memory: rows as in the file (row 0 is the sheet's
/// first row), and the merged ranges (first row, first column, last row,
/// last column; 0-based).
#[derive(Debug, Clone, Default)]
pub struct Grid {
    pub sheet: String,
    pub rows: Vec<Vec<Value>>,
    pub merged: Vec<(u32, u32, u32, u32)>,
    /// The workbook's `DVK_MAU` name: which DVK form the file was made from.
    pub form: Option<String>,
}

impl Grid {
    pub fn cell(&self, row: usize, col: usize) -> &Value {
        self.rows
            .get(row)
            .and_then(|r| r.get(col))
            .unwrap_or(&Value::Empty)
    }

    /// Rows after `header` up to the last one holding anything; refused if
    /// more than `limits.max_rows`.
    pub fn data_rows(&self, header: usize, limits: &Limits) -> Result<usize, ReadError> {
        let last = self
            .rows
            .iter()
            .rposition(|r| r.iter().any(|v| !v.is_empty()))
            .unwrap_or(0);
        let found = last.saturating_sub(header);
        if found > limits.max_rows {
            return Err(ReadError::TooManyRows {
                found,
                limit: limits.max_rows,
            });
        }
        Ok(found)
    }
}

/// The defined name DVK's own forms carry, with their kind and version.
pub const FORM_NAME: &str = "DVK_MAU";

/// What an upload is, by its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Xlsx,
    Csv,
}

/// Tells an XLSX from CSV text by content; refuses anything else with the
/// reason (an encrypted workbook and an old .xls are both OLE files).
pub fn sniff(bytes: &[u8]) -> Result<Kind, ReadError> {
    if bytes.starts_with(b"PK\x03\x04") {
        return Ok(Kind::Xlsx);
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        // An encrypted OOXML workbook is an OLE file holding
        // "EncryptionInfo" (UTF-16); anything else is the old format.
        let marker: Vec<u8> = "EncryptionInfo"
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes())
            .collect();
        if bytes.windows(marker.len()).any(|w| w == marker.as_slice()) {
            return Err(ReadError::Encrypted);
        }
        return Err(ReadError::OldExcel);
    }
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if body.contains(&0) {
        return Err(ReadError::NotSpreadsheet);
    }
    match std::str::from_utf8(body) {
        Ok(_) => Ok(Kind::Csv),
        Err(_) => Err(ReadError::NotUtf8),
    }
}

/// Unpacks every part with a hard cap, so a ZIP whose headers lie about
/// sizes is caught by what it really holds.
fn check_zip(bytes: &[u8], limits: &Limits) -> Result<(), ReadError> {
    let mut zip =
        zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| ReadError::Broken(e.to_string()))?;
    if zip.len() > 10_000 {
        return Err(ReadError::Bomb(limits.max_unpacked >> 20));
    }
    let mut total: u64 = 0;
    for i in 0..zip.len() {
        let (encrypted, packed) = {
            let raw = zip
                .by_index_raw(i)
                .map_err(|e| ReadError::Broken(e.to_string()))?;
            (raw.encrypted(), raw.compressed_size())
        };
        if encrypted {
            return Err(ReadError::Encrypted);
        }
        let part = zip
            .by_index(i)
            .map_err(|e| ReadError::Broken(e.to_string()))?;
        let room = limits.max_unpacked - total;
        let size = std::io::copy(&mut part.take(room + 1), &mut std::io::sink())
            .map_err(|e| ReadError::Broken(e.to_string()))?;
        total += size;
        if total > limits.max_unpacked
            || (size > 1 << 20 && size / packed.max(1) > limits.max_ratio)
        {
            return Err(ReadError::Bomb(limits.max_unpacked >> 20));
        }
    }
    Ok(())
}

fn value_of_ref(d: &DataRef<'_>) -> Value {
    match d {
        DataRef::SharedString(s) => Value::Text((*s).to_owned()),
        DataRef::String(s) => Value::Text(s.clone()),
        DataRef::Int(n) => Value::Number(*n as f64),
        DataRef::Float(f) => Value::Number(*f),
        DataRef::Bool(b) => Value::Bool(*b),
        DataRef::DateTime(dt) => value_of(&Data::DateTime(*dt)),
        DataRef::DateTimeIso(s) => value_of(&Data::DateTimeIso(s.clone())),
        DataRef::DurationIso(s) => Value::Text(s.clone()),
        DataRef::Error(e) => Value::Error(e.to_string()),
        DataRef::Empty => Value::Empty,
    }
}

fn value_of(d: &Data) -> Value {
    match d {
        Data::Empty => Value::Empty,
        Data::String(s) => Value::Text(s.clone()),
        Data::Int(n) => Value::Number(*n as f64),
        Data::Float(f) => Value::Number(*f),
        Data::Bool(b) => Value::Bool(*b),
        Data::DateTime(dt) if dt.is_datetime() => from_serial(dt.as_f64())
            .map(Value::Date)
            .unwrap_or(Value::Number(dt.as_f64())),
        Data::DateTime(dt) => Value::Number(dt.as_f64()),
        Data::DateTimeIso(s) => parse_date_text(s.get(..10).unwrap_or(s))
            .map(Value::Date)
            .unwrap_or_else(|| Value::Text(s.clone())),
        Data::DurationIso(s) => Value::Text(s.clone()),
        Data::Error(e) => Value::Error(e.to_string()),
    }
}

/// Reads the sheet named `sheet` (or the first one) of an XLSX.
pub fn read_xlsx(bytes: &[u8], sheet: Option<&str>, limits: &Limits) -> Result<Grid, ReadError> {
    match sniff(bytes)? {
        Kind::Xlsx => {}
        Kind::Csv => return Err(ReadError::NotSpreadsheet),
    }
    check_zip(bytes, limits)?;
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|e| match e {
        calamine::XlsxError::Password => ReadError::Encrypted,
        e => ReadError::Broken(e.to_string()),
    })?;
    if let Some(hidden) = book
        .sheets_metadata()
        .iter()
        .find(|s| s.visible != SheetVisible::Visible)
    {
        return Err(ReadError::HiddenSheet(hidden.name.clone()));
    }
    let form = book
        .defined_names()
        .iter()
        .find(|(n, _)| n == FORM_NAME)
        .map(|(_, v)| v.trim_start_matches('=').trim_matches('"').to_owned());
    let name = match sheet {
        Some(want) => book
            .sheet_names()
            .into_iter()
            .find(|n| n == want)
            .ok_or_else(|| ReadError::NoSheet(want.to_owned()))?,
        None => book
            .sheet_names()
            .into_iter()
            .next()
            .ok_or_else(|| ReadError::NoSheet("1".into()))?,
    };
    // Cells one by one (calamine's dense range would allocate every cell
    // between the first and the last, which a crafted file puts at XFD1048576).
    let mut rows: Vec<Vec<Value>> = Vec::new();
    let mut text_bytes = 0usize;
    {
        let mut cells = book
            .worksheet_cells_reader(&name)
            .map_err(|e| ReadError::Broken(e.to_string()))?;
        while let Some(cell) = cells
            .next_cell()
            .map_err(|e| ReadError::Broken(e.to_string()))?
        {
            let (r, c) = cell.get_position();
            let (r, c) = (r as usize, c as usize);
            if c >= limits.max_columns {
                continue;
            }
            let value = value_of_ref(cell.get_value());
            if value.is_empty() {
                continue;
            }
            // One shared string may be used by every cell: what the cells
            // hold once copied out is what is counted.
            if let Value::Text(t) = &value {
                if t.len() > MAX_CELL_BYTES {
                    return Err(ReadError::CellTooLong);
                }
                text_bytes += t.len();
                if text_bytes > limits.max_text {
                    return Err(ReadError::Bomb(limits.max_unpacked >> 20));
                }
            }
            // Past the header rows and the limit: refused at once.
            if r > limits.max_rows + 50 {
                return Err(ReadError::TooManyRows {
                    found: r,
                    limit: limits.max_rows,
                });
            }
            if rows.len() <= r {
                rows.resize_with(r + 1, Vec::new);
            }
            let row = &mut rows[r];
            if row.len() <= c {
                row.resize(c + 1, Value::Empty);
            }
            row[c] = value;
        }
    }
    let merged = book
        .merge_cells_by_sheet_name(&name)
        .map_err(|e| ReadError::Broken(e.to_string()))?
        .into_iter()
        .map(|d| (d.start.0, d.start.1, d.end.0, d.end.1))
        .collect();
    Ok(Grid {
        sheet: name,
        rows,
        merged,
        form,
    })
}

/// Reads CSV text (UTF-8, with or without BOM; comma, semicolon or tab).
pub fn read_csv(bytes: &[u8], limits: &Limits) -> Result<Grid, ReadError> {
    match sniff(bytes)? {
        Kind::Csv => {}
        Kind::Xlsx => return Err(ReadError::NotSpreadsheet),
    }
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let first = body.split(|b| *b == b'\n').next().unwrap_or(b"");
    // Ties go to the semicolon (Vietnamese Excel's list separator).
    let delimiter = [b',', b'\t', b';']
        .into_iter()
        .max_by_key(|d| first.iter().filter(|b| *b == d).count())
        .unwrap_or(b',');
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(body);
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| ReadError::Broken(e.to_string()))?;
        if record.iter().any(|f| f.len() > MAX_CELL_BYTES) {
            return Err(ReadError::CellTooLong);
        }
        if rows.len() > limits.max_rows + 1 {
            return Err(ReadError::TooManyRows {
                found: rows.len(),
                limit: limits.max_rows,
            });
        }
        rows.push(
            record
                .iter()
                .take(limits.max_columns)
                .map(|s| {
                    if s.trim().is_empty() {
                        Value::Empty
                    } else {
                        Value::Text(s.to_owned())
                    }
                })
                .collect(),
        );
    }
    Ok(Grid {
        sheet: String::new(),
        rows,
        merged: Vec::new(),
        form: None,
    })
}

/// Reads an upload of either kind, by content.
pub fn read_any(bytes: &[u8], sheet: Option<&str>, limits: &Limits) -> Result<Grid, ReadError> {
    match sniff(bytes)? {
        Kind::Xlsx => read_xlsx(bytes, sheet, limits),
        Kind::Csv => read_csv(bytes, limits),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_years_from_text_serials_and_numbers() {
        let d = |y, m, d| Date::from_calendar_date(y, Month::try_from(m).unwrap(), d).unwrap();
        assert_eq!(
            Value::Text("15/03/2026".into()).date(),
            Some(d(2026, 3, 15))
        );
        assert_eq!(
            Value::Text("2026-03-15".into()).date(),
            Some(d(2026, 3, 15))
        );
        assert_eq!(Value::Text("5.3.2026".into()).date(), Some(d(2026, 3, 5)));
        assert_eq!(Value::Text("15/03/26".into()).date(), None);
        assert_eq!(Value::Text("31/02/2026".into()).date(), None);
        assert_eq!(Value::Number(46096.0).date(), Some(d(2026, 3, 15)));
        assert_eq!(Value::Number(2026.0).year(), Some(2026));
        assert_eq!(Value::Number(46096.0).year(), Some(2026));
        assert_eq!(Value::Text(" 2025 ".into()).year(), Some(2025));
        assert_eq!(Value::Text("01/07/2025".into()).year(), Some(2025));
        assert_eq!(Value::Text("hai nghìn".into()).year(), None);
        assert_eq!(Value::Number(2026.5).year(), None);
        assert_eq!(Value::Number(12.0).year(), None);
    }

    #[test]
    fn sniffing_tells_formats_apart_by_content() {
        assert_eq!(sniff(b"PK\x03\x04rest"), Ok(Kind::Xlsx));
        assert_eq!(sniff("\u{FEFF}a;b\n1;2".as_bytes()), Ok(Kind::Csv));
        assert_eq!(sniff(b"%PDF-1.7\x00\x01"), Err(ReadError::NotSpreadsheet));
        assert_eq!(sniff(b"\xff\xfe\x00a"), Err(ReadError::NotSpreadsheet));
        assert_eq!(sniff(b"caf\xe9"), Err(ReadError::NotUtf8));
        let ole = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0];
        assert_eq!(sniff(&ole), Err(ReadError::OldExcel));
        let mut enc = ole.to_vec();
        enc.extend(
            "EncryptionInfo"
                .encode_utf16()
                .flat_map(|u| u.to_le_bytes()),
        );
        assert_eq!(sniff(&enc), Err(ReadError::Encrypted));
    }

    #[test]
    fn csv_delimiters_and_bom() {
        let g = read_csv("\u{FEFF}a;b,c\n1;\"x;y\"".as_bytes(), &Limits::default()).unwrap();
        assert_eq!(
            g.rows[0],
            vec![Value::Text("a".into()), Value::Text("b,c".into())]
        );
        assert_eq!(g.rows[1][1], Value::Text("x;y".into()));
        let g = read_csv(b"a,b\n1,2", &Limits::default()).unwrap();
        assert_eq!(g.rows[1][1], Value::Text("2".into()));
    }
}
