//! What every measurement shares for its report: samples and their statistics, and the number
//! formats of the Markdown tables (BENCHMARKS.md quotes them).

use std::time::Duration;

/// Samples, in milliseconds (the memory measurement stores megabytes in them).
#[derive(Debug, Clone, Default)]
pub(crate) struct Samples(pub(crate) Vec<f64>);

impl Samples {
    /// Adds a duration.
    pub(crate) fn push(&mut self, d: Duration) {
        self.0.push(d.as_secs_f64() * 1000.0);
    }

    fn sorted(&self) -> Vec<f64> {
        let mut v = self.0.clone();
        v.sort_by(|a, b| a.total_cmp(b));
        v
    }

    /// The p-quantile (0..=1), linearly interpolated; NaN without samples.
    pub(crate) fn quantile(&self, p: f64) -> f64 {
        let v = self.sorted();
        if v.is_empty() {
            return f64::NAN;
        }
        let pos = p.clamp(0.0, 1.0) * (v.len() - 1) as f64;
        let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
        v[lo] + (v[hi] - v[lo]) * (pos - lo as f64)
    }

    /// The median.
    pub(crate) fn median(&self) -> f64 {
        self.quantile(0.5)
    }

    /// The smallest sample.
    pub(crate) fn min(&self) -> f64 {
        self.quantile(0.0)
    }

    /// The largest sample.
    pub(crate) fn max(&self) -> f64 {
        self.quantile(1.0)
    }

    /// The mean; NaN without samples.
    pub(crate) fn mean(&self) -> f64 {
        self.0.iter().sum::<f64>() / self.0.len() as f64
    }

    /// How many samples.
    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }
}

/// An error with its sources, for transport failures whose top line says little.
pub(crate) fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// Milliseconds with three significant digits or so.
pub(crate) fn ms(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// Milliseconds as whole microseconds.
pub(crate) fn us(v_ms: f64) -> String {
    format!("{:.0}", v_ms * 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_interpolate() {
        let s = Samples(vec![4.0, 1.0, 3.0, 2.0]);
        assert_eq!(s.min(), 1.0);
        assert_eq!(s.max(), 4.0);
        assert_eq!(s.median(), 2.5);
        assert_eq!(s.mean(), 2.5);
        assert!((s.quantile(0.9) - 3.7).abs() < 1e-9);
        assert_eq!(s.len(), 4);
    }

    #[test]
    fn no_samples_give_nan_not_a_panic() {
        let s = Samples::default();
        assert!(s.median().is_nan() && s.mean().is_nan() && s.max().is_nan());
    }

    #[test]
    fn number_formats() {
        assert_eq!(ms(123.4), "123");
        assert_eq!(ms(12.34), "12.3");
        assert_eq!(ms(1.234), "1.23");
        assert_eq!(us(0.0456), "46");
        let mut s = Samples::default();
        s.push(Duration::from_micros(1500));
        assert_eq!(s.0, [1.5]);
    }
}
