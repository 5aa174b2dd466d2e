//! Lays a [`Document`] out in the official format with docx-rs: page and
//! margins, the two-column head, the type and subject, the body, the
//! signature block with "Nơi nhận:", page numbers from page 2, annexes on
//! their own pages. Tables' header rows are marked to repeat by
//! [`crate::package`] afterwards (docx-rs has no setting for it).

use crate::model::{Align, Annex, Block, Cell, Document, Grid, Head, Signature, Span};
use crate::style::{mm, Style, A4_LONG, A4_SHORT, FONT};
use docx_rs::{
    AlignmentType, BorderType, Docx, Header, LineSpacing, PageMargin, PageNum, PageOrientationType,
    Paragraph, ParagraphBorder, ParagraphBorderPosition, ParagraphBorders, Run, RunFonts,
    SpecialIndentType, Table, TableCell, TableLayoutType, TableRow, VAlignType, WidthType,
};
use dvk_domain::issuer::Letterhead;

/// First-line indent of body paragraphs: 1.27 cm.
const INDENT: i32 = 720;

pub(crate) struct Rendered {
    pub docx: Docx,
    /// For each table in document order, how many header rows repeat.
    pub header_rows: Vec<usize>,
}

pub(crate) fn render(doc: &Document) -> Rendered {
    let letterhead = doc.head.as_ref().map_or(doc.letterhead, |h| h.letterhead);
    let style = Style::of(letterhead);
    let width = style.text_width(doc.landscape);
    let fonts = RunFonts::new()
        .ascii(FONT)
        .hi_ansi(FONT)
        .cs(FONT)
        .east_asia(FONT);
    let (top, bottom, left, right) = style.margins;
    let (w, h, orient) = if doc.landscape {
        (A4_LONG, A4_SHORT, PageOrientationType::Landscape)
    } else {
        (A4_SHORT, A4_LONG, PageOrientationType::Portrait)
    };
    let page_number = Header::new().add_paragraph(
        Paragraph::new()
            .align(AlignmentType::Center)
            .add_page_num(PageNum::new()),
    );
    let mut docx = Docx::new()
        .default_fonts(fonts)
        .default_size(style.body * 2)
        .page_size(w, h)
        .page_orient(orient)
        .page_margin(
            PageMargin::new()
                .top(mm(top))
                .bottom(mm(bottom))
                .left(mm(left))
                .right(mm(right))
                .header(mm(10.0))
                .footer(mm(10.0)),
        )
        // NĐ 30: page numbers centred at the top, from the second page.
        .header(page_number)
        .first_header(Header::new())
        .created_at("2026-01-01T00:00:00Z")
        .updated_at("2026-01-01T00:00:00Z");
    let mut out = Out {
        docx: Some(docx),
        header_rows: Vec::new(),
        style,
        width,
    };
    match &doc.head {
        Some(head) => out.table(head_table(&style, head, width)),
        None => out.table(motto_only(&style, width)),
    }
    out.para(gap(6));
    if !doc.doc_type.is_empty() {
        out.para(
            Paragraph::new()
                .align(AlignmentType::Center)
                .line_spacing(LineSpacing::new().before(120).after(0))
                .add_run(text(&doc.doc_type, style.doc_type).bold()),
        );
    }
    for (i, line) in doc.subject.iter().enumerate() {
        let mut p = Paragraph::new()
            .align(AlignmentType::Center)
            .line_spacing(LineSpacing::new().before(0).after(0))
            .add_run(text(line, style.subject).bold());
        if i + 1 == doc.subject.len() {
            p = p.line_spacing(LineSpacing::new().before(0).after(60));
        }
        out.para(p);
    }
    if !doc.subject.is_empty() {
        out.para(short_rule(width, 0.3));
    }
    for block in &doc.blocks {
        out.block(block);
    }
    if doc.signature.is_some() || !doc.recipients.is_empty() || doc.left_signature.is_some() {
        out.para(gap(6));
        out.table(signature_table(&style, doc, width));
    }
    for annex in &doc.annexes {
        out.annex(annex);
    }
    docx = out.docx.take().unwrap_or_default();
    if !doc.title.is_empty() {
        docx = docx.custom_property("dvk_title", crate::xml_safe(&doc.title).as_ref());
    }
    Rendered {
        docx,
        header_rows: out.header_rows,
    }
}

