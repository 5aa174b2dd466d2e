//! The unit tree. Each unit stores its materialised path ("/1/7/42/"), so a
//! subtree test is a prefix test and a subtree query is a range scan.

use crate::UnitId;

/// The path of a unit in the tree: "/" + ancestor ids + own id + "/".
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UnitPath(String);

impl UnitPath {
    pub fn root(id: UnitId) -> Self {
        UnitPath(format!("/{id}/"))
    }

    pub fn child(&self, id: UnitId) -> Self {
        UnitPath(format!("{}{id}/", self.0))
    }

    /// Accepts only well-formed stored paths.
    pub fn parse(raw: &str) -> Option<Self> {
        let inner = raw.strip_prefix('/')?.strip_suffix('/')?;
        if inner.is_empty()
            || !inner
                .split('/')
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        {
            return None;
        }
        Some(UnitPath(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True when `other` is this unit or lies below it.
    pub fn covers(&self, other: &UnitPath) -> bool {
        other.0.starts_with(&self.0)
    }

    /// Ids from the root down to this unit.
    pub fn ids(&self) -> Vec<UnitId> {
        self.0.split('/').filter_map(|p| p.parse().ok()).collect()
    }

    pub fn id(&self) -> UnitId {
        *self.ids().last().unwrap_or(&0)
    }

    /// Exclusive upper bound for a range scan of the subtree: '/' and
    /// digits all sort below '~' bytewise.
    pub fn subtree_upper_bound(&self) -> String {
        format!("{}~", self.0)
    }
}

/// Administrative level a unit sits at; also the level an entry targets.
/// Levels are reference data; these codes are the ones the data uses.
pub mod level {
    pub const PROVINCE: &str = "tinh";
    pub const DISTRICT: &str = "huyen";
    pub const COMMUNE: &str = "xa";
}

/// Kinds of unit with their Vietnamese names.
pub const UNIT_KINDS: &[(&str, &str)] = &[
    ("tinh", "Tỉnh"),
    ("huyen", "Huyện (trước 01/7/2025)"),
    ("xa", "Xã"),
    ("phuong", "Phường"),
    ("ban_dang", "Cơ quan Đảng"),
    ("so_nganh", "Sở, ban, ngành"),
    ("mttq", "Ủy ban MTTQ"),
    ("doan_the", "Tổ chức chính trị - xã hội"),
    ("luc_luong_vu_trang", "Lực lượng vũ trang"),
    ("chi_bo", "Chi bộ"),
    ("khu_dan_cu", "Bản, tổ dân phố"),
    ("truong_hoc", "Trường học"),
    ("y_te", "Trạm y tế"),
    ("doanh_nghiep", "Doanh nghiệp"),
    ("khac", "Đơn vị khác"),
];

pub fn unit_kind_name(code: &str) -> &'static str {
    UNIT_KINDS
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, n)| *n)
        .unwrap_or("Đơn vị")
}

/// Registration status of a lower unit for a year, as upper levels see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegistrationStatus {
    NotSent,
    Waiting,
    Returned,
    Accepted,
}

impl RegistrationStatus {
    /// Summarises a unit's entry counts: anything waiting for the upper
    /// level dominates, then returned ones, then accepted.
    pub fn from_counts(waiting: i64, returned: i64, accepted: i64) -> Self {
        if waiting > 0 {
            Self::Waiting
        } else if returned > 0 {
            Self::Returned
        } else if accepted > 0 {
            Self::Accepted
        } else {
            Self::NotSent
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::NotSent => "Chưa gửi",
            Self::Waiting => "Chờ tiếp nhận",
            Self::Returned => "Trả lại để bổ sung",
            Self::Accepted => "Đã tiếp nhận",
        }
    }

    /// Stable code for exports and the API.
    pub fn code(self) -> &'static str {
        match self {
            Self::NotSent => "not_sent",
            Self::Waiting => "waiting",
            Self::Returned => "returned",
            Self::Accepted => "accepted",
        }
    }

    pub fn css(self) -> &'static str {
        match self {
            Self::NotSent => "st-none",
            Self::Waiting => "st-wait",
            Self::Returned => "st-ret",
            Self::Accepted => "st-ok",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_cover_subtrees_only() {
        let province = UnitPath::root(1);
        let commune = province.child(12);
        let hamlet = commune.child(120);
        let other = province.child(121);
        assert!(province.covers(&hamlet));
        assert!(commune.covers(&hamlet));
        assert!(commune.covers(&commune));
        assert!(!commune.covers(&other));
        // "/1/12/" must not cover "/1/120/".
        assert!(!commune.covers(&UnitPath::parse("/1/120/").unwrap()));
        assert!(!hamlet.covers(&commune));
        assert_eq!(hamlet.ids(), vec![1, 12, 120]);
        assert_eq!(hamlet.id(), 120);
        assert!(hamlet.as_str() < commune.subtree_upper_bound().as_str());
    }

    #[test]
    fn path_parse_rejects_garbage() {
        assert!(UnitPath::parse("/1/2/").is_some());
        for bad in ["", "/", "1/2/", "/1/2", "/1//2/", "/a/", "/1/../"] {
            assert!(UnitPath::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn status_from_counts() {
        assert_eq!(
            RegistrationStatus::from_counts(0, 0, 0),
            RegistrationStatus::NotSent
        );
        assert_eq!(
            RegistrationStatus::from_counts(1, 1, 1),
            RegistrationStatus::Waiting
        );
        assert_eq!(
            RegistrationStatus::from_counts(0, 2, 1),
            RegistrationStatus::Returned
        );
        assert_eq!(
            RegistrationStatus::from_counts(0, 0, 3),
            RegistrationStatus::Accepted
        );
    }
}
