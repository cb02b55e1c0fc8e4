//! Validation of EDTF level 0 dates and intervals, as InvenioRDM accepts them for
//! `publication_date` and `dates[].date`.

/// Whether `s` is an EDTF level 0 date (`YYYY`, `YYYY-MM`, `YYYY-MM-DD`) or a chronological
/// interval of two such dates (`A/B`).
///
/// ```
/// use inveniordm_models::edtf::is_valid;
/// assert!(is_valid("2020"));
/// assert!(is_valid("2020-02-29"));
/// assert!(is_valid("2018/2020-09"));
/// assert!(!is_valid("2019-02-29"));
/// assert!(!is_valid("2021/2020"));
/// assert!(!is_valid("26/11/2026"));
/// ```
pub fn is_valid(s: &str) -> bool {
    match s.split_once('/') {
        Some((a, b)) => match (parse_date(a), parse_date(b)) {
            (Some(x), Some(y)) => x.start() <= y.start(),
            _ => false,
        },
        None => parse_date(s).is_some(),
    }
}

#[derive(Debug, Clone, Copy)]
struct Date {
    y: u32,
    m: Option<u32>,
    d: Option<u32>,
}

impl Date {
    fn start(&self) -> (u32, u32, u32) {
        (self.y, self.m.unwrap_or(1), self.d.unwrap_or(1))
    }
}

fn digits(s: &str, n: usize) -> Option<u32> {
    if s.len() == n && s.bytes().all(|b| b.is_ascii_digit()) {
        s.parse().ok()
    } else {
        None
    }
}

fn parse_date(s: &str) -> Option<Date> {
    let mut parts = s.split('-');
    let y = digits(parts.next()?, 4)?;
    let m = match parts.next() {
        Some(p) => Some(digits(p, 2)?),
        None => None,
    };
    let d = match parts.next() {
        Some(p) => Some(digits(p, 2)?),
        None => None,
    };
    if parts.next().is_some() {
        return None;
    }
    if let Some(m) = m {
        if !(1..=12).contains(&m) {
            return None;
        }
        if let Some(d) = d
            && (d < 1 || d > days_in_month(y, m))
        {
            return None;
        }
    }
    Some(Date { y, m, d })
}

fn days_in_month(y: u32, m: u32) -> u32 {
    match m {
        4 | 6 | 9 | 11 => 30,
        2 if (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400) => 29,
        2 => 28,
        _ => 31,
    }
}
