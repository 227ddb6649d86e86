//! A weather series a user supplies as CSV: irradiance, wind and temperature
//! over time, interpolated linearly between rows.
//!
//! Columns (any order, more are ignored): `time` ("YYYY-MM-DD HH:MM", local
//! clock time), `ghi_w_m2`, `wind_m_s` (at the scenario's reference height)
//! and `air_temperature_c`. Times must increase. Errors name the file, line
//! and column.

use std::path::Path;

use chrono::NaiveDateTime;

use super::ScenarioError;
use super::checked::in_range;

/// Largest weather file accepted, bytes.
pub const MAX_SERIES_BYTES: u64 = 64 * 1024 * 1024;

/// A parsed weather series.
#[derive(Debug, Clone, PartialEq)]
pub struct WeatherSeries {
    /// File it came from, for messages.
    pub file: String,
    times: Vec<NaiveDateTime>,
    ghi_w_m2: Vec<f64>,
    wind_m_s: Vec<f64>,
    air_c: Vec<f64>,
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

const COLUMNS: [&str; 4] = ["time", "ghi_w_m2", "wind_m_s", "air_temperature_c"];

impl WeatherSeries {
    /// First and last time covered.
    pub fn span(&self) -> (NaiveDateTime, NaiveDateTime) {
        (self.times[0], self.times[self.times.len() - 1])
    }

    /// The weather at `t`, or `None` outside the series.
    pub fn at(&self, t: NaiveDateTime) -> Option<SeriesSample> {
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
        let lerp = |v: &[f64]| v[i - 1] + (v[i] - v[i - 1]) * w.clamp(0.0, 1.0);
        Some(SeriesSample {
            ghi_w_m2: lerp(&self.ghi_w_m2),
            wind_m_s: lerp(&self.wind_m_s),
            air_c: lerp(&self.air_c),
        })
    }

    /// Reads a series file.
    pub fn load(path: &Path) -> Result<Self, ScenarioError> {
        let file = path.display().to_string();
        let meta = std::fs::metadata(path).map_err(|_| {
            ScenarioError::file(&file, "this weather file does not exist; check `weather.series` (paths are relative to the scenario file)")
        })?;
        if meta.len() > MAX_SERIES_BYTES {
            return Err(ScenarioError::file(
                &file,
                format!(
                    "the weather file is larger than {MAX_SERIES_BYTES} bytes; use a coarser time step"
                ),
            ));
        }
        let bytes = std::fs::read(path).map_err(|e| {
            ScenarioError::file(&file, format!("cannot read this weather file ({e})"))
        })?;
        let text = String::from_utf8(bytes).map_err(|_| {
            ScenarioError::file(
                &file,
                "the weather file is not UTF-8 text; save it as CSV (UTF-8)",
            )
        })?;
        Self::parse(&text, &file)
    }

    /// Parses series text; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<Self, ScenarioError> {
        let at = |line: usize, col: usize, message: String| ScenarioError {
            file: file.to_owned(),
            position: Some((line, col)),
            message,
        };
        let mut lines = text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'));
        let Some((header_line, header)) = lines.next() else {
            return Err(ScenarioError::file(
                file,
                format!(
                    "the weather file is empty; it needs a header `{}` and rows",
                    COLUMNS.join(",")
                ),
            ));
        };
        let names: Vec<&str> = header.split(',').map(str::trim).collect();
        let mut index = [0usize; 4];
        for (k, column) in COLUMNS.iter().enumerate() {
            index[k] = names.iter().position(|n| n == column).ok_or_else(|| {
                at(
                    header_line + 1,
                    1,
                    format!(
                        "the header has no `{column}` column; the header must name {}",
                        COLUMNS.join(", ")
                    ),
                )
            })?;
        }
        let mut series = Self {
            file: file.to_owned(),
            times: Vec::new(),
            ghi_w_m2: Vec::new(),
            wind_m_s: Vec::new(),
            air_c: Vec::new(),
        };
        for (n, line) in lines {
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
            let time_text = cell(index[0])?;
            let time =
                super::parse_date_time(time_text).map_err(|m| at(n + 1, column_of(index[0]), m))?;
            if series.times.last().is_some_and(|last| *last >= time) {
                return Err(at(
                    n + 1,
                    column_of(index[0]),
                    format!(
                        "{time_text} is not after the row before it; rows must be in increasing time"
                    ),
                ));
            }
            let value = |k: usize, min: f64, max: f64| -> Result<f64, ScenarioError> {
                let text = cell(index[k])?;
                let v: f64 = text.parse().map_err(|_| {
                    at(
                        n + 1,
                        column_of(index[k]),
                        format!("`{text}` in column {} is not a number", COLUMNS[k]),
                    )
                })?;
                in_range(v, min, max, COLUMNS[k]).map_err(|m| at(n + 1, column_of(index[k]), m))
            };
            let ghi = value(1, 0.0, 1500.0)?;
            let wind = value(2, 0.0, 60.0)?;
            let air = value(3, -60.0, 60.0)?;
            series.times.push(time);
            series.ghi_w_m2.push(ghi);
            series.wind_m_s.push(wind);
            series.air_c.push(air);
        }
        if series.times.len() < 2 {
            return Err(ScenarioError::file(
                file,
                "the weather file needs at least two rows of data",
            ));
        }
        Ok(series)
    }
}

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
