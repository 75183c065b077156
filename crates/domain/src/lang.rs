//! The languages of the product's words: Vietnamese first, English.

/// A language of pages, messages and stated reasons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum Lang {
    #[default]
    Vi,
    En,
}

impl Lang {
    /// The BCP 47 tag: `vi` or `en`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }
}

/// `x` with `decimals` decimals, grouped in thousands: Vietnamese 1.234,5; English 1,234.5.
pub fn decimal(x: f64, decimals: usize, lang: Lang) -> String {
    let s = format!("{x:.decimals$}");
    // "-0" and "-0.0" read as a sign with nothing to sign.
    let s = match s.strip_prefix('-') {
        Some(rest) if rest.chars().all(|c| c == '0' || c == '.') => rest.to_string(),
        _ => s,
    };
    let (sign, digits) = match s.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", s.as_str()),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let (sep, dec) = match lang {
        Lang::Vi => ('.', ','),
        Lang::En => (',', '.'),
    };
    let mut out = String::with_capacity(s.len() + 4);
    out.push_str(sign);
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(sep);
        }
        out.push(ch);
    }
    if !frac.is_empty() {
        out.push(dec);
        out.push_str(frac);
    }
    out
}

/// A whole number grouped in thousands: 12.345 / 12,345.
pub fn count(n: i64, lang: Lang) -> String {
    decimal(n as f64, 0, lang)
}

/// A percentage (`pct` already times 100) with `decimals` decimals: Vietnamese writes a space
/// before the sign (98,0 %), English none (98.0%).
pub fn percent(pct: f64, decimals: usize, lang: Lang) -> String {
    let n = decimal(pct, decimals, lang);
    match lang {
        Lang::Vi => format!("{n}\u{a0}%"),
        Lang::En => format!("{n}%"),
    }
}

/// A date as each language writes it: 03/01/2022; English 3 Jan 2022.
pub fn date(d: chrono::NaiveDate, lang: Lang) -> String {
    match lang {
        Lang::Vi => d.format("%d/%m/%Y").to_string(),
        Lang::En => d.format("%-d %b %Y").to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_dates_are_written_as_each_language_writes_them() {
        assert_eq!(decimal(1234.5, 1, Lang::Vi), "1.234,5");
        assert_eq!(decimal(1234.5, 1, Lang::En), "1,234.5");
        assert_eq!(decimal(-1234567.0, 0, Lang::Vi), "-1.234.567");
        assert_eq!(decimal(-0.04, 1, Lang::Vi), "0,0");
        assert_eq!(decimal(0.5, 2, Lang::Vi), "0,50");
        assert_eq!(count(100_000, Lang::Vi), "100.000");
        assert_eq!(count(999, Lang::En), "999");
        assert_eq!(percent(98.0, 1, Lang::Vi), "98,0\u{a0}%");
        assert_eq!(percent(98.0, 1, Lang::En), "98.0%");
        let d = chrono::NaiveDate::from_ymd_opt(2022, 1, 3).unwrap();
        assert_eq!(date(d, Lang::Vi), "03/01/2022");
        assert_eq!(date(d, Lang::En), "3 Jan 2022");
    }
}