struct Out {
    docx: Option<Docx>,
    header_rows: Vec<usize>,
    style: Style,
    width: usize,
}

impl Out {
    fn para(&mut self, p: Paragraph) {
        self.docx = self.docx.take().map(|d| d.add_paragraph(p));
    }

    fn table(&mut self, (t, header_rows): (Table, usize)) {
        self.header_rows.push(header_rows);
        self.docx = self.docx.take().map(|d| d.add_table(t));
    }

    fn block(&mut self, block: &Block) {
        let size = self.style.body;
        match block {
            Block::Para { spans, align } => self.para(paragraph(spans, *align, size)),
            Block::Heading(t) => self.para(
                Paragraph::new()
                    .align(AlignmentType::Both)
                    .indent(None, Some(SpecialIndentType::FirstLine(INDENT)), None, None)
                    .line_spacing(body_spacing())
                    .keep_next(true)
                    .add_run(text(t, size).bold()),
            ),
            Block::Table(grid) => {
                let t = grid_table(grid, self.width, grid.size.unwrap_or(self.style.table));
                self.table(t);
                // Air between a table and what follows it.
                self.para(gap(6));
            }
            Block::Blank(n) => {
                for _ in 0..*n {
                    self.para(
                        Paragraph::new()
                            .line_spacing(body_spacing())
                            .add_run(text(crate::model::BLANK_LINE, size)),
                    );
                }
            }
            Block::Gap => self.para(gap(size)),
            Block::Display { spans, size } => {
                let mut p = Paragraph::new()
                    .align(AlignmentType::Center)
                    .line_spacing(LineSpacing::new().before(60).after(60));
                for s in spans {
                    p = p.add_run(span_run(s, *size));
                }
                self.para(p);
            }
        }
    }

    fn annex(&mut self, annex: &Annex) {
        let size = self.style.body;
        self.para(
            Paragraph::new()
                .align(AlignmentType::Center)
                .page_break_before(true)
                .add_run(text(&annex.label, size).bold()),
        );
        self.para(
            Paragraph::new()
                .align(AlignmentType::Center)
                .add_run(text(&annex.title, size).bold()),
        );
        if !annex.reference.is_empty() {
            self.para(
                Paragraph::new()
                    .align(AlignmentType::Center)
                    .add_run(text(&annex.reference, size).italic()),
            );
        }
        self.para(short_rule(self.width, 0.3));
        for block in &annex.blocks {
            self.block(block);
        }
    }
}

fn text(t: &str, size: usize) -> Run {
    Run::new().add_text(crate::xml_safe(t)).size(size * 2)
}

fn span_run(s: &Span, size: usize) -> Run {
    let mut r = text(&s.text, size);
    if s.bold {
        r = r.bold();
    }
    if s.italic {
        r = r.italic();
    }
    r
}

fn body_spacing() -> LineSpacing {
    LineSpacing::new().before(0).after(120).line(264)
}

fn cell_spacing() -> LineSpacing {
    LineSpacing::new().before(20).after(20).line(240)
}

fn paragraph(spans: &[Span], align: Align, size: usize) -> Paragraph {
    let mut p = Paragraph::new();
    p = match align {
        Align::Body => p
            .align(AlignmentType::Both)
            .indent(None, Some(SpecialIndentType::FirstLine(INDENT)), None, None)
            .line_spacing(body_spacing()),
        Align::Left => p.line_spacing(body_spacing()),
        Align::Center => p.align(AlignmentType::Center).line_spacing(body_spacing()),
        Align::Right => p.align(AlignmentType::Right).line_spacing(body_spacing()),
    };
    for s in spans {
        p = p.add_run(span_run(s, size));
    }
    p
}

fn gap(size: usize) -> Paragraph {
    Paragraph::new()
        .line_spacing(LineSpacing::new().before(0).after(0))
        .add_run(Run::new().size(size * 2))
}

/// A centred horizontal rule `share` of `width` long (the short line under
/// the issuing body and under the subject).
fn short_rule(width: usize, share: f32) -> Paragraph {
    let side = ((width as f32) * (1.0 - share) / 2.0) as i32;
    let mut p = Paragraph::new()
        .indent(Some(side), None, Some(side), None)
        .line_spacing(LineSpacing::new().before(0).after(0).line(120))
        .add_run(Run::new().size(4));
    p.property = p.property.set_borders(
        ParagraphBorders::with_empty().set(
            ParagraphBorder::new(ParagraphBorderPosition::Top)
                .val(BorderType::Single)
                .size(6)
                .space(1)
                .color("000000"),
        ),
    );
    p
}

