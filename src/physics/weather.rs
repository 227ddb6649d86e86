//! Generated weather: seeded, persistent cloud cover, wind and temperature.
//!
//! - Cloud cover in oktas follows a Gaussian AR(1) process (time constant
//!   3 h) around a daily regime (clear, broken or overcast) drawn each
//!   midnight from the pattern's odds; GHI = GHI_clear (1 - 0.75 (N/8)^3.4)
//!   (Kasten & Czeplak 1980).
//! - Wind at the reference height is Weibull (k = 2, c = mean / Gamma(1 + 1/k))
//!   reached from a Gaussian AR(1) process (time constant 6 h) through the
//!   normal and Weibull CDFs, so it persists but has the right distribution.
//! - Air temperature is the seasonal and daily cosine of
//!   [`super::solar::typical_air_temperature_c`], with a smaller daily swing
//!   under cloud, plus an AR(1) anomaly (sd 2.5 C, time constant 2 days).
//!
//! Everything advances by [`WeatherState::advance`] with an explicit step,
//! from an explicit RNG, so the same seed replays the same weather.

use rand::{RngExt, rngs::StdRng};
use serde::{Deserialize, Serialize};

/// A weather pattern: the odds of clear, broken and overcast days and the windiness.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum WeatherPattern {
    /// Central European odds that follow the season (more overcast in winter).
    #[default]
    Seasonal,
    /// Mostly clear days, light wind.
    SunnySummer,
    /// Mostly overcast days.
    GreyWinter,
    /// Broken to overcast skies and strong wind.
    Stormy,
}

impl WeatherPattern {
    /// Odds of (clear, broken, overcast) days for a day of year.
    pub fn day_odds(self, day_of_year: u32) -> [f64; 3] {
        match self {
            Self::Seasonal => {
                // 1 in summer, 0 in winter.
                let summer = 0.5
                    - 0.5
                        * (2.0 * std::f64::consts::PI * (f64::from(day_of_year) - 15.0) / 365.0)
                            .cos();
                // Calibrated so that Berlin's year comes to about 1,050-1,100
                // kWh/m2 of GHI, as measured (PVGIS, DWD).
                let clear = 0.08 + 0.17 * summer;
                let overcast = 0.64 - 0.27 * summer;
                [clear, 1.0 - clear - overcast, overcast]
            }
            Self::SunnySummer => [0.65, 0.28, 0.07],
            Self::GreyWinter => [0.08, 0.27, 0.65],
            Self::Stormy => [0.1, 0.45, 0.45],
        }
    }

    /// Factor on the scenario's mean wind speed.
    pub fn wind_factor(self) -> f64 {
        match self {
            Self::Seasonal | Self::GreyWinter => 1.0,
            Self::SunnySummer => 0.7,
            Self::Stormy => 1.8,
        }
    }
}

/// Mean oktas of a clear, broken and overcast day.
const REGIME_OKTAS: [f64; 3] = [1.0, 5.5, 7.9];
/// Standard deviation of cloud cover around the day's regime, oktas.
const CLOUD_SD_OKTAS: f64 = 1.3;
const CLOUD_TAU_S: f64 = 3.0 * 3600.0;
const WIND_TAU_S: f64 = 6.0 * 3600.0;
const TEMP_TAU_S: f64 = 2.0 * 86_400.0;
const TEMP_SD_C: f64 = 2.5;
/// Weibull shape for inland wind.
pub const WEIBULL_K: f64 = 2.0;

/// The weather's memory between steps.
#[derive(Debug, Clone, PartialEq)]
pub struct WeatherState {
    regime: usize,
    day: Option<u32>,
    cloud_z: f64,
    wind_z: f64,
    temp_z: f64,
}

/// The weather at one instant (before the sun is applied).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WeatherSample {
    /// Cloud cover, oktas 0-8.
    pub cloud_oktas: f64,
    /// Wind at the reference height, m/s.
    pub wind_m_s: f64,
    /// Air temperature anomaly to add to the climate, C.
    pub temperature_anomaly_c: f64,
}

