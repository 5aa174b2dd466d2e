//! Appraisal (DOMAIN.md §5 steps 4–7, §6): criteria with weights and
//! thresholds, scores and ballots, the aggregates a council sees, the rule
//! that decides "recognised", rounds' own small life, and conflicts of
//! interest. Plain values and functions.

use crate::unit::UnitPath;
use crate::UserId;

#[derive(Debug, Clone, PartialEq)]
pub struct Criterion {
    pub id: i64,
    pub name: String,
    pub weight: f64,
    pub max_points: f64,
}

/// When an entry passes in score mode: the weighted mean reaches
/// `pass_mean_pct` of the maximum and no criterion's mean falls below
/// `min_criterion_pct` of its maximum.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    pub pass_mean_pct: f64,
    pub min_criterion_pct: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            pass_mean_pct: 70.0,
            min_criterion_pct: 50.0,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScoringMode {
    Score,
    Ballot,
}

impl ScoringMode {
    pub fn code(self) -> &'static str {
        match self {
            Self::Score => "score",
            Self::Ballot => "ballot",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "score" => Some(Self::Score),
            "ballot" => Some(Self::Ballot),
            _ => None,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Score => "Chấm điểm theo tiêu chí",
            Self::Ballot => "Bỏ phiếu",
        }
    }
}

/// Kinds of round.
pub const ROUND_KINDS: &[(&str, &str)] = &[
    ("annual", "Hằng năm"),
    ("so_ket", "Sơ kết"),
    ("tong_ket", "Tổng kết"),
];

pub fn round_kind_label(code: &str) -> &'static str {
    ROUND_KINDS
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, l)| *l)
        .unwrap_or("")
}

/// A round's own life: proposals are taken while open, the council scores
/// during appraisal, concludes, publishes the list, and a decision closes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoundState {
    Open,
    Appraisal,
    Concluded,
    Notice,
    Decided,
}

impl RoundState {
    pub const ALL: [RoundState; 5] = [
        Self::Open,
        Self::Appraisal,
        Self::Concluded,
        Self::Notice,
        Self::Decided,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Appraisal => "appraisal",
            Self::Concluded => "concluded",
            Self::Notice => "notice",
            Self::Decided => "decided",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Open => "Đang nhận đề nghị",
            Self::Appraisal => "Đang thẩm định",
            Self::Concluded => "Hội đồng đã kết luận",
            Self::Notice => "Đang thông báo công khai",
            Self::Decided => "Đã có quyết định công nhận",
        }
    }
    /// The next state, if the round can move on.
    pub fn next(self) -> Option<RoundState> {
        match self {
            Self::Open => Some(Self::Appraisal),
            Self::Appraisal => Some(Self::Concluded),
            Self::Concluded => Some(Self::Notice),
            Self::Notice => Some(Self::Decided),
            Self::Decided => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CouncilRole {
    Chair,
    Secretary,
    Member,
}

impl CouncilRole {
    pub fn code(self) -> &'static str {
        match self {
            Self::Chair => "chair",
            Self::Secretary => "secretary",
            Self::Member => "member",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "chair" => Some(Self::Chair),
            "secretary" => Some(Self::Secretary),
            "member" => Some(Self::Member),
            _ => None,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Chair => "Chủ tịch Hội đồng",
            Self::Secretary => "Thư ký Hội đồng",
            Self::Member => "Ủy viên",
        }
    }
}

/// A council member has a conflict of interest with an entry when they
/// registered it, or when a unit they hold a role in lies inside the
/// registering unit's subtree. Enforced on assignment and on scoring.
pub fn conflict_of_interest(
    member: UserId,
    member_units: &[UnitPath],
    registering: &UnitPath,
    created_by: UserId,
) -> bool {
    member == created_by || member_units.iter().any(|u| registering.covers(u))
}

/// Parses a score as typed ("7", "7.5" or "7,5") within 0..=max.
pub fn parse_points(raw: &str, max: f64) -> Result<f64, String> {
    let v: f64 = raw
        .trim()
        .replace(',', ".")
        .parse()
        .map_err(|_| "Điểm phải là một số, ví dụ 8 hoặc 7,5.".to_owned())?;
    if !v.is_finite() || v < 0.0 || v > max {
        return Err(format!("Điểm phải từ 0 đến {}.", fmt_num(max)));
    }
    // Half points at most, as on paper score sheets.
    if (v * 2.0).fract() != 0.0 {
        return Err("Điểm chấm đến 0,5.".to_owned());
    }
    Ok(v)
}

/// "7.5" → "7,5" (Vietnamese decimal comma), whole numbers without decimals.
pub fn fmt_num(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{}", v as i64)
    } else {
        format!("{v:.1}").replace('.', ",")
    }
}

