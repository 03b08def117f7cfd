//! The kernel stamps events with CLOCK_BOOTTIME; signals carry Unix time.

/// Converts boot-time nanoseconds (and `/proc` clock ticks) to Unix nanoseconds.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    /// Unix ns minus boot-time ns, read once.
    offset: i64,
}

impl Clock {
    pub fn now() -> Self {
        Self {
            offset: read(libc::CLOCK_REALTIME) - read(libc::CLOCK_BOOTTIME),
        }
    }

    /// Unix ns of a CLOCK_BOOTTIME reading.
    pub fn unix(&self, boot_ns: u64) -> i64 {
        (boot_ns as i64).saturating_add(self.offset)
    }

    /// Unix ns of a process start time from /proc/<pid>/stat (clock ticks since boot).
    pub fn unix_from_ticks(&self, ticks: u64) -> i64 {
        // SAFETY: sysconf has no preconditions.
        let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
        let hz = if hz > 0 { hz as i64 } else { 100 };
        (ticks as i64).saturating_mul(1_000_000_000 / hz) + self.offset
    }
}

fn read(clock: libc::clockid_t) -> i64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec.
    let rc = unsafe { libc::clock_gettime(clock, &mut ts) };
    if rc != 0 {
        return 0;
    }
    ts.tv_sec * 1_000_000_000 + ts.tv_nsec
}
