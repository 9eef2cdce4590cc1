"""Labs for the ride / delivery ETA prediction case.

Every lab draws its own synthetic trips with numpy. A city has eight areas, each with
its own free-flow speed and congestion level. For every trip the routing engine gives
a physics estimate (route distance / free-flow speed); the true duration is that
estimate times a congestion multiplier (area, rush hour, rain) times multiplicative
noise, plus pickup/parking overhead. Rush hour and rain make trips slower *and* less
predictable: the noise is 10% in calm traffic, 22% at peak and 38% in rain.

Models are small xgboost regressors (one thread, hist); the quantile model uses
xgboost's reg:quantileerror objective.
"""

from __future__ import annotations

from mlsd.labs.base import LabOutput, PlotSpec, Series
from mlsd.labs.models import xgb_params
from mlsd.labs.registry import lab

CASE = "eta"
SEGMENTS = ("calm", "peak", "rain")
NOISE = (0.10, 0.22, 0.38)  # multiplicative noise (log-sd) per segment
FEATURES = ("route_km", "routing_eta_min", "hour", "peak", "rain", "area")


def _city(rng):
    """Per-area free-flow speed (km/h) and congestion multiplier."""
    return {"speed": rng.uniform(26.0, 42.0, 8), "congestion": rng.uniform(0.95, 1.35, 8)}


def _trips(rng, city, n: int, *, km_median: float = 5.0, km_sigma: float = 0.7,
           min_km: float = 0.5, max_km: float = 40.0, overhead_scale: float = 1.0):
    """Synthetic trips: features X (columns FEATURES), duration (min), segment (0 calm, 1 peak, 2 rain)."""
    import numpy as np

    area = rng.integers(0, 8, n)
    hour = rng.integers(0, 24, n)
    peak = np.isin(hour, (7, 8, 9, 16, 17, 18)).astype(float)
    rain = (rng.random(n) < 0.2).astype(float)
    segment = np.where(rain > 0, 2, np.where(peak > 0, 1, 0))
    # log-normal distance truncated to [min_km, max_km] by redrawing
    km = np.exp(rng.normal(np.log(km_median), km_sigma, n))
    bad = (km < min_km) | (km > max_km)
    while bad.any():
        km[bad] = np.exp(rng.normal(np.log(km_median), km_sigma, int(bad.sum())))
        bad = (km < min_km) | (km > max_km)
    routing = km / city["speed"][area] * 60.0
    multiplier = city["congestion"][area] * (1.0 + 0.35 * peak + 0.25 * rain)
    sigma = np.asarray(NOISE)[segment]
    noise = np.exp(sigma * rng.standard_normal(n) - sigma**2 / 2)  # mean 1
    overhead = 1.0 + rng.exponential(overhead_scale, n)
    duration = routing * multiplier * noise + overhead
    X = np.column_stack([km, routing, hour, peak, rain, area]).astype(float)
    return X, duration, segment


def _xgb_reg(seed: int, **params):
    """A small, deterministic xgboost regressor (one thread, hist)."""
    from xgboost import XGBRegressor

    return XGBRegressor(**xgb_params(seed, **{"n_estimators": 100, "max_depth": 4, **params}))


# --------------------------------------------------------------------------- framing


