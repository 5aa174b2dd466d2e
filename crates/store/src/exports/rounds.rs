//! A round's results, its citizens' comments, a reward round's funnel and
//! an entry's history as spreadsheets. Each is made from the view its
//! guarded service gives the reader, so a sheet never holds more than the
//! page: a council member's points appear only for those who may see them
//! (the organisers see every member's, a member their own), and outcome
//! readers get the concluded figures of their own entries only.

use super::{exported_now, Plan};
use crate::appraisal::{Comment, Outcome};
use crate::history::HistoryLine;
use crate::reference::Catalogue;
use crate::rewards::{Funnel, FunnelEntry, RewardForm, RewardRound};
use crate::round_view::RoundView;
use dvk_domain::appraisal::{weighted_pct, ScoringMode};
use dvk_domain::calendar::{show_datetime, vn_day};
use dvk_domain::round_rules::RoundSight;
use dvk_sheets::{Cell, Column, ColumnKind, Heading};

fn heading(title: String, unit: &str, note: String, sheet: &str) -> Heading {
    Heading {
        title,
        unit: unit.to_owned(),
        exported_at: exported_now(),
        note,
        sheet: sheet.into(),
        form: String::new(),
    }
}

fn decimal(v: Option<f64>) -> Cell {
    v.map(|v| Cell::Decimal((v * 10.0).round() / 10.0))
        .unwrap_or(Cell::Empty)
}

/// The round's results as the reader sees them.
pub fn results(view: &RoundView, cat: &Catalogue) -> (Plan, Vec<Vec<Cell>>) {
    let data = &view.data;
    let round = &data.round;
    let ballot = round.mode == ScoringMode::Ballot;
    // Whose points are columns: every member for full sight, one's own
    // for a member (the view holds nothing else), nobody otherwise.
    let members: Vec<&crate::appraisal::Member> = match view.sight {
        RoundSight::Full | RoundSight::Member => data
            .members
            .iter()
            .filter(|m| {
                data.scores.keys().any(|(_, u)| *u == m.user_id)
                    || data.ballots.keys().any(|(_, u)| *u == m.user_id)
            })
            .collect(),
        _ => Vec::new(),
    };
    let figure = if ballot {
        "Tỷ lệ tán thành (%)"
    } else {
        "Điểm bình quân (%)"
    };
    let mut columns = vec![
        Column::new("TT", ColumnKind::Count).width(5.0),
        Column::new("Xếp hạng", ColumnKind::Count).width(8.0),
        Column::new("Mã hồ sơ", ColumnKind::Count).width(8.0),
        Column::new("Tên mô hình, điển hình", ColumnKind::Wrap).width(40.0),
        Column::new("Đơn vị", ColumnKind::Text).width(24.0),
        Column::new("Lĩnh vực", ColumnKind::Text).width(18.0),
        Column::new("Loại", ColumnKind::Text).width(10.0),
        Column::new("Trạng thái", ColumnKind::Text).width(14.0),
        Column::new("Đã chấm / phân công", ColumnKind::Text).width(10.0),
        Column::new(figure, ColumnKind::Decimal).width(11.0),
        Column::new("Kết quả", ColumnKind::Text).width(11.0),
        Column::new("Lý do", ColumnKind::Wrap).width(30.0),
    ];
    let group = if ballot {
        "Phiếu của từng thành viên"
    } else {
        "Điểm của từng thành viên (%)"
    };
    for m in &members {
        let kind = if ballot {
            ColumnKind::Text
        } else {
            ColumnKind::Decimal
        };
        columns.push(
            Column::new(m.full_name.clone(), kind)
                .width(12.0)
                .group(group),
        );
    }
    let sight = match view.sight {
        RoundSight::Full => "Bảng đầy đủ cho Hội đồng và đơn vị tổ chức.",
        RoundSight::Member => "Bảng của thành viên Hội đồng: chỉ có điểm của chính mình.",
        _ => "Kết quả đã kết luận của các hồ sơ thuộc đơn vị mình; không có điểm của từng thành viên.",
    };
    let plan = Plan {
        heading: heading(
            format!("KẾT QUẢ THẨM ĐỊNH: {}", round.title.to_uppercase()),
            &round.unit_name,
            format!("{sight} Trạng thái đợt: {}.", round.state.label()),
            "Kết quả",
        ),
        columns,
        file_name: format!("Kết quả đợt xét - {}", round.title),
    };
    let rows = view
        .lines
        .iter()
        .enumerate()
        .map(|(n, x)| {
            let e = &x.entry;
            let figure = match &x.outcome {
                Some(Outcome::Score(a)) => a.mean_pct,
                Some(Outcome::Ballot(t)) => Some(t.approve_pct),
                None => x.concluded_pct,
            };
            let (result, reasons, rank) = match &x.standing {
                Some((p, r, k)) => (
                    if *p { "Đạt" } else { "Không đạt" },
                    r.clone(),
                    Cell::Count(*k as i64),
                ),
                None => ("", String::new(), Cell::Empty),
            };
            let mut cells = vec![
                Cell::Count(n as i64 + 1),
                rank,
                Cell::Count(e.entry_id),
                e.title.clone().into(),
                e.unit_name.clone().into(),
                cat.field_name(e.field_id).into(),
                e.kind.label().into(),
                e.state.label().into(),
                format!("{}/{}", x.scored_count, x.assigned_count).into(),
                decimal(figure),
                result.into(),
                reasons.into(),
            ];
            let set = data.set_for(e.subject);
            for m in &members {
                let cell = if ballot {
                    match data.ballots.get(&(e.entry_id, m.user_id)) {
                        Some(true) => "Tán thành".into(),
                        Some(false) => "Không tán thành".into(),
                        None => Cell::Empty,
                    }
                } else {
                    match data.scores.get(&(e.entry_id, m.user_id)) {
                        Some(points) => {
                            let by_criterion: Vec<Option<f64>> = set
                                .criteria
                                .iter()
                                .map(|c| points.iter().find(|(id, _)| *id == c.id).map(|p| p.1))
                                .collect();
                            decimal(weighted_pct(&set.criteria, &by_criterion))
                        }
                        None => Cell::Empty,
                    }
                };
                cells.push(cell);
            }
            cells
        })
        .collect();
    (plan, rows)
}

