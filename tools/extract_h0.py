"""Extracts the BDEW H0 standard load profile from demandlib into assets/profiles/bdew_h0.csv.

The BDEW profile has a 15-minute shape per season (winter, transition,
summer) and day type (workday, saturday, sunday), normalised to an annual
energy of 1000 kWh. Values are mean power in W over each quarter hour.

Usage: pip install demandlib==0.2.2 && python3 tools/extract_h0.py
"""
import pathlib
import sys

import pandas as pd
import demandlib.bdew

src = pathlib.Path(demandlib.bdew.__file__).parent / "bdew_data" / "selp_series.csv"
frame = pd.read_csv(src, index_col=0)
rows = []
for season in ["winter", "transition", "summer"]:
    for day_type, weekday in [("workday", 1), ("saturday", 6), ("sunday", 7)]:
        sel = frame[(frame.period == season) & (frame.weekday == weekday)]["h0"].to_numpy()
        if len(sel) != 96:
            sys.exit(f"{season}/{day_type}: expected 96 quarter hours, found {len(sel)}")
        # Workdays share one shape in the BDEW tables; check instead of assuming.
        if weekday == 1:
            for other in range(2, 6):
                o = frame[(frame.period == season) & (frame.weekday == other)]["h0"].to_numpy()
                assert (abs(o - sel) < 1e-9).all(), f"{season}: weekday {other} differs"
        rows.append((season, day_type, sel))
out = pathlib.Path(__file__).resolve().parent.parent / "assets" / "profiles" / "bdew_h0.csv"
with out.open("w") as f:
    f.write("# BDEW H0 standard load profile, W per 1000 kWh/a, 96 quarter hours from 00:00.\n")
    f.write("# Source: demandlib 0.2.2 bdew_data/selp_series.csv (column h0). Made by tools/extract_h0.py.\n")
    for season, day_type, values in rows:
        f.write(season + "," + day_type + "," + ",".join(f"{v * 1000:.2f}" for v in values) + "\n")
print(f"wrote {out}")
