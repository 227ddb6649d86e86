"""Writes scenes/weather/greensboro-june.csv from the TMY3 file pvlib ships
(NREL, Greensboro NC, station 723170; public domain): one June fortnight of
hourly GHI, 10 m wind speed and air temperature, re-dated to 2025 in local
standard time (UTC-5), for scenes/greensboro-tmy.scenario.ron.

TMY3 stamps each hour at its end; the series is shifted to the middle of
the hour so that interpolation centres each hourly mean.

Usage: pip install pvlib==0.16.1 && python3 tools/make_weather_series.py
"""
import pathlib

import pandas as pd
import pvlib

src = pathlib.Path(pvlib.__file__).parent / "data" / "723170TYA.CSV"
data, meta = pvlib.iotools.read_tmy3(src, map_variables=True)
assert meta["TZ"] == -5.0, meta["TZ"]
june = data[(data.index.month == 6) & (data.index.day <= 14)]
out = pathlib.Path(__file__).resolve().parent.parent / "scenes" / "weather" / "greensboro-june.csv"
with out.open("w") as f:
    f.write("# Greensboro NC, TMY3 station 723170 (NREL, public domain), 1-14 June, re-dated to 2025.\n")
    f.write("# Local standard time (UTC-5); hourly means at mid-hour. Made by tools/make_weather_series.py.\n")
    f.write("time,ghi_w_m2,wind_m_s,air_temperature_c\n")
    for t, row in june.iterrows():
        mid = pd.Timestamp(2025, t.month, t.day, t.hour, t.minute) - pd.Timedelta(minutes=30)
        f.write(f"{mid:%Y-%m-%d %H:%M},{row.ghi:.0f},{row.wind_speed:.1f},{row.temp_air:.1f}\n")
print(f"wrote {out}: {len(june)} hours")