fn centred(t: &str, size: usize) -> Paragraph {
    Paragraph::new()
        .align(AlignmentType::Center)
        .line_spacing(LineSpacing::new().before(0).after(0))
        .add_run(text(t, size))
}

fn centred_bold(t: &str, size: usize) -> Paragraph {
    Paragraph::new()
        .align(AlignmentType::Center)
        .line_spacing(LineSpacing::new().before(0).after(0))
        .add_run(text(t, size).bold())
}

fn plain_cell(width: usize, paragraphs: Vec<Paragraph>) -> TableCell {
    let mut c = TableCell::new()
        .width(width, WidthType::Dxa)
        .clear_all_border();
    for p in paragraphs {
        c = c.add_paragraph(p);
    }
    c
}

fn borderless(rows: Vec<TableRow>, grid: Vec<usize>, width: usize) -> Table {
    Table::without_borders(rows)
        .set_grid(grid)
        .width(width, WidthType::Dxa)
        .layout(TableLayoutType::Fixed)
}

/// The motto side's paragraphs: the national motto (NĐ 30) or the
/// Party's name (HD 36), underlined.
fn motto(style: &Style) -> Vec<Paragraph> {
    let (first, second) = style.letterhead.lines();
    match style.letterhead {
        Letterhead::State => vec![
            centred_bold(first, style.motto_first),
            Paragraph::new()
                .align(AlignmentType::Center)
                .line_spacing(LineSpacing::new().before(0).after(0))
                .add_run(text(second, style.motto_second).bold().underline("single")),
        ],
        Letterhead::Party => vec![Paragraph::new()
            .align(AlignmentType::Center)
            .line_spacing(LineSpacing::new().before(0).after(0))
            .add_run(text(first, style.motto_first).bold().underline("single"))],
    }
}

fn head_table(style: &Style, head: &Head, width: usize) -> (Table, usize) {
    let left_w = width * 2 / 5;
    let right_w = width - left_w;
    let mut left = Vec::new();
    if !head.parent.is_empty() {
        left.push(centred(&caps(&head.parent), style.parent));
    }
    for line in body_lines(&head.body) {
        left.push(centred_bold(&line, style.issuer));
    }
    match style.letterhead {
        Letterhead::State => left.push(short_rule(left_w, 0.35)),
        Letterhead::Party => left.push(centred("*", style.issuer)),
    }
    let first = TableRow::new(vec![
        plain_cell(left_w, left),
        plain_cell(right_w, motto(style)),
    ]);
    // The number and the dateline share one line (NĐ 30, HD 36).
    let spaced = LineSpacing::new().before(60).after(0);
    let second = TableRow::new(vec![
        plain_cell(
            left_w,
            vec![centred(&head.number_line(), style.number).line_spacing(spaced.clone())],
        ),
        plain_cell(
            right_w,
            vec![Paragraph::new()
                .align(AlignmentType::Center)
                .line_spacing(spaced)
                .add_run(text(&head.dateline(), style.dateline).italic())],
        ),
    ]);
    (
        borderless(vec![first, second], vec![left_w, right_w], width),
        0,
    )
}

/// Text in capitals, a template's placeholders kept as they are named
/// (the body's own placeholder becomes its capitalised form).
fn caps(s: &str) -> String {
    match s {
        "{{co_quan}}" => "{{co_quan_in_hoa}}".to_owned(),
        s if s.starts_with("{{") && s.ends_with("}}") => s.to_owned(),
        s => s.to_uppercase(),
    }
}

/// The issuing body in capitals, a People's Committee on two lines
/// ("ỦY BAN NHÂN DÂN" over "TỈNH SƠN LA") as offices write it.
fn body_lines(body: &str) -> Vec<String> {
    let upper = caps(body);
    match upper.strip_prefix("ỦY BAN NHÂN DÂN ") {
        Some(rest) if !rest.is_empty() => vec!["ỦY BAN NHÂN DÂN".to_owned(), rest.to_owned()],
        _ => vec![upper],
    }
}

fn motto_only(style: &Style, width: usize) -> (Table, usize) {
    let row = TableRow::new(vec![plain_cell(width, motto(style))]);
    (borderless(vec![row], vec![width], width), 0)
}