@lab(
    id="eta-residual",
    case=CASE,
    step="framing",
    title="Predict a correction to the routing engine, not the raw duration",
    summary="Trees cannot extrapolate: a model of raw duration flat-lines on trips longer than any it saw, "
            "while a model of the correction factor on top of the routing estimate scales with distance.",
)
def residual(seed: int) -> LabOutput:
    """Framing the target: raw duration vs a multiplicative correction to the routing ETA.

    Both xgboost models see the same features (route km, routing-engine ETA, hour,
    peak, rain, area) and train on city trips up to 15 km. One predicts the duration in
    minutes; the other predicts duration / routing ETA and multiplies back. They are
    tested on trips of the training range and on longer trips (15-40 km, e.g. a new
    airport route). A tree's prediction is a sum of leaf values learned from training
    targets, so the raw model can never predict more than the longest trips it saw; the
    correction factor (about 1-2) stays in range and the routing estimate carries the
    scale. In range the two are about equal: the gain is robustness, not accuracy.
    Uber's DeepETA (Uber engineering blog, 2022) is framed the same way: it learns a
    residual on top of the routing engine's ETA. An additive residual (duration - routing
    ETA) also extrapolates far better than the raw duration here; the multiplicative
    factor does slightly better because congestion scales with trip length.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    city = _city(rng)
    X, y, _ = _trips(rng, city, 20000, max_km=15.0)
    Xin, yin, _ = _trips(rng, city, 15000, max_km=15.0)
    Xout, yout, _ = _trips(rng, city, 5000, min_km=15.0, max_km=40.0)
    Xt, yt = np.vstack([Xin, Xout]), np.concatenate([yin, yout])
    routing_train, routing_test = X[:, 1], Xt[:, 1]

    raw = _xgb_reg(seed).fit(X, y).predict(Xt)
    correction = _xgb_reg(seed).fit(X, y / routing_train).predict(Xt) * routing_test
    preds = {"routing": routing_test, "raw": raw, "correction": correction}

    km = Xt[:, 0]
    buckets = [("0-5 km", 0, 5), ("5-10 km", 5, 10), ("10-15 km", 10, 15), ("15-25 km", 15, 25), ("25-40 km", 25, 40)]
    table = []
    for name, lo, hi in buckets:
        b = (km >= lo) & (km < hi)
        row: dict[str, float | str] = {"trip length": name, "trips": int(b.sum()),
                                       "mean duration (min)": round(float(yt[b].mean()), 1)}
        for key, label in (("routing", "routing engine MAE"), ("raw", "raw-duration model MAE"),
                           ("correction", "correction model MAE")):
            row[label] = round(float(np.abs(preds[key] - yt)[b].mean()), 2)
        table.append(row)

    inside, beyond = km < 15, km >= 15
    metrics: dict[str, float] = {"max_train_duration": float(y.max()), "max_raw_prediction": float(raw.max())}
    for key, p in preds.items():
        err = np.abs(p - yt)
        metrics[f"mae_{key}_in_range"] = float(err[inside].mean())
        metrics[f"mae_{key}_beyond"] = float(err[beyond].mean())
        metrics[f"mae_{key}_25_40km"] = float(err[km >= 25].mean())

    m = metrics
    takeaway = (
        f"On trips like the training ones both models are about equal (MAE {m['mae_raw_in_range']:.2f} vs "
        f"{m['mae_correction_in_range']:.2f} min); on 15-40 km trips the raw-duration model never predicts more than "
        f"{m['max_raw_prediction']:.0f} min and its MAE jumps to {m['mae_raw_beyond']:.1f} min "
        f"({m['mae_raw_25_40km']:.0f} min on 25-40 km), while the correction model stays at "
        f"{m['mae_correction_beyond']:.1f} min (routing engine alone {m['mae_routing_beyond']:.1f})."
    )
    names = [r["trip length"] for r in table]
    plot = PlotSpec(
        kind="line", title="MAE by trip length (trained on trips up to 15 km)",
        x_label="trip length", y_label="MAE (minutes)",
        series=[
            Series("routing engine", names, [float(r["routing engine MAE"]) for r in table]),
            Series("raw-duration model", names, [float(r["raw-duration model MAE"]) for r in table]),
            Series("correction model", names, [float(r["correction model MAE"]) for r in table]),
        ],
    )
    return LabOutput(metrics=metrics, table=table, takeaway=takeaway, plot=plot)


# --------------------------------------------------------------------------- data


@lab(
    id="eta-leaky-feature",
    case=CASE,
    step="data",
    title="A post-hoc feature that leaks: the distance actually driven",
    summary="The trips table's distance column is overwritten with the GPS distance when the trip ends; a model "
            "trained on it looks better offline and is worse than the clean model at request time.",
)
def leaky_feature(seed: int) -> LabOutput:
    """Training-serving skew from a column that is updated after the fact.

    At dispatch the trips table stores the planned route distance; when the trip ends
    the same column is overwritten with the distance actually driven (from GPS). Drivers
    detour around jams, so the driven distance encodes the congestion the trip met: it
    is information from the future. A model trained on the logged (overwritten) column
    is evaluated offline on rows logged the same way, and online, at request time, where
    only the planned distance exists. The clean model uses the planned distance and the
    live traffic index, which is all a request has. The fix is point-in-time features:
    log what serving saw, or rebuild each row as of its request time.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    city = _city(rng)
    n = 40000
    X, _, _ = _trips(rng, city, n)
    km, hour, peak, rain, area = X[:, 0], X[:, 2], X[:, 3], X[:, 4], X[:, 5].astype(int)
    # congestion the trip will meet (latent) and what the live traffic feed shows at request time
    jam = np.clip(0.15 + 0.35 * peak + 0.2 * rain + 0.25 * (city["congestion"][area] - 1.15)
                  + 0.3 * rng.standard_normal(n), 0.0, 1.2)
    traffic_index = jam + 0.3 * rng.standard_normal(n)
    detour = 0.02 + 0.5 * jam * rng.uniform(0.7, 1.3, n)
    driven_km = km * (1.0 + detour)
    speed = city["speed"][area] * (1.0 - 0.45 * jam)
    duration = driven_km / speed * 60.0 * np.exp(0.08 * rng.standard_normal(n)) + 1.0 + rng.exponential(1.0, n)

    routing = X[:, 1]
    clean = np.column_stack([km, routing, hour, peak, rain, area, traffic_index])
    logged = np.column_stack([driven_km, routing, hour, peak, rain, area, traffic_index])  # distance overwritten
    served = clean  # at request time the distance column still holds the planned distance
    train, test = np.arange(n) < 30000, np.arange(n) >= 30000

    clean_model = _xgb_reg(seed).fit(clean[train], duration[train])
    leaky_model = _xgb_reg(seed).fit(logged[train], duration[train])
    yt = duration[test]
    preds = {
        "clean": clean_model.predict(clean[test]),
        "leaky_offline": leaky_model.predict(logged[test]),
        "leaky_online": leaky_model.predict(served[test]),
    }
    metrics: dict[str, float] = {}
    for key, p in preds.items():
        metrics[f"mae_{key}"] = float(np.abs(p - yt).mean())
        metrics[f"bias_{key}"] = float((p - yt).mean())
        metrics[f"late_5min_{key}"] = float((yt > p + 5).mean())
    jammed = jam[test] > 0.5
    metrics["mae_clean_jammed"] = float(np.abs(preds["clean"] - yt)[jammed].mean())
    metrics["mae_leaky_online_jammed"] = float(np.abs(preds["leaky_online"] - yt)[jammed].mean())

    rows = [
        ("clean (planned km + live traffic)", "clean", "offline = online"),
        ("leaky, offline (logged driven km)", "leaky_offline", "what the notebook shows"),
        ("leaky, online (planned km at request)", "leaky_online", "what riders get"),
    ]
    table = [{
        "model / evaluation": name,
        "MAE (min)": round(metrics[f"mae_{key}"], 2),
        "mean error (min)": round(metrics[f"bias_{key}"], 2),
        "late by > 5 min": round(metrics[f"late_5min_{key}"], 3),
        "note": note,
    } for name, key, note in rows]

    m = metrics
    takeaway = (
        f"Offline the leaky model looks {1 - m['mae_leaky_offline'] / m['mae_clean']:.0%} better than the clean one "
        f"(MAE {m['mae_leaky_offline']:.2f} vs {m['mae_clean']:.2f} min), but at request time, with only the planned "
        f"distance, its MAE is {m['mae_leaky_online']:.2f} min, it under-predicts by {-m['bias_leaky_online']:.1f} min "
        f"on average and {m['late_5min_leaky_online']:.0%} of trips arrive over 5 min late "
        f"(clean: {m['late_5min_clean']:.0%})."
    )
    plot = PlotSpec(
        kind="bar", title="The leak: offline vs what serving sees", x_label="model / evaluation",
        y_label="MAE (minutes)",
        series=[Series("MAE", ["clean", "leaky offline", "leaky online"],
                       [m["mae_clean"], m["mae_leaky_offline"], m["mae_leaky_online"]])],
    )
    return LabOutput(metrics=metrics, table=table, takeaway=takeaway, plot=plot)


