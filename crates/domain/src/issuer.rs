//! Issuing bodies. A decision, a reward or a certificate is issued by a
//! unit of the tree; its type (Party committee, People's Committee, Front
//! or mass organisation, department) decides the letterhead it is printed
//! under (Party: HD 36-HD/VPTW; the others: NĐ 30/2020/NĐ-CP), and its
//! territory (the province or commune it belongs to) decides whose entries
//! it may recognise or reward.

use crate::auth::{Actor, Role};
use crate::unit::UnitPath;

/// What kind of body issues a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IssuerType {
    Party,
    PeoplesCommittee,
    Front,
    Department,
}

impl IssuerType {
    pub const ALL: [IssuerType; 4] = [
        Self::Party,
        Self::PeoplesCommittee,
        Self::Front,
        Self::Department,
    ];

    /// Stored code; the first three are those DOMAIN.md §7 names.
    pub fn code(self) -> &'static str {
        match self {
            Self::Party => "dang",
            Self::PeoplesCommittee => "chinh_quyen",
            Self::Front => "mttq",
            Self::Department => "so_nganh",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Party => "Cấp ủy, cơ quan Đảng",
            Self::PeoplesCommittee => "Ủy ban nhân dân",
            Self::Front => "Mặt trận, đoàn thể",
            Self::Department => "Sở, ban, ngành",
        }
    }

    /// The type of body a unit of this kind is; `None` for units that
    /// issue no decisions (residential areas, Party cells, schools…).
    pub fn of_unit_kind(kind: &str) -> Option<Self> {
        match kind {
            "tinh" | "huyen" | "xa" | "phuong" => Some(Self::PeoplesCommittee),
            "ban_dang" => Some(Self::Party),
            "mttq" | "doan_the" => Some(Self::Front),
            "so_nganh" | "luc_luong_vu_trang" => Some(Self::Department),
            _ => None,
        }
    }

    pub fn letterhead(self) -> Letterhead {
        match self {
            Self::Party => Letterhead::Party,
            _ => Letterhead::State,
        }
    }
}

/// The top-right line(s) of a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Letterhead {
    /// HD 36-HD/VPTW.
    Party,
    /// NĐ 30/2020/NĐ-CP: the national motto.
    State,
}

impl Letterhead {
    pub fn code(self) -> &'static str {
        match self {
            Self::Party => "dang",
            Self::State => "nha_nuoc",
        }
    }

    /// The number line under the issuing body: NĐ 30 writes "Số: 15/QĐ-UBND",
    /// HD 36 writes "Số 05-HD/BDVTU" (no colon).
    pub fn number_line(self, number: &str) -> String {
        match self {
            Self::Party => format!("Số {}", number.trim()),
            Self::State => format!("Số: {}", number.trim()),
        }
    }

    /// (first line, motto line under it).
    pub fn lines(self) -> (&'static str, &'static str) {
        match self {
            Self::Party => ("ĐẢNG CỘNG SẢN VIỆT NAM", ""),
            Self::State => (
                "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                "Độc lập - Tự do - Hạnh phúc",
            ),
        }
    }
}

/// A unit of the tree as the issuer rules need it.
#[derive(Debug, Clone, Copy)]
pub struct UnitRef<'a> {
    pub path: &'a UnitPath,
    pub kind: &'a str,
    pub name: &'a str,
    /// Administrative level, set on territorial units only.
    pub level: Option<&'a str>,
}

/// A unit able to issue, with everything a document prints about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issuer {
    pub kind: IssuerType,
    pub path: UnitPath,
    /// The province or commune whose entries it may recognise or reward.
    pub territory: UnitPath,
    /// Level of that territory.
    pub level: String,
    /// Full name, e.g. "Ủy ban nhân dân phường Tô Hiệu".
    pub body: String,
    /// The body above it on the letterhead (may be empty), e.g. "TỈNH ỦY SƠN LA".
    pub parent: String,
    /// Place name of the dateline, e.g. "Sơn La", "Tô Hiệu".
    pub place: String,
    /// Territories this one was formed from (the 2025 reform): their
    /// units' records are its own now.
    pub predecessors: Vec<UnitPath>,
}

