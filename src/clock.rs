//! Local calendar time. Budgets and `byok usage` follow the user's calendar, but loading
//! jiff's whole time-zone database to learn today's date walks every directory under
//! /usr/share/zoneinfo (~1 ms on every call); the C library's `localtime_r` reads
//! /etc/localtime once and is enough for a date and a wall-clock time.

use jiff::Timestamp;
use jiff::civil::{Date, DateTime};

/// `ts` in the local time zone.
pub fn local(ts: Timestamp) -> DateTime {
    #[cfg(unix)]
    {
        let t = ts.as_second() as libc::time_t;
        // SAFETY: localtime_r only writes into the tm we own.
        let mut tm: libc::tm = unsafe { std::mem::zeroed() };
        if !unsafe { libc::localtime_r(&t, &mut tm) }.is_null()
            && let Ok(dt) = DateTime::new(
                (tm.tm_year + 1900) as i16,
                (tm.tm_mon + 1) as i8,
                tm.tm_mday as i8,
                tm.tm_hour as i8,
                tm.tm_min as i8,
                tm.tm_sec.min(59) as i8,
                0,
            )
        {
            return dt;
        }
    }
    ts.to_zoned_datetime(jiff::tz::TimeZone::system())
        .datetime()
}

pub fn today() -> Date {
    local(Timestamp::now()).date()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agrees_with_jiff_for_the_system_zone() {
        let now = Timestamp::now();
        let ours = local(now);
        let jiffs = now
            .to_zoned_datetime(jiff::tz::TimeZone::system())
            .datetime();
        assert_eq!(ours.date(), jiffs.date());
        assert_eq!((ours.hour(), ours.minute()), (jiffs.hour(), jiffs.minute()));
    }
}