/// Citizens' comments on a round's notice, for its organisers.
pub fn comments(view: &RoundView, list: &[Comment]) -> (Plan, Vec<Vec<Cell>>) {
    let round = &view.data.round;
    let title_of = |id: i64| {
        view.data
            .entries
            .iter()
            .find(|e| e.entry_id == id)
            .map(|e| e.title.clone())
            .unwrap_or_default()
    };
    let plan = Plan {
        heading: heading(
            format!("Ý KIẾN NHÂN DÂN TRONG THỜI GIAN CÔNG KHAI: {}", round.title.to_uppercase()),
            &round.unit_name,
            "Gồm cả ý kiến đã ẩn (không hiển thị công khai); thông tin liên hệ chỉ dùng để trả lời."
                .into(),
            "Ý kiến",
        ),
        columns: vec![
            Column::new("TT", ColumnKind::Count).width(5.0),
            Column::new("Mã hồ sơ", ColumnKind::Count).width(8.0),
            Column::new("Mô hình, điển hình", ColumnKind::Wrap).width(30.0),
            Column::new("Người góp ý", ColumnKind::Text).width(18.0),
            Column::new("Liên hệ", ColumnKind::Text).width(18.0),
            Column::new("Nội dung", ColumnKind::Wrap).width(44.0),
            Column::new("Thời điểm", ColumnKind::Text).width(17.0),
            Column::new("Hiển thị", ColumnKind::Text).width(10.0),
            Column::new("Trả lời", ColumnKind::Wrap).width(36.0),
        ],
        file_name: format!("Ý kiến nhân dân - {}", round.title),
    };
    let rows = list
        .iter()
        .enumerate()
        .map(|(i, c)| {
            vec![
                Cell::Count(i as i64 + 1),
                Cell::Count(c.entry_id),
                title_of(c.entry_id).into(),
                c.author_name.clone().into(),
                c.contact.clone().into(),
                c.body.clone().into(),
                show_datetime(c.created_at).into(),
                (if c.hidden { "Đã ẩn" } else { "Công khai" }).into(),
                c.answer.clone().into(),
            ]
        })
        .collect();
    (plan, rows)
}

/// A reward round's candidates, each with what was proposed and given;
/// the funnel's counts and the decisions in the heading.
pub fn funnel(
    round: &RewardRound,
    candidates: &[FunnelEntry],
    funnel: &Funnel,
    forms: &[RewardForm],
    decisions: &[(i64, String, String, String)],
    cat: &Catalogue,
) -> (Plan, Vec<Vec<Cell>>) {
    let form_name = |id: Option<i64>| -> Cell {
        id.and_then(|id| forms.iter().find(|f| f.id == id))
            .map(|f| Cell::Text(f.name.clone()))
            .unwrap_or(Cell::Empty)
    };
    let mut note = format!(
        "Được công nhận {} → tiêu biểu {} → đề nghị khen thưởng {} → được khen thưởng {}.",
        funnel.recognised, funnel.outstanding, funnel.proposed, funnel.rewarded
    );
    for (_, number, signed_on, title) in decisions {
        note.push_str(&format!(
            " Quyết định số {number} ngày {signed_on}: {title}."
        ));
    }
    let plan = Plan {
        heading: heading(
            format!("KHEN THƯỞNG: {}", round.title.to_uppercase()),
            &round.unit_name,
            note,
            "Khen thưởng",
        ),
        columns: vec![
            Column::new("TT", ColumnKind::Count).width(5.0),
            Column::new("Mã hồ sơ", ColumnKind::Count).width(8.0),
            Column::new("Tên mô hình, điển hình", ColumnKind::Wrap).width(40.0),
            Column::new("Loại", ColumnKind::Text).width(10.0),
            Column::new("Đối tượng", ColumnKind::Text).width(10.0),
            Column::new("Lĩnh vực", ColumnKind::Text).width(18.0),
            Column::new("Đơn vị", ColumnKind::Text).width(24.0),
            Column::new("Trạng thái", ColumnKind::Text).width(14.0),
            Column::new("Hình thức đề nghị", ColumnKind::Wrap).width(24.0),
            Column::new("Hình thức được khen thưởng", ColumnKind::Wrap).width(24.0),
        ],
        file_name: format!("Khen thưởng - {}", round.title),
    };
    let rows = candidates
        .iter()
        .enumerate()
        .map(|(i, e)| {
            vec![
                Cell::Count(i as i64 + 1),
                Cell::Count(e.entry_id),
                e.title.clone().into(),
                e.kind.label().into(),
                e.subject.label().into(),
                cat.field_name(e.field_id).into(),
                e.unit_name.clone().into(),
                e.state.label().into(),
                form_name(e.proposed_form),
                form_name(e.rewarded_form),
            ]
        })
        .collect();
    (plan, rows)
}