impl Issuer {
    /// Its territory, or one it was formed from, holds `unit`.
    pub fn covers(&self, unit: &UnitPath) -> bool {
        self.territory.covers(unit) || self.predecessors.iter().any(|p| p.covers(unit))
    }
}

/// Prefixes naming a territorial unit's kind.
const TERRITORY_KINDS: &[&str] = &[
    "Thành phố ",
    "Thị trấn ",
    "Thị xã ",
    "Đặc khu ",
    "Phường ",
    "Huyện ",
    "Quận ",
    "Tỉnh ",
    "Xã ",
];

/// "Phường Tô Hiệu" → "Tô Hiệu": the place name of a dateline.
pub fn place_name(territory_name: &str) -> &str {
    TERRITORY_KINDS
        .iter()
        .find_map(|p| territory_name.strip_prefix(p))
        .unwrap_or(territory_name)
}

/// "Phường Tô Hiệu" → "phường Tô Hiệu", as it reads inside a sentence.
pub fn in_sentence(territory_name: &str) -> String {
    match TERRITORY_KINDS
        .iter()
        .find(|p| territory_name.starts_with(**p))
    {
        Some(p) => format!("{}{}", p.to_lowercase(), &territory_name[p.len()..]),
        None => territory_name.to_owned(),
    }
}

/// The issuer a unit is, given its lineage (root first, the unit last).
/// `None` when the unit issues nothing or lies under no territory.
pub fn issuer_of(lineage: &[UnitRef<'_>]) -> Option<Issuer> {
    let unit = lineage.last()?;
    let kind = IssuerType::of_unit_kind(unit.kind)?;
    let t = lineage.iter().rposition(|u| u.level.is_some())?;
    let territory = &lineage[t];
    // A body of the territory: the territory itself, or at most two levels
    // below it through issuing bodies only (Tỉnh ủy → its Ban), never a
    // branch under a hamlet, a Party cell or a school.
    let between = lineage.get(t + 1..lineage.len() - 1).unwrap_or(&[]);
    if lineage.len() - 1 - t > 2
        || between
            .iter()
            .any(|u| IssuerType::of_unit_kind(u.kind).is_none())
    {
        return None;
    }
    let root = lineage.first()?;
    let province = place_name(root.name).to_uppercase();
    let at_root = territory.path == root.path;
    let body = match kind {
        IssuerType::PeoplesCommittee => format!("Ủy ban nhân dân {}", in_sentence(unit.name)),
        _ => unit.name.to_owned(),
    };
    let parent = match kind {
        IssuerType::Party if at_root => format!("TỈNH ỦY {province}"),
        IssuerType::Party => format!("ĐẢNG BỘ {}", root.name.to_uppercase()),
        IssuerType::Department => format!("UBND {}", territory.name.to_uppercase()),
        IssuerType::PeoplesCommittee | IssuerType::Front => String::new(),
    };
    Some(Issuer {
        kind,
        path: unit.path.clone(),
        territory: territory.path.clone(),
        level: territory.level.unwrap_or_default().to_owned(),
        body,
        parent,
        place: place_name(territory.name).to_owned(),
        predecessors: Vec::new(),
    })
}

/// Why an issuer may not issue a given decision.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IssuerError {
    #[error("Cơ quan ban hành phải thuộc cấp của đợt xét ({0}).")]
    WrongLevel(String),
    #[error("Cơ quan ban hành phải là loại “{}”.", .0.label())]
    WrongType(IssuerType),
    #[error("{0} không quản lý đơn vị của hồ sơ #{1}: chỉ cơ quan của chính đơn vị hoặc cấp trên mới được ban hành.")]
    OutsideTerritory(String, i64),
    #[error("Bạn không giữ quyền ký (lãnh đạo) tại {0}.")]
    NotSigner(String),
}

/// The one rule for issuing: the body sits at `level`, is of `kind` when
/// one is required, its territory covers every entry's unit, and the person
/// signing holds the signing role at the body.
pub fn check_issue(
    issuer: &Issuer,
    signer: &Actor,
    level: (&str, &str),
    kind: Option<IssuerType>,
    entries: &[(i64, &UnitPath)],
) -> Result<(), IssuerError> {
    let (level_code, level_name) = level;
    if issuer.level != level_code {
        return Err(IssuerError::WrongLevel(level_name.to_owned()));
    }
    if let Some(k) = kind {
        if issuer.kind != k {
            return Err(IssuerError::WrongType(k));
        }
    }
    if let Some((id, _)) = entries.iter().find(|(_, unit)| !issuer.covers(unit)) {
        return Err(IssuerError::OutsideTerritory(issuer.body.clone(), *id));
    }
    if !signer.holds(Role::SigningLeader, &issuer.path) {
        return Err(IssuerError::NotSigner(issuer.body.clone()));
    }
    Ok(())
}