fn signature_paragraphs(style: &Style, s: &Signature) -> Vec<Paragraph> {
    let mut ps: Vec<Paragraph> = s
        .lines
        .iter()
        .map(|l| centred_bold(l, style.signature))
        .collect();
    // Room for the signature and the seal.
    for _ in 0..4 {
        ps.push(gap(style.signature));
    }
    ps.push(centred_bold(&s.name, style.signature));
    ps
}

fn signature_table(style: &Style, doc: &Document, width: usize) -> (Table, usize) {
    let left_w = width / 2;
    let right_w = width - left_w;
    let left = match &doc.left_signature {
        Some(s) => signature_paragraphs(style, s),
        None if doc.recipients.is_empty() => vec![Paragraph::new()
            .line_spacing(LineSpacing::new().before(0).after(0))
            .add_run(text(&doc.left_note, style.recipients).italic())],
        None => {
            let mut ps = vec![Paragraph::new()
                .line_spacing(LineSpacing::new().before(0).after(0))
                .add_run(text("Nơi nhận:", style.recipients_head).bold().italic())];
            for r in &doc.recipients {
                ps.push(
                    Paragraph::new()
                        .line_spacing(LineSpacing::new().before(0).after(0))
                        .add_run(text(&format!("- {r};"), style.recipients)),
                );
            }
            // The list ends with a full stop, not a semicolon.
            if let Some(last) = doc.recipients.last() {
                ps.pop();
                ps.push(
                    Paragraph::new()
                        .line_spacing(LineSpacing::new().before(0).after(0))
                        .add_run(text(&format!("- {last}."), style.recipients)),
                );
            }
            ps
        }
    };
    let right = match &doc.signature {
        Some(s) => signature_paragraphs(style, s),
        None => vec![gap(6)],
    };
    let row =
        TableRow::new(vec![plain_cell(left_w, left), plain_cell(right_w, right)]).cant_split();
    (borderless(vec![row], vec![left_w, right_w], width), 0)
}

/// A bordered table, column widths scaled to the text width.
fn grid_table(grid: &Grid, width: usize, size: usize) -> (Table, usize) {
    let total: u32 = grid.widths.iter().sum::<u32>().max(1);
    let cols: Vec<usize> = grid
        .widths
        .iter()
        .map(|w| (*w as usize) * width / total as usize)
        .collect();
    let rows = grid
        .rows
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let mut col = 0;
            let cells = row
                .iter()
                .map(|c| {
                    let w: usize = cols.iter().skip(col).take(c.span.max(1)).sum();
                    col += c.span.max(1);
                    grid_cell(c, w, size, i < grid.header_rows)
                })
                .collect();
            let r = TableRow::new(cells);
            if i < grid.header_rows {
                r.cant_split()
            } else {
                r
            }
        })
        .collect();
    let t = Table::new(rows)
        .set_grid(cols)
        .width(width, WidthType::Dxa)
        .layout(TableLayoutType::Fixed);
    (t, grid.header_rows)
}

fn grid_cell(c: &Cell, width: usize, size: usize, header: bool) -> TableCell {
    let align = match c.align {
        Align::Center => AlignmentType::Center,
        Align::Right => AlignmentType::Right,
        Align::Body => AlignmentType::Both,
        Align::Left => AlignmentType::Left,
    };
    // A cell's text may hold line breaks: one paragraph per line.
    let mut cell = TableCell::new()
        .width(width, WidthType::Dxa)
        .vertical_align(if header {
            VAlignType::Center
        } else {
            VAlignType::Top
        });
    if c.span > 1 {
        cell = cell.grid_span(c.span);
    }
    let mut lines: Vec<Vec<Span>> = vec![Vec::new()];
    for s in &c.spans {
        for (i, part) in s.text.split('\n').enumerate() {
            if i > 0 {
                lines.push(Vec::new());
            }
            if let Some(l) = lines.last_mut() {
                l.push(Span {
                    text: part.to_owned(),
                    bold: s.bold || header,
                    italic: s.italic,
                });
            }
        }
    }
    for line in lines {
        let mut p = Paragraph::new().align(align).line_spacing(cell_spacing());
        for s in &line {
            p = p.add_run(span_run(s, size));
        }
        cell = cell.add_paragraph(p);
    }
    cell
}