impl WeatherState {
    /// A fresh state; the first [`Self::advance`] draws the first day's regime.
    pub fn new(rng: &mut StdRng) -> Self {
        Self {
            regime: 1,
            day: None,
            cloud_z: standard_normal(rng),
            wind_z: standard_normal(rng),
            temp_z: standard_normal(rng),
        }
    }

    /// Advances by `dt_s` seconds into day `day_of_year` and returns the weather.
    pub fn advance(
        &mut self,
        rng: &mut StdRng,
        pattern: WeatherPattern,
        mean_wind_m_s: f64,
        day_of_year: u32,
        dt_s: f64,
    ) -> WeatherSample {
        if self.day != Some(day_of_year) {
            self.day = Some(day_of_year);
            let odds = pattern.day_odds(day_of_year);
            let u: f64 = rng.random();
            self.regime = if u < odds[0] {
                0
            } else if u < odds[0] + odds[1] {
                1
            } else {
                2
            };
        }
        self.cloud_z = ar1(self.cloud_z, dt_s, CLOUD_TAU_S, rng);
        self.wind_z = ar1(self.wind_z, dt_s, WIND_TAU_S, rng);
        self.temp_z = ar1(self.temp_z, dt_s, TEMP_TAU_S, rng);
        WeatherSample {
            cloud_oktas: (REGIME_OKTAS[self.regime] + CLOUD_SD_OKTAS * self.cloud_z)
                .clamp(0.0, 8.0),
            wind_m_s: weibull_from_normal(
                self.wind_z,
                mean_wind_m_s * pattern.wind_factor(),
                WEIBULL_K,
            ),
            temperature_anomaly_c: TEMP_SD_C * self.temp_z,
        }
    }
}

/// One step of a unit-variance Gaussian AR(1) process with time constant `tau_s`.
pub fn ar1(z: f64, dt_s: f64, tau_s: f64, rng: &mut StdRng) -> f64 {
    Ar1Step::new(dt_s, tau_s).next(z, rng)
}

/// The constants of an AR(1) step of `dt_s` with time constant `tau_s`,
/// for a process stepped many times with the same step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ar1Step {
    /// Seconds a step.
    pub dt_s: f64,
    /// How much of the last value stays: exp(-dt / tau).
    phi: f64,
    /// Weight of the new draw: sqrt(1 - phi^2), keeping unit variance.
    innovation: f64,
}

impl Ar1Step {
    /// The step of `dt_s` seconds with time constant `tau_s`.
    pub fn new(dt_s: f64, tau_s: f64) -> Self {
        let phi = (-dt_s / tau_s).exp();
        Self {
            dt_s,
            phi,
            innovation: (1.0 - phi * phi).sqrt(),
        }
    }

    /// The value after `z`, one step on.
    pub fn next(&self, z: f64, rng: &mut StdRng) -> f64 {
        self.phi * z + self.innovation * standard_normal(rng)
    }
}

/// A standard normal draw (Marsaglia and Tsang's ziggurat, `rand_distr`:
/// nearly always one 64-bit draw, a multiplication and a comparison;
/// Box-Muller's logarithm and cosine were 14 % of a simulated year).
pub fn standard_normal(rng: &mut StdRng) -> f64 {
    rng.sample(rand_distr::StandardNormal)
}