/// An entry's history as its reader sees it.
pub fn history(
    entry_id: i64,
    title: &str,
    unit: &str,
    lines: &[HistoryLine],
) -> (Plan, Vec<Vec<Cell>>) {
    let plan = Plan {
        heading: heading(
            format!("QUÁ TRÌNH XỬ LÝ HỒ SƠ #{entry_id}"),
            unit,
            title.to_owned(),
            "Lịch sử",
        ),
        columns: vec![
            Column::new("TT", ColumnKind::Count).width(5.0),
            Column::new("Ngày", ColumnKind::Date),
            Column::new("Thời điểm", ColumnKind::Text).width(17.0),
            Column::new("Người thực hiện", ColumnKind::Text).width(22.0),
            Column::new("Việc", ColumnKind::Wrap).width(30.0),
            Column::new("Trạng thái", ColumnKind::Text).width(26.0),
            Column::new("Chi tiết", ColumnKind::Wrap).width(50.0),
            Column::new("Mã bản ghi nhật ký", ColumnKind::Count).width(10.0),
        ],
        file_name: format!("Lịch sử hồ sơ {entry_id}"),
    };
    let rows = lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            vec![
                Cell::Count(i as i64 + 1),
                Cell::Date(vn_day(l.at)),
                show_datetime(l.at).into(),
                l.actor.clone().into(),
                l.event.clone().into(),
                l.states.clone().into(),
                l.details.join("\n").into(),
                Cell::Count(l.id),
            ]
        })
        .collect();
    (plan, rows)
}

/// A table and its rows.
pub type Table = (Plan, Vec<Vec<Cell>>);

/// A round's results for `actor`, from the guarded round view.
pub async fn round_results_table(
    db: &crate::db::Db,
    cat: &Catalogue,
    actor: &dvk_domain::auth::Actor,
    id: i64,
) -> Result<Table, crate::error::ServiceError> {
    let view = crate::round_view::view_round(db, actor, id).await?;
    Ok(results(&view, cat))
}

/// A round's comments, for its organisers.
pub async fn round_comments_table(
    db: &crate::db::Db,
    actor: &dvk_domain::auth::Actor,
    id: i64,
) -> Result<Table, crate::error::ServiceError> {
    // The round first: "not found" to whoever may not see it, so the
    // organisers' check below reveals nothing about other rounds.
    let view = crate::round_view::view_round(db, actor, id).await?;
    let list = crate::appraisal::comments_to_moderate(db, actor, id).await?;
    Ok(comments(&view, &list))
}

/// A reward round's candidates and decisions, for its readers.
pub async fn reward_round_table(
    db: &crate::db::Db,
    cat: &Catalogue,
    actor: &dvk_domain::auth::Actor,
    id: i64,
) -> Result<Table, crate::error::ServiceError> {
    let (round, candidates, counts) = crate::rewards::view_reward_round(db, actor, id).await?;
    let decisions = crate::rewards::issued_reward_decisions(db, actor, id).await?;
    let forms = db.reward_forms().await?;
    Ok(funnel(
        &round,
        &candidates,
        &counts,
        &forms,
        &decisions,
        cat,
    ))
}

/// An entry's history, for those who may read the entry.
pub async fn entry_history_table(
    db: &crate::db::Db,
    actor: &dvk_domain::auth::Actor,
    id: i64,
) -> Result<Table, crate::error::ServiceError> {
    let e = crate::service::view_entry(db, actor, id).await?;
    let lines = crate::history::history_of(db, &e).await?;
    Ok(history(e.id, e.registration.title(), &e.unit_name, &lines))
}
