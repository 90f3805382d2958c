"""MASE of Nixtla's statsforecast models on Stockroom's generated series.

A reference for BENCHMARKS.md ("Accuracy against statsforecast"), not part
of the build or of CI. Reads the `class,sku,day,quantity` CSV written by

    FORECAST_SERIES_CSV=series.csv cargo test -p stockroom \
        --test suite -- --ignored --nocapture export_the_series

and scores each model the way the Rust test does: fit on the first 365
days, forecast the next 28, MAE over those 28 days divided by the in-sample
MAE of the one-step seasonal naive forecast (season 7); mean over series,
skipping series whose scale is zero.

    python3 -m venv /tmp/sf && /tmp/sf/bin/pip install statsforecast
    /tmp/sf/bin/python tools/forecast/reference/statsforecast_mase.py series.csv
"""

import sys
import time

import numpy as np
import pandas as pd
from statsforecast import StatsForecast
from statsforecast.models import (
    ADIDA,
    IMAPA,
    TSB,
    AutoETS,
    AutoTheta,
    CrostonSBA,
    HistoricAverage,
    SeasonalNaive,
)

HISTORY, HOLDOUT, SEASON = 365, 28, 7


def models_for(kind):
    common = [SeasonalNaive(season_length=SEASON), HistoricAverage()]
    smooth = [AutoETS(season_length=SEASON), AutoTheta(season_length=SEASON)]
    sparse = [CrostonSBA(), ADIDA(), IMAPA(), TSB(alpha_d=0.1, alpha_p=0.1)]
    return smooth + sparse + common if kind.startswith("smooth") else sparse + smooth + common


def main(path):
    data = pd.read_csv(path)
    start = pd.Timestamp("2024-01-01")
    for kind, group in data.groupby("class", sort=False):
        group = group.assign(
            unique_id=group["sku"].astype(str),
            ds=start + pd.to_timedelta(group["day"], unit="D"),
            y=group["quantity"].astype(float),
        )
        train = group[group["day"] < HISTORY][["unique_id", "ds", "y"]]
        test = group[group["day"] >= HISTORY][["unique_id", "ds", "y"]]
        began = time.time()
        sf = StatsForecast(models=models_for(kind), freq="D", n_jobs=1)
        forecast = sf.forecast(df=train, h=HOLDOUT).reset_index()
        merged = test.merge(forecast, on=["unique_id", "ds"])
        scale = (
            train.groupby("unique_id")["y"]
            .apply(lambda y: np.mean(np.abs(y.values[SEASON:] - y.values[:-SEASON])))
            .rename("scale")
        )
        names = [c for c in forecast.columns if c not in ("unique_id", "ds", "index")]
        scores = {}
        for name in names:
            mae = (merged[name] - merged["y"]).abs().groupby(merged["unique_id"]).mean()
            ratio = (mae / scale).replace([np.inf], np.nan).dropna()
            scores[name] = ratio.mean()
        line = ", ".join(f"{k} {v:.3f}" for k, v in sorted(scores.items(), key=lambda kv: kv[1]))
        series = train["unique_id"].nunique()
        print(f"{kind} ({series} series, {time.time() - began:.0f} s): {line}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
