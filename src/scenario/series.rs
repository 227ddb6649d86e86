//! Series a user supplies as CSV: weather (irradiance, wind, temperature,
//! interpolated linearly between rows) and prices (held until the next row).
//!
//! Columns (any order, more are ignored): `time` ("YYYY-MM-DD HH:MM", local
//! clock time), then for weather `ghi_w_m2`, `wind_m_s` (at the scenario's
//! reference height) and `air_temperature_c`; for prices
//! `import_eur_per_kwh` and optionally `export_eur_per_kwh`. Times must
//! increase. Errors name the file, line and column.

use std::path::Path;

use chrono::NaiveDateTime;

use super::ScenarioError;
use super::checked::in_range;

/// Largest weather file accepted, bytes.
pub const MAX_SERIES_BYTES: u64 = 64 * 1024 * 1024;

/// One column a series file must (or may) have, with its allowed range.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    /// Header name.
    pub name: &'static str,
    /// Smallest value accepted.
    pub min: f64,
    /// Largest value accepted.
    pub max: f64,
    /// Whether the file must have it.
    pub required: bool,
}

/// Rows of numbers over increasing local times, from a CSV file.
#[derive(Debug, Clone, PartialEq)]
pub struct TimeSeries {
    /// File it came from, for messages.
    pub file: String,
    times: Vec<NaiveDateTime>,
    /// One vector per column asked for; NaN where an optional column is absent.
    values: Vec<Vec<f64>>,
}

impl TimeSeries {
    /// First and last time covered.
    pub fn span(&self) -> (NaiveDateTime, NaiveDateTime) {
        (self.times[0], self.times[self.times.len() - 1])
    }

    /// Linear interpolation of column `k` at `t`, or `None` outside the series.
    pub fn interpolate(&self, k: usize, t: NaiveDateTime) -> Option<f64> {
        let (first, last) = self.span();
        if t < first || t > last {
            return None;
        }
        let i = self
            .times
            .partition_point(|x| *x <= t)
            .clamp(1, self.times.len() - 1);
        let (t0, t1) = (self.times[i - 1], self.times[i]);
        let w = (t - t0).num_seconds() as f64 / (t1 - t0).num_seconds().max(1) as f64;
        let v = &self.values[k];
        Some(v[i - 1] + (v[i] - v[i - 1]) * w.clamp(0.0, 1.0))
    }

    /// Column `k` of the last row at or before `t` (a price holds until the
    /// next row), or `None` before the first row or after the last.
    pub fn hold(&self, k: usize, t: NaiveDateTime) -> Option<f64> {
        let (first, last) = self.span();
        if t < first || t > last {
            return None;
        }
        let i = self.times.partition_point(|x| *x <= t).max(1) - 1;
        Some(self.values[k][i])
    }

    /// Reads a series file.
    pub fn load(path: &Path, columns: &[Column]) -> Result<Self, ScenarioError> {
        let file = path.display().to_string();
        let bytes = crate::files::read_bounded(path, MAX_SERIES_BYTES).map_err(|e| {
            let why = match e {
                crate::files::Refusal::Missing => "this file does not exist; check the path (paths are relative to the scenario file)".to_owned(),
                crate::files::Refusal::TooLarge(..) => format!("{e}; use a coarser time step"),
                _ => e.to_string(),
            };
            ScenarioError::file(&file, why)
        })?;
        let text = String::from_utf8(crate::files::without_byte_order_mark(&bytes).to_vec())
            .map_err(|_| {
                ScenarioError::file(&file, "the file is not UTF-8 text; save it as CSV (UTF-8)")
            })?;
        Self::parse(&text, &file, columns)
    }

