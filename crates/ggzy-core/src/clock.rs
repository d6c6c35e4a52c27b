//! Time enters the domain only through this trait; the server injects a system or accelerated
//! clock, tests a manual one.

use chrono::{DateTime, Utc};

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;
}

/// The instant a service decides by. A fixed instant serves seeding and tests; the live clock
/// lets a service read the time inside its deciding transaction, after its lock is held, so a
/// request that waited for the lock is judged at the moment it is decided, not when it arrived
/// at the door.
pub trait Now: Send + Sync {
    fn at(&self) -> DateTime<Utc>;
}

impl Now for DateTime<Utc> {
    fn at(&self) -> DateTime<Utc> {
        *self
    }
}

impl Now for std::sync::Arc<dyn Clock> {
    fn at(&self) -> DateTime<Utc> {
        self.now()
    }
}

/// Keep timestamps at microsecond precision: PostgreSQL stores no more, and the event hash must
/// be computed over exactly what is stored.
pub fn truncate_micros(t: DateTime<Utc>) -> DateTime<Utc> {
    let micros = t.timestamp_micros();
    DateTime::from_timestamp_micros(micros).unwrap_or(t)
}

/// Maps real elapsed time onto a faster virtual time: `virtual = start_virtual + factor × elapsed`.
/// Pure arithmetic so that it is testable; the server supplies the real instant.
#[derive(Debug, Clone, Copy)]
pub struct Acceleration {
    pub real_origin: DateTime<Utc>,
    pub virtual_origin: DateTime<Utc>,
    pub factor: u32,
}

impl Acceleration {
    pub fn virtual_at(&self, real: DateTime<Utc>) -> DateTime<Utc> {
        let elapsed = real - self.real_origin;
        self.virtual_origin + elapsed * self.factor as i32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acceleration_scales_elapsed_time() {
        let t0 = DateTime::from_timestamp(1_700_000_000, 0).expect("ts");
        let a = Acceleration {
            real_origin: t0,
            virtual_origin: t0,
            factor: 60,
        };
        assert_eq!(
            a.virtual_at(t0 + chrono::Duration::seconds(10)),
            t0 + chrono::Duration::minutes(10)
        );
    }
}