/// One member's points, one per criterion in the set's order.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberScores {
    pub member: UserId,
    pub points: Vec<Option<f64>>,
}

/// A member's weighted total as a percentage of the maximum, once every
/// criterion is scored.
pub fn weighted_pct(criteria: &[Criterion], points: &[Option<f64>]) -> Option<f64> {
    let total_weight: f64 = criteria.iter().map(|c| c.weight).sum();
    if total_weight <= 0.0 || points.len() != criteria.len() {
        return None;
    }
    let mut sum = 0.0;
    for (c, p) in criteria.iter().zip(points) {
        sum += c.weight * (*p)? / c.max_points;
    }
    Some(sum / total_weight * 100.0)
}

#[derive(Debug, Clone, PartialEq)]
pub struct Aggregate {
    /// Members whose sheets are complete.
    pub count: usize,
    pub mean_pct: Option<f64>,
    pub median_pct: Option<f64>,
    /// Population standard deviation of the members' totals.
    pub stddev_pct: Option<f64>,
    pub min_pct: Option<f64>,
    pub max_pct: Option<f64>,
    /// Mean of each criterion as a percentage of its maximum.
    pub criterion_pct: Vec<Option<f64>>,
    /// Assigned members who have not completed their sheet.
    pub missing: Vec<UserId>,
    /// Members disagree strongly (spread of 30 points or more).
    pub disagreement: bool,
    pub passes: bool,
    /// Why it does not pass, in Vietnamese, for the minutes.
    pub reasons: Vec<String>,
}