/// Standard normal CDF (Abramowitz & Stegun 7.1.26, error below 1.5e-7).
pub fn normal_cdf(x: f64) -> f64 {
    let t = 1.0 / (1.0 + 0.327_591_1 * x.abs() / std::f64::consts::SQRT_2);
    let poly = t
        * (0.254_829_592
            + t * (-0.284_496_736
                + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let erf = 1.0 - poly * (-(x * x) / 2.0).exp();
    if x >= 0.0 {
        0.5 * (1.0 + erf)
    } else {
        0.5 * (1.0 - erf)
    }
}

/// Maps a standard normal value to a Weibull(k, c) speed with the given mean.
pub fn weibull_from_normal(z: f64, mean_m_s: f64, k: f64) -> f64 {
    let c = mean_m_s / gamma_1_plus(1.0 / k);
    let u = normal_cdf(z).clamp(1e-12, 1.0 - 1e-12);
    c * (-(1.0 - u).ln()).powf(1.0 / k)
}

/// Gamma(1 + x) for 0 <= x <= 1 (Lanczos would be overkill: a 5-term fit, error < 5e-5).
fn gamma_1_plus(x: f64) -> f64 {
    1.0 + x
        * (-0.574_864_6
            + x * (0.951_236_3 + x * (-0.699_858_8 + x * (0.424_554_9 - 0.101_067_8 * x))))
}

/// Global horizontal irradiance under `oktas` of cloud (Kasten & Czeplak).
pub fn cloudy_ghi_w_m2(clear_ghi_w_m2: f64, oktas: f64) -> f64 {
    clear_ghi_w_m2 * (1.0 - 0.75 * (oktas.clamp(0.0, 8.0) / 8.0).powf(3.4))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn the_normal_draw_is_standard_normal() {
        let mut rng = StdRng::seed_from_u64(7);
        let n = 400_000;
        let x: Vec<f64> = (0..n).map(|_| standard_normal(&mut rng)).collect();
        let mean = x.iter().sum::<f64>() / n as f64;
        let var = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n as f64;
        // Standard errors: 0.0016 for the mean, 0.0022 for the variance.
        assert!(
            mean.abs() < 0.01 && (var - 1.0).abs() < 0.01,
            "{mean} {var}"
        );
        // The tails, where a ziggurat's edge cases live: P(|x| > 2) = 4.55 %,
        // P(|x| > 3) = 0.270 % (within 6 and 5 standard errors).
        let share = |k: f64| x.iter().filter(|v| v.abs() > k).count() as f64 / n as f64;
        assert!((share(2.0) - 0.0455).abs() < 0.002, "{}", share(2.0));
        assert!((share(3.0) - 0.0027).abs() < 0.0004, "{}", share(3.0));
    }

    #[test]
    fn weibull_mapping_keeps_the_mean() {
        let mut rng = StdRng::seed_from_u64(1);
        let n = 200_000;
        let mean: f64 = (0..n)
            .map(|_| weibull_from_normal(standard_normal(&mut rng), 5.0, 2.0))
            .sum::<f64>()
            / n as f64;
        assert!((mean - 5.0).abs() < 0.05, "{mean}");
        assert!((gamma_1_plus(0.5) - 0.886_226_9).abs() < 1e-4);
        assert!((normal_cdf(1.0) - 0.841_344_7).abs() < 1e-6);
    }

    #[test]
    fn weather_replays_from_the_seed_and_all_regimes_occur() {
        let run = |seed| {
            let mut rng = StdRng::seed_from_u64(seed);
            let mut w = WeatherState::new(&mut rng);
            (0..60 * 24)
                .map(|i| {
                    w.advance(
                        &mut rng,
                        WeatherPattern::Seasonal,
                        5.0,
                        100 + i / 24,
                        3600.0,
                    )
                    .cloud_oktas
                })
                .collect::<Vec<f64>>()
        };
        let a = run(3);
        assert_eq!(a, run(3));
        assert_ne!(a, run(4));
        let daily: Vec<f64> = a.chunks(24).map(|d| d.iter().sum::<f64>() / 24.0).collect();
        assert!(daily.iter().any(|&m| m < 2.5), "a clear day in 60");
        assert!(daily.iter().any(|&m| m > 6.0), "an overcast day in 60");
    }

    #[test]
    fn clouds_dim_the_sun() {
        assert_eq!(cloudy_ghi_w_m2(800.0, 0.0), 800.0);
        assert!((cloudy_ghi_w_m2(800.0, 8.0) - 200.0).abs() < 1e-9);
    }
}