/// "Sơn La, ngày 05 tháng 01 năm 2026" from an ISO date (NĐ 30: days
/// below 10 and months 1 and 2 take a leading zero).
pub fn dateline(place: &str, iso: &str) -> String {
    let Some(d) = crate::calendar::parse_iso(iso) else {
        return place.to_owned();
    };
    let (y, month, day) = (d.year(), u8::from(d.month()), d.day());
    let month = if month <= 2 {
        format!("{month:02}")
    } else {
        month.to_string()
    };
    let date = format!("ngày {day:02} tháng {month} năm {y}");
    if place.is_empty() {
        date
    } else {
        format!("{place}, {date}")
    }
}

/// The concrete title of an award issued by `body`: the catalogue's
/// pattern with "{cơ quan}" replaced, e.g. "Giấy khen của Chủ tịch
/// {cơ quan}" → "Giấy khen của Chủ tịch Ủy ban nhân dân phường Tô Hiệu".
pub fn award_title(pattern: &str, body: &str) -> String {
    pattern.replace("{cơ quan}", body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_lines_follow_the_letterhead() {
        assert_eq!(
            Letterhead::State.number_line("15/QĐ-UBND"),
            "Số: 15/QĐ-UBND"
        );
        assert_eq!(
            Letterhead::Party.number_line(" 05-HD/BDVTU "),
            "Số 05-HD/BDVTU"
        );
    }
    use crate::auth::Grant;

    struct Tree {
        province: UnitPath,
        ban: UnitPath,
        so: UnitPath,
        commune: UnitPath,
        party: UnitPath,
        hamlet: UnitPath,
        other: UnitPath,
    }

    fn tree() -> Tree {
        let province = UnitPath::root(1);
        let commune = province.child(10);
        Tree {
            ban: province.child(2),
            so: province.child(3),
            party: commune.child(11),
            hamlet: commune.child(12),
            other: province.child(20),
            province,
            commune,
        }
    }

    fn r<'a>(
        path: &'a UnitPath,
        kind: &'a str,
        name: &'a str,
        level: Option<&'a str>,
    ) -> UnitRef<'a> {
        UnitRef {
            path,
            kind,
            name,
            level,
        }
    }

    fn leader(at: &UnitPath) -> Actor {
        Actor {
            user_id: 1,
            grants: vec![Grant {
                role: Role::SigningLeader,
                unit: at.clone(),
            }],
        }
    }

    #[test]
    fn bodies_letterheads_and_places() {
        let t = tree();
        let prov = r(&t.province, "tinh", "Tỉnh Sơn La", Some("tinh"));
        let commune = r(&t.commune, "phuong", "Phường Tô Hiệu", Some("xa"));
        let ubnd = issuer_of(&[prov, commune]).unwrap();
        assert_eq!(ubnd.body, "Ủy ban nhân dân phường Tô Hiệu");
        assert_eq!(ubnd.place, "Tô Hiệu");
        assert_eq!(ubnd.kind.letterhead(), Letterhead::State);
        let party = issuer_of(&[
            prov,
            commune,
            r(&t.party, "ban_dang", "Đảng ủy phường Tô Hiệu", None),
        ])
        .unwrap();
        assert_eq!(party.kind, IssuerType::Party);
        assert_eq!(party.kind.letterhead().lines().0, "ĐẢNG CỘNG SẢN VIỆT NAM");
        assert_eq!(party.parent, "ĐẢNG BỘ TỈNH SƠN LA");
        assert_eq!(party.territory, t.commune);
        let ban = issuer_of(&[
            prov,
            r(
                &t.ban,
                "ban_dang",
                "Ban Tuyên giáo và Dân vận Tỉnh ủy Sơn La",
                None,
            ),
        ])
        .unwrap();
        assert_eq!(ban.parent, "TỈNH ỦY SƠN LA");
        assert_eq!(ban.place, "Sơn La");
        let so = issuer_of(&[prov, r(&t.so, "so_nganh", "Sở Y tế", None)]).unwrap();
        assert_eq!(so.parent, "UBND TỈNH SƠN LA");
        assert_eq!(so.kind.letterhead(), Letterhead::State);
        assert!(issuer_of(&[prov, commune, r(&t.hamlet, "khu_dan_cu", "Bản Hìn", None)]).is_none());
        // A branch under a hamlet issues nothing; a Ban under the Tỉnh ủy does.
        let branch = t.hamlet.child(13);
        assert!(issuer_of(&[
            prov,
            commune,
            r(&t.hamlet, "khu_dan_cu", "Bản Hìn", None),
            r(&branch, "doan_the", "Chi hội Phụ nữ bản Hìn", None),
        ])
        .is_none());
        let ban = t.ban.child(14);
        let under = issuer_of(&[
            prov,
            r(&t.ban, "ban_dang", "Tỉnh ủy Sơn La", None),
            r(&ban, "ban_dang", "Ban Tuyên giáo và Dân vận", None),
        ])
        .unwrap();
        assert_eq!(under.territory, t.province);
        let deep = ban.child(15);
        assert!(issuer_of(&[
            prov,
            r(&t.ban, "ban_dang", "Tỉnh ủy Sơn La", None),
            r(&ban, "ban_dang", "Ban Tuyên giáo và Dân vận", None),
            r(&deep, "ban_dang", "Phòng", None),
        ])
        .is_none());
    }

    #[test]
    fn an_issuer_covers_its_own_territory_at_its_level_only() {
        let t = tree();
        let prov = r(&t.province, "tinh", "Tỉnh Sơn La", Some("tinh"));
        let commune = r(&t.commune, "phuong", "Phường Tô Hiệu", Some("xa"));
        let party = issuer_of(&[
            prov,
            commune,
            r(&t.party, "ban_dang", "Đảng ủy phường Tô Hiệu", None),
        ])
        .unwrap();
        let lvl = ("xa", "Cấp xã");
        let inside = [(7, &t.hamlet)];
        assert_eq!(
            check_issue(&party, &leader(&t.commune), lvl, None, &inside),
            Ok(())
        );
        // An entry of another commune.
        assert!(matches!(
            check_issue(&party, &leader(&t.commune), lvl, None, &[(8, &t.other)]),
            Err(IssuerError::OutsideTerritory(_, 8))
        ));
        // Wrong level, wrong type, a signer from elsewhere.
        assert!(matches!(
            check_issue(
                &party,
                &leader(&t.commune),
                ("tinh", "Cấp tỉnh"),
                None,
                &inside
            ),
            Err(IssuerError::WrongLevel(_))
        ));
        assert!(matches!(
            check_issue(
                &party,
                &leader(&t.commune),
                lvl,
                Some(IssuerType::Front),
                &inside
            ),
            Err(IssuerError::WrongType(IssuerType::Front))
        ));
        assert!(matches!(
            check_issue(&party, &leader(&t.other), lvl, None, &inside),
            Err(IssuerError::NotSigner(_))
        ));
        // The provincial leader signs for every body below the province.
        assert_eq!(
            check_issue(&party, &leader(&t.province), lvl, None, &inside),
            Ok(())
        );
    }

    #[test]
    fn datelines_follow_decree_30() {
        assert_eq!(
            dateline("Sơn La", "2026-01-05"),
            "Sơn La, ngày 05 tháng 01 năm 2026"
        );
        assert_eq!(
            dateline("Tô Hiệu", "2026-12-25"),
            "Tô Hiệu, ngày 25 tháng 12 năm 2026"
        );
        assert_eq!(
            dateline("Sơn La", "2026-03-09"),
            "Sơn La, ngày 09 tháng 3 năm 2026"
        );
        assert_eq!(in_sentence("Xã Mường Bú"), "xã Mường Bú");
        assert_eq!(
            award_title(
                "Giấy khen của Chủ tịch {cơ quan}",
                "Ủy ban nhân dân xã Mường Bú"
            ),
            "Giấy khen của Chủ tịch Ủy ban nhân dân xã Mường Bú"
        );
    }
}