    /// Parses series text; `file` names it in errors.
    pub fn parse(text: &str, file: &str, columns: &[Column]) -> Result<Self, ScenarioError> {
        let at = |line: usize, col: usize, message: String| ScenarioError {
            file: file.to_owned(),
            position: Some((line, col)),
            message,
        };
        let wanted = || {
            std::iter::once("time")
                .chain(columns.iter().filter(|c| c.required).map(|c| c.name))
                .collect::<Vec<_>>()
                .join(",")
        };
        let mut lines = text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'));
        let Some((header_line, header)) = lines.next() else {
            return Err(ScenarioError::file(
                file,
                format!(
                    "the file is empty; it needs a header `{}` and rows",
                    wanted()
                ),
            ));
        };
        let names: Vec<&str> = header.split(',').map(str::trim).collect();
        let time_index = names.iter().position(|n| *n == "time").ok_or_else(|| {
            at(
                header_line + 1,
                1,
                format!(
                    "the header has no `time` column; the header must name {}",
                    wanted()
                ),
            )
        })?;
        let mut index = Vec::with_capacity(columns.len());
        for c in columns {
            let found = names.iter().position(|n| *n == c.name);
            if found.is_none() && c.required {
                return Err(at(
                    header_line + 1,
                    1,
                    format!(
                        "the header has no `{}` column; the header must name {}",
                        c.name,
                        wanted()
                    ),
                ));
            }
            index.push(found);
        }
        let mut series = Self {
            file: file.to_owned(),
            times: Vec::new(),
            values: vec![Vec::new(); columns.len()],
        };
        for (n, line) in lines {
            if series.times.len() >= MAX_SERIES_ROWS {
                return Err(at(
                    n + 1,
                    1,
                    format!(
                        "the file has more than {MAX_SERIES_ROWS} rows; use a coarser time step"
                    ),
                ));
            }
            let cells: Vec<&str> = line.split(',').collect();
            let column_of = |field: usize| {
                cells[..field.min(cells.len())]
                    .iter()
                    .map(|c| c.chars().count() + 1)
                    .sum::<usize>()
                    + 1
            };
            let cell = |field: usize| {
                cells.get(field).map(|c| c.trim()).ok_or_else(|| {
                    at(
                        n + 1,
                        line.chars().count() + 1,
                        format!(
                            "this row has {} cells but the header has {}; fill in every column",
                            cells.len(),
                            names.len()
                        ),
                    )
                })
            };
            let time_text = cell(time_index)?;
            let time = super::parse_date_time(time_text)
                .map_err(|m| at(n + 1, column_of(time_index), m))?;
            if series.times.last().is_some_and(|last| *last >= time) {
                return Err(at(
                    n + 1,
                    column_of(time_index),
                    format!(
                        "{time_text} is not after the row before it; rows must be in increasing time"
                    ),
                ));
            }
            for (k, c) in columns.iter().enumerate() {
                let Some(field) = index[k] else {
                    series.values[k].push(f64::NAN);
                    continue;
                };
                let text = cell(field)?;
                let v: f64 = text.parse().map_err(|_| {
                    at(
                        n + 1,
                        column_of(field),
                        format!("`{text}` in column {} is not a number", c.name),
                    )
                })?;
                series.values[k].push(
                    in_range(v, c.min, c.max, c.name)
                        .map_err(|m| at(n + 1, column_of(field), m))?,
                );
            }
            series.times.push(time);
        }
        if series.times.len() < 2 {
            return Err(ScenarioError::file(
                file,
                "the file needs at least two rows of data",
            ));
        }
        Ok(series)
    }
}

/// Most rows a series file may have.
pub const MAX_SERIES_ROWS: usize = 2_000_000;

const WEATHER_COLUMNS: [Column; 3] = [
    Column {
        name: "ghi_w_m2",
        min: 0.0,
        max: 1500.0,
        required: true,
    },
    Column {
        name: "wind_m_s",
        min: 0.0,
        max: 60.0,
        required: true,
    },
    Column {
        name: "air_temperature_c",
        min: -60.0,
        max: 60.0,
        required: true,
    },
];