# --------------------------------------------------------------------------- model


@lab(
    id="eta-quantile",
    case=CASE,
    step="model",
    title="A P90 quantile model vs a mean model plus a fixed buffer",
    summary="With the same average promised time, a quantile (P90) model is on time about 90% of the time in "
            "calm, peak and rain alike; a mean model plus one global buffer over-pads calm trips and is late in rain.",
)
def quantile(seed: int) -> LabOutput:
    """Promise a P90, not a mean plus a constant.

    Two ways to promise an arrival time that is usually kept:
    - a quantile model: xgboost with the pinball loss (objective reg:quantileerror,
      quantile_alpha=0.9), i.e. a direct P90 per trip;
    - a mean model (squared error) plus one global buffer in minutes, tuned on a
      calibration split so that its average promise equals the quantile model's.
    Same average promise, so neither is "more cautious" overall; the difference is
    where the slack goes. Noise grows from calm to peak to rain (10%, 22%, 38%), and a
    constant buffer cannot follow it; the quantile model learns it per segment (and per
    trip length). Koenker & Bassett, "Regression Quantiles" (Econometrica 1978).
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    city = _city(rng)
    X, y, _ = _trips(rng, city, 30000)
    Xc, yc, _ = _trips(rng, city, 10000)
    Xt, yt, seg = _trips(rng, city, 20000)

    params = dict(n_estimators=80, max_depth=4, learning_rate=0.2)
    mean_model = _xgb_reg(seed, **params).fit(X, y)
    p90_model = _xgb_reg(seed, objective="reg:quantileerror", quantile_alpha=0.9, **params).fit(X, y)
    buffer = float(p90_model.predict(Xc).mean() - mean_model.predict(Xc).mean())
    q = p90_model.predict(Xt)
    b = mean_model.predict(Xt) + buffer

    metrics: dict[str, float] = {"buffer_min": buffer}
    table = []
    for name, mask in [*((s, seg == i) for i, s in enumerate(SEGMENTS)), ("all", np.ones(yt.size, dtype=bool))]:
        row = {
            "on_time_quantile": float((yt[mask] <= q[mask]).mean()),
            "on_time_buffer": float((yt[mask] <= b[mask]).mean()),
            "promise_quantile": float(q[mask].mean()),
            "promise_buffer": float(b[mask].mean()),
        }
        for metric, value in row.items():
            metrics[f"{metric}_{name}"] = value
        table.append({
            "segment": name,
            "trips": int(mask.sum()),
            "P90 model on time": round(row["on_time_quantile"], 3),
            "mean + buffer on time": round(row["on_time_buffer"], 3),
            "P90 model avg promise (min)": round(row["promise_quantile"], 1),
            "mean + buffer avg promise (min)": round(row["promise_buffer"], 1),
        })
    on_q = [metrics[f"on_time_quantile_{s}"] for s in SEGMENTS]
    on_b = [metrics[f"on_time_buffer_{s}"] for s in SEGMENTS]
    metrics["on_time_spread_quantile"] = max(on_q) - min(on_q)
    metrics["on_time_spread_buffer"] = max(on_b) - min(on_b)

    m = metrics
    takeaway = (
        f"Both promise {m['promise_quantile_all']:.1f} vs {m['promise_buffer_all']:.1f} min on average, but the P90 "
        f"model is on time {m['on_time_quantile_calm']:.0%} / {m['on_time_quantile_peak']:.0%} / "
        f"{m['on_time_quantile_rain']:.0%} in calm / peak / rain while the mean + {buffer:.1f} min buffer is "
        f"{m['on_time_buffer_calm']:.0%} / {m['on_time_buffer_peak']:.0%} / {m['on_time_buffer_rain']:.0%}: "
        f"it pads calm trips and breaks its promise in rain."
    )
    plot = PlotSpec(
        kind="bar", title="Share of trips arriving within the promise (target 0.9)",
        x_label="segment", y_label="on-time rate",
        series=[
            Series("P90 quantile model", list(SEGMENTS), on_q),
            Series(f"mean + {buffer:.1f} min", list(SEGMENTS), on_b),
        ],
    )
    return LabOutput(metrics=metrics, table=table, takeaway=takeaway, plot=plot)


# --------------------------------------------------------------------------- evaluation


@lab(
    id="eta-mape",
    case=CASE,
    step="evaluation",
    title="MAPE over-weights short trips and rewards predicting low",
    summary="A 2-minute miss on a 5-minute trip is 40%: short trips weigh about twice as much in MAPE as in "
            "minutes of error, and a model trained for MAPE wins on it by predicting short, with more late arrivals.",
)
def mape(seed: int) -> LabOutput:
    """What MAPE measures on a trip mix with many short trips.

    Short trips are dominated by pickup/parking overhead that no feature predicts, so
    their percentage errors are large even when the minutes are small. Two xgboost
    models on the same data:
    - squared error (predicts the mean duration);
    - absolute error weighted by 1 / duration, which is exactly MAPE (its minimiser is
      a weighted median that sits below the median).
    They are compared on MAPE, MAE, WAPE (sum |error| / sum duration, i.e. minutes of
    error per minute travelled), mean error and the share of trips more than 2 minutes
    later than predicted. The table splits the squared-error model's errors by trip
    length. See Hyndman & Koehler, "Another look at measures of forecast accuracy"
    (IJF 2006) on MAPE's asymmetry and its blow-up near zero.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    city = _city(rng)
    shape = dict(km_median=2.5, km_sigma=1.0, max_km=30.0, overhead_scale=2.0)
    X, y, _ = _trips(rng, city, 30000, **shape)
    Xt, yt, _ = _trips(rng, city, 20000, **shape)
    params = dict(n_estimators=80, max_depth=4, learning_rate=0.2)
    preds = {
        "mse": _xgb_reg(seed, **params).fit(X, y).predict(Xt),
        "mape_trained": _xgb_reg(seed, objective="reg:absoluteerror", **params).fit(X, y, sample_weight=1.0 / y).predict(Xt),
    }
    metrics: dict[str, float] = {}
    for key, p in preds.items():
        err = p - yt
        metrics[f"mape_{key}"] = float(np.mean(np.abs(err) / yt))
        metrics[f"mae_{key}"] = float(np.mean(np.abs(err)))
        metrics[f"wape_{key}"] = float(np.abs(err).sum() / yt.sum())
        metrics[f"bias_{key}"] = float(err.mean())
        metrics[f"late_2min_{key}"] = float(np.mean(yt > p + 2.0))

    p = preds["mse"]
    ape, ae = np.abs(p - yt) / yt, np.abs(p - yt)
    table = []
    for name, lo, hi in [("under 8 min", 0, 8), ("8-15 min", 8, 15), ("15-30 min", 15, 30), ("over 30 min", 30, np.inf)]:
        b = (yt >= lo) & (yt < hi)
        table.append({
            "trip duration": name,
            "share of trips": round(float(b.mean()), 3),
            "share of MAPE": round(float(ape[b].sum() / ape.sum()), 3),
            "share of minutes of error": round(float(ae[b].sum() / ae.sum()), 3),
            "MAPE": round(float(ape[b].mean()), 3),
            "MAE (min)": round(float(ae[b].mean()), 2),
        })
    short = yt < 8
    metrics["short_share_of_trips"] = float(short.mean())
    metrics["short_share_of_mape"] = float(ape[short].sum() / ape.sum())
    metrics["short_share_of_abs_error"] = float(ae[short].sum() / ae.sum())
    metrics["mape_short_mse"] = float(ape[short].mean())
    metrics["mape_long_mse"] = float(ape[yt >= 30].mean())

    m = metrics
    takeaway = (
        f"Trips under 8 minutes are {m['short_share_of_trips']:.0%} of trips but {m['short_share_of_mape']:.0%} of "
        f"MAPE and only {m['short_share_of_abs_error']:.0%} of the minutes of error; the model trained for MAPE cuts "
        f"MAPE from {m['mape_mse']:.1%} to {m['mape_mape_trained']:.1%} by predicting "
        f"{-m['bias_mape_trained']:.1f} min short on average, so trips more than 2 min late rise from "
        f"{m['late_2min_mse']:.0%} to {m['late_2min_mape_trained']:.0%} and WAPE worsens from "
        f"{m['wape_mse']:.1%} to {m['wape_mape_trained']:.1%}."
    )
    names = [r["trip duration"] for r in table]
    plot = PlotSpec(
        kind="bar", title="Where MAPE comes from (squared-error model)", x_label="trip duration", y_label="share",
        series=[
            Series("share of trips", names, [float(r["share of trips"]) for r in table]),
            Series("share of MAPE", names, [float(r["share of MAPE"]) for r in table]),
            Series("share of minutes of error", names, [float(r["share of minutes of error"]) for r in table]),
        ],
    )
    return LabOutput(metrics=metrics, table=table, takeaway=takeaway, plot=plot)
