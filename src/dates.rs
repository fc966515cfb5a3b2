//! Dates as the app writes them, formatted by hand from chrono's fields: chrono's `strftime`
//! (its format-string parser and formatter, with Unicode case tables for `%P`) cost ~9 KB of
//! brotli in the wasm for three lines, and its parser 7 KB more for one.

use chrono::{DateTime, Datelike, Local, Timelike};

/// A day as stored and named in files, "aaaa-mm-dd" (what a date input gives).
pub fn iso_day(d: &impl Datelike) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
}

/// Today on this device, "aaaa-mm-dd".
pub fn today() -> String {
    iso_day(&Local::now())
}

/// Formats ms since the epoch as the person's local "dd-mm-aaaa hh:mm" (empty for a time
/// chrono cannot represent).
pub fn format_time(ms: i64) -> String {
    DateTime::from_timestamp_millis(ms)
        .map(|t| {
            let t = t.with_timezone(&Local);
            format!(
                "{:02}-{:02}-{:04} {:02}:{:02}",
                t.day(),
                t.month(),
                t.year(),
                t.hour(),
                t.minute()
            )
        })
        .unwrap_or_default()
}

/// A calendar date as stored ("aaaa-mm-dd", what a date input gives) in her order,
/// "dd-mm-aaaa"; anything else is shown as it is.
pub fn format_day(iso: &str) -> String {
    let parts: Vec<&str> = iso.split('-').collect();
    match parts[..] {
        [y, m, d]
            if y.len() == 4
                && m.len() == 2
                && d.len() == 2
                && parts.iter().all(|p| p.bytes().all(|b| b.is_ascii_digit())) =>
        {
            format!("{d}-{m}-{y}")
        }
        _ => iso.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_written_with_four_digit_years_and_two_digit_months_and_days() {
        let d = chrono::NaiveDate::from_ymd_opt(2026, 3, 7).unwrap();
        assert_eq!(iso_day(&d), "2026-03-07");
        assert_eq!(iso_day(&d), d.format("%Y-%m-%d").to_string());
        assert_eq!(format_day("2026-03-07"), "07-03-2026");
        assert_eq!(format_day("7 de marzo"), "7 de marzo");
    }

    #[test]
    fn a_time_reads_as_chrono_formats_it_in_local_time() {
        for ms in [0, 1_764_590_400_000, 1_767_225_599_999] {
            let t = DateTime::from_timestamp_millis(ms).unwrap().with_timezone(&Local);
            assert_eq!(format_time(ms), t.format("%d-%m-%Y %H:%M").to_string());
        }
        assert_eq!(format_time(i64::MAX), "");
    }
}