fn mean(v: &[f64]) -> Option<f64> {
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

fn median(v: &[f64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    let mut s = v.to_vec();
    s.sort_by(|a, b| a.total_cmp(b));
    let n = s.len();
    Some(if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    })
}

/// Spread of 30 percentage points between the lowest and highest total is
/// flagged for the chair: a mean alone would hide it.
pub const DISAGREEMENT_SPREAD: f64 = 30.0;

/// Aggregates the sheets of the members assigned to one entry.
pub fn aggregate(
    criteria: &[Criterion],
    thresholds: Thresholds,
    assigned: &[UserId],
    sheets: &[MemberScores],
) -> Aggregate {
    let mut totals = Vec::new();
    let mut missing = Vec::new();
    let mut complete: Vec<&MemberScores> = Vec::new();
    for m in assigned {
        match sheets
            .iter()
            .find(|s| s.member == *m)
            .and_then(|s| weighted_pct(criteria, &s.points).map(|t| (s, t)))
        {
            Some((s, t)) => {
                totals.push(t);
                complete.push(s);
            }
            None => missing.push(*m),
        }
    }
    let criterion_pct: Vec<Option<f64>> = criteria
        .iter()
        .enumerate()
        .map(|(i, c)| {
            mean(
                &complete
                    .iter()
                    .filter_map(|s| s.points[i])
                    .map(|p| p / c.max_points * 100.0)
                    .collect::<Vec<_>>(),
            )
        })
        .collect();
    let m = mean(&totals);
    let stddev = m.map(|m| {
        (totals.iter().map(|t| (t - m).powi(2)).sum::<f64>() / totals.len() as f64).sqrt()
    });
    let min = totals.iter().copied().reduce(f64::min);
    let max = totals.iter().copied().reduce(f64::max);
    let mut reasons = Vec::new();
    match m {
        None => reasons.push("Chưa có phiếu chấm hoàn chỉnh.".to_owned()),
        Some(m) if m + 1e-9 < thresholds.pass_mean_pct => reasons.push(format!(
            "Điểm bình quân {}% thấp hơn mức {}%.",
            fmt_num((m * 10.0).round() / 10.0),
            fmt_num(thresholds.pass_mean_pct)
        )),
        _ => {}
    }
    for (c, pct) in criteria.iter().zip(&criterion_pct) {
        if let Some(p) = pct {
            if p + 1e-9 < thresholds.min_criterion_pct {
                reasons.push(format!(
                    "Tiêu chí “{}” chỉ đạt {}% (dưới {}%).",
                    c.name,
                    fmt_num((p * 10.0).round() / 10.0),
                    fmt_num(thresholds.min_criterion_pct)
                ));
            }
        }
    }
    Aggregate {
        count: totals.len(),
        mean_pct: m,
        median_pct: median(&totals),
        stddev_pct: stddev,
        min_pct: min,
        max_pct: max,
        criterion_pct,
        missing,
        disagreement: matches!((min, max), (Some(a), Some(b)) if b - a >= DISAGREEMENT_SPREAD),
        passes: reasons.is_empty(),
        reasons,
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct BallotTally {
    pub approve: usize,
    pub reject: usize,
    pub missing: Vec<UserId>,
    pub approve_pct: f64,
    pub passes: bool,
    pub reasons: Vec<String>,
}

/// Ballot mode: passes when more than `threshold_pct` of the assigned
/// members approve (abstentions and missing ballots do not approve).
pub fn tally(assigned: &[UserId], ballots: &[(UserId, bool)], threshold_pct: f64) -> BallotTally {
    let mut approve = 0;
    let mut reject = 0;
    let mut missing = Vec::new();
    for m in assigned {
        match ballots.iter().find(|(u, _)| u == m) {
            Some((_, true)) => approve += 1,
            Some((_, false)) => reject += 1,
            None => missing.push(*m),
        }
    }
    let pct = if assigned.is_empty() {
        0.0
    } else {
        approve as f64 / assigned.len() as f64 * 100.0
    };
    let passes = !assigned.is_empty() && pct > threshold_pct;
    let reasons = if passes {
        Vec::new()
    } else {
        vec![format!(
            "{approve}/{} thành viên tán thành ({}%), chưa quá {}%.",
            assigned.len(),
            fmt_num((pct * 10.0).round() / 10.0),
            fmt_num(threshold_pct)
        )]
    };
    BallotTally {
        approve,
        reject,
        missing,
        approve_pct: pct,
        passes,
        reasons,
    }
}

/// Default criteria (DOMAIN.md §6): for collectives' models, the eight
/// general criteria; for individuals, the five standards. Weight 1, 10 points.
pub const DEFAULT_COLLECTIVE_CRITERIA: [&str; 8] = [
    "Có tên gọi, địa chỉ cụ thể",
    "Thuộc một trong bốn lĩnh vực",
    "Gắn với sự lãnh đạo của cấp ủy, chính quyền; đăng ký với cơ quan phát động",
    "Phối hợp, huy động được nhiều lực lượng tham gia",
    "Lan tỏa rộng, mang lại kết quả thiết thực",
    "Nhân dân đồng tình, tham gia; đáp ứng yêu cầu phát triển của địa phương",
    "Giải quyết được vấn đề khó, bức xúc và nhiệm vụ chính trị của cấp ủy, chính quyền",
    "Được cấp có thẩm quyền ghi nhận; bền vững, có khả năng duy trì, nhân rộng",
];

pub const DEFAULT_INDIVIDUAL_CRITERIA: [&str; 5] = [
    "Bản thân và gia đình gương mẫu chấp hành chủ trương, chính sách, pháp luật",
    "Có ý kiến tham mưu, đề xuất hay",
    "Đề xuất giải pháp giải quyết những vấn đề bức xúc, tồn đọng lâu ngày",
    "Tận tụy phục vụ nhân dân",
    "Hằng năm gia đình đạt “Gia đình văn hóa”, bản thân hoàn thành tốt nhiệm vụ",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn crit(weights: &[f64]) -> Vec<Criterion> {
        weights
            .iter()
            .enumerate()
            .map(|(i, w)| Criterion {
                id: i as i64 + 1,
                name: format!("TC{}", i + 1),
                weight: *w,
                max_points: 10.0,
            })
            .collect()
    }

    fn sheet(member: i64, pts: &[f64]) -> MemberScores {
        MemberScores {
            member,
            points: pts.iter().map(|p| Some(*p)).collect(),
        }
    }

    #[test]
    fn weighted_total_by_hand() {
        // Weights 2 and 1: (2·8/10 + 1·5/10) / 3 = 0.7 → 70 %.
        let c = crit(&[2.0, 1.0]);
        assert!((weighted_pct(&c, &[Some(8.0), Some(5.0)]).unwrap() - 70.0).abs() < 1e-9);
        assert_eq!(weighted_pct(&c, &[Some(8.0), None]), None);
    }

    #[test]
    fn aggregates_checked_by_hand() {
        let c = crit(&[1.0, 1.0]);
        let sheets = [
            sheet(1, &[8.0, 8.0]),
            sheet(2, &[9.0, 7.0]),
            sheet(3, &[6.0, 8.0]),
        ];
        let a = aggregate(&c, Thresholds::default(), &[1, 2, 3, 4], &sheets);
        // Totals 80, 80, 70 → mean 76.67, median 80, min 70, max 80.
        assert_eq!(a.count, 3);
        assert!((a.mean_pct.unwrap() - 76.666_666).abs() < 1e-3);
        assert_eq!(a.median_pct, Some(80.0));
        assert_eq!((a.min_pct, a.max_pct), (Some(70.0), Some(80.0)));
        // Population stddev of 80, 80, 70 = sqrt(200/9) = 4.714.
        assert!((a.stddev_pct.unwrap() - 4.714).abs() < 1e-3);
        assert_eq!(
            a.criterion_pct,
            vec![Some(76.666_666_666_666_67), Some(76.666_666_666_666_67)]
        );
        assert_eq!(a.missing, vec![4]);
        assert!(a.passes);
        assert!(!a.disagreement);
    }

    #[test]
    fn disagreement_is_visible_and_low_criterion_fails() {
        let c = crit(&[1.0, 1.0]);
        // Totals 95 and 45: mean 70 passes the mean rule, but the spread is 50.
        let sheets = [sheet(1, &[10.0, 9.0]), sheet(2, &[5.0, 4.0])];
        let a = aggregate(&c, Thresholds::default(), &[1, 2], &sheets);
        assert_eq!(a.mean_pct, Some(70.0));
        assert!(a.disagreement);
        // Criterion 2 mean is 65 % (above 50): passes.
        assert!(a.passes, "{:?}", a.reasons);
        let sheets = [sheet(1, &[10.0, 4.0]), sheet(2, &[10.0, 5.0])];
        let a = aggregate(&c, Thresholds::default(), &[1, 2], &sheets);
        // Mean 72.5 %, but criterion 2 averages 45 %.
        assert!(!a.passes);
        assert_eq!(
            a.reasons,
            vec!["Tiêu chí “TC2” chỉ đạt 45% (dưới 50%).".to_owned()]
        );
        let a = aggregate(&c, Thresholds::default(), &[1], &[sheet(1, &[6.0, 6.0])]);
        assert_eq!(
            a.reasons,
            vec!["Điểm bình quân 60% thấp hơn mức 70%.".to_owned()]
        );
        let a = aggregate(&c, Thresholds::default(), &[1], &[]);
        assert!(!a.passes && a.mean_pct.is_none());
    }

    #[test]
    fn ballots_need_more_than_the_threshold() {
        let t = tally(&[1, 2, 3, 4], &[(1, true), (2, true), (3, false)], 50.0);
        assert_eq!((t.approve, t.reject, t.missing.clone()), (2, 1, vec![4]));
        assert!(!t.passes, "exactly half is not more than half");
        let t = tally(&[1, 2, 3], &[(1, true), (2, true), (3, false)], 50.0);
        assert!(t.passes);
        assert!(!tally(&[], &[], 50.0).passes);
    }

    #[test]
    fn conflicts_of_interest() {
        let commune = UnitPath::root(1).child(2);
        let hamlet = commune.child(3);
        let other = UnitPath::root(1).child(4);
        let province = UnitPath::root(1);
        assert!(
            conflict_of_interest(9, std::slice::from_ref(&hamlet), &commune, 5),
            "member inside the registering subtree"
        );
        assert!(conflict_of_interest(
            9,
            std::slice::from_ref(&commune),
            &commune,
            5
        ));
        assert!(
            conflict_of_interest(5, &[], &commune, 5),
            "the member registered it"
        );
        assert!(!conflict_of_interest(9, &[other], &commune, 5));
        assert!(
            !conflict_of_interest(9, &[province], &commune, 5),
            "province members review communes"
        );
    }

    #[test]
    fn points_parse_with_decimal_comma() {
        assert_eq!(parse_points("7,5", 10.0), Ok(7.5));
        assert_eq!(parse_points(" 8 ", 10.0), Ok(8.0));
        assert!(parse_points("11", 10.0).is_err());
        assert!(parse_points("-1", 10.0).is_err());
        assert!(parse_points("7.3", 10.0).is_err());
        assert!(parse_points("NaN", 10.0).is_err());
        assert!(parse_points("abc", 10.0).is_err());
        assert_eq!(fmt_num(7.5), "7,5");
        assert_eq!(fmt_num(70.0), "70");
    }

    #[test]
    fn round_moves_forward_only() {
        let mut s = RoundState::Open;
        let mut seen = vec![s];
        while let Some(n) = s.next() {
            s = n;
            seen.push(s);
        }
        assert_eq!(seen, RoundState::ALL.to_vec());
    }
}
