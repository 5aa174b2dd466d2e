//! Pages of a list held whole in memory (a unit's lower units, a summary
//! table's rows): which page was asked for, what it shows, and the links
//! to the pages beside it. Lists read from the database page in SQL.

/// One page of `total` items, `per_page` a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    /// This page, from 1.
    pub at: usize,
    pub pages: usize,
    pub per_page: usize,
}

impl Paging {
    /// The page `asked` for (as the query gave it), kept within the pages
    /// there are: a wrong or missing number shows the first, a too large
    /// one the last.
    pub fn of(total: usize, per_page: usize, asked: &str) -> Paging {
        let pages = total.div_ceil(per_page).max(1);
        let at = asked.trim().parse::<usize>().unwrap_or(1).clamp(1, pages);
        Paging {
            at,
            pages,
            per_page,
        }
    }

    /// The items this page shows, as positions in the whole list.
    pub fn range(&self) -> std::ops::Range<usize> {
        let first = (self.at - 1) * self.per_page;
        first..first + self.per_page
    }

    /// `{base}&page=N` for the page before, or empty on the first.
    pub fn prev_href(&self, base: &str) -> String {
        if self.at > 1 {
            format!("{base}&page={}", self.at - 1)
        } else {
            String::new()
        }
    }

    /// `{base}&page=N` for the page after, or empty on the last.
    pub fn next_href(&self, base: &str) -> String {
        if self.at < self.pages {
            format!("{base}&page={}", self.at + 1)
        } else {
            String::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_stay_within_the_list() {
        let p = Paging::of(81, 40, "2");
        assert_eq!((p.at, p.pages, p.range()), (2, 3, 40..80));
        assert_eq!(p.prev_href("/x?a=1"), "/x?a=1&page=1");
        assert_eq!(p.next_href("/x?a=1"), "/x?a=1&page=3");
        assert_eq!(Paging::of(81, 40, "99").at, 3);
        assert_eq!(Paging::of(81, 40, "abc").at, 1);
        let one = Paging::of(0, 40, "");
        assert_eq!((one.at, one.pages), (1, 1));
        assert!(one.prev_href("/x?").is_empty() && one.next_href("/x?").is_empty());
    }
}