/// A parsed weather series.
#[derive(Debug, Clone, PartialEq)]
pub struct WeatherSeries {
    /// File it came from, for messages.
    pub file: String,
    series: TimeSeries,
}

/// Weather at one instant from a series.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SeriesSample {
    /// Global horizontal irradiance, W/m2.
    pub ghi_w_m2: f64,
    /// Wind at the reference height, m/s.
    pub wind_m_s: f64,
    /// Air temperature, C.
    pub air_c: f64,
}

impl WeatherSeries {
    /// First and last time covered.
    pub fn span(&self) -> (NaiveDateTime, NaiveDateTime) {
        self.series.span()
    }

    /// The weather at `t`, or `None` outside the series.
    pub fn at(&self, t: NaiveDateTime) -> Option<SeriesSample> {
        Some(SeriesSample {
            ghi_w_m2: self.series.interpolate(0, t)?,
            wind_m_s: self.series.interpolate(1, t)?,
            air_c: self.series.interpolate(2, t)?,
        })
    }

    /// Reads a weather file.
    pub fn load(path: &Path) -> Result<Self, ScenarioError> {
        let series = TimeSeries::load(path, &WEATHER_COLUMNS)?;
        Ok(Self {
            file: series.file.clone(),
            series,
        })
    }

    /// Parses weather text; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<Self, ScenarioError> {
        let series = TimeSeries::parse(text, file, &WEATHER_COLUMNS)?;
        Ok(Self {
            file: series.file.clone(),
            series,
        })
    }
}

/// Columns of a price file: `import_eur_per_kwh` and, optionally, `export_eur_per_kwh`.
pub const PRICE_COLUMNS: [Column; 2] = [
    Column {
        name: "import_eur_per_kwh",
        min: -1.0,
        max: 100.0,
        required: true,
    },
    Column {
        name: "export_eur_per_kwh",
        min: -1.0,
        max: 100.0,
        required: false,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "time,ghi_w_m2,wind_m_s,air_temperature_c\n2025-06-21 12:00,800,4,20\n2025-06-21 13:00,600,6,22\n";

    #[test]
    fn interpolates_between_rows_and_refuses_outside() {
        let s = WeatherSeries::parse(GOOD, "w.csv").expect("parses");
        let mid = s
            .at(super::super::parse_date_time("2025-06-21 12:30").expect("valid"))
            .expect("inside");
        assert_eq!(
            mid,
            SeriesSample {
                ghi_w_m2: 700.0,
                wind_m_s: 5.0,
                air_c: 21.0
            }
        );
        assert!(
            s.at(super::super::parse_date_time("2025-06-21 13:01").expect("valid"))
                .is_none()
        );
    }

    #[test]
    fn bad_cells_are_located() {
        let e = WeatherSeries::parse(&GOOD.replace("600", "lots"), "w.csv").expect_err("bad");
        assert_eq!(e.position, Some((3, 18)), "{e}");
        let e = WeatherSeries::parse(&GOOD.replace(",6,", ",NaN,"), "w.csv").expect_err("bad");
        assert!(e.to_string().contains("finite"), "{e}");
        let e = WeatherSeries::parse(&GOOD.replace("13:00", "11:00"), "w.csv").expect_err("bad");
        assert!(
            e.to_string().starts_with("w.csv:3:1:") && e.to_string().contains("increasing"),
            "{e}"
        );
        let e = WeatherSeries::parse(&GOOD.replace("wind_m_s", "wind"), "w.csv").expect_err("bad");
        assert!(
            e.to_string().starts_with("w.csv:1:1:") && e.to_string().contains("wind_m_s"),
            "{e}"
        );
        let e = WeatherSeries::parse(
            "time,ghi_w_m2,wind_m_s,air_temperature_c\n2025-06-21 12:00,800\n",
            "w.csv",
        )
        .expect_err("bad");
        assert!(e.to_string().contains("fill in every column"), "{e}");
    }
}
