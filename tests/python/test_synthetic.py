"""Tests of the synthetic order-line generator: format, determinism, quirk rates and the
structure downstream models are meant to find."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from python_ml import synthetic
from python_ml.synthetic import GeneratorConfig, generate_days, product_catalogue, write_order_lines

CONFIG = GeneratorConfig(n_lines=20_000, seed=7)
SHORT = GeneratorConfig(n_lines=3_000, n_days=60, seed=11)
NON_PRODUCT_CODES = {row[0] for row in synthetic.NON_PRODUCT_CODES}


def file_hashes(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def read_raw(folder: Path) -> pd.DataFrame:
    """All daily files as text, exactly as written (empty fields stay empty strings)."""
    frames = [
        pd.read_csv(p, dtype=str, keep_default_na=False).assign(file=p.name)
        for p in sorted(folder.glob("*.csv"))
    ]
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> tuple[Path, synthetic.WriteSummary]:
    out = tmp_path_factory.mktemp("order_lines")
    return out, write_order_lines(CONFIG, out)


@pytest.fixture(scope="module")
def lines(written) -> pd.DataFrame:
    raw = read_raw(written[0])
    raw["Quantity"] = raw["Quantity"].astype(int)
    raw["UnitPrice"] = raw["UnitPrice"].astype(float)
    raw["InvoiceDate"] = pd.to_datetime(raw["InvoiceDate"], format="%Y-%m-%d %H:%M:%S")
    return raw


def is_product(codes: pd.Series) -> pd.Series:
    return codes.str.fullmatch(r"\d{5}[A-Z]?")


# --- format -----------------------------------------------------------------------------


def test_files_are_the_trading_days_with_the_exact_header(written):
    out, summary = written
    names = sorted(p.name for p in out.iterdir())
    days = [CONFIG.start_date + timedelta(d) for d in range(CONFIG.n_days)]
    assert names == [f"{d.isoformat()}.csv" for d in days if d.weekday() != 5]
    assert summary.files == len(names)
    for path in out.iterdir():
        content = path.read_bytes()
        assert content.startswith(synthetic.HEADER.encode())
        assert synthetic.HEADER == (
            "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"
        )
        assert b"\r" not in content and content.endswith(b"\n")


def test_total_lines_near_the_target(written, lines):
    assert len(lines) == written[1].lines
    assert abs(len(lines) / CONFIG.n_lines - 1) < 0.10


def test_dates_fall_on_their_file_day_within_trading_hours(lines):
    stamps = lines["InvoiceDate"]
    assert (stamps.dt.strftime("%Y-%m-%d") + ".csv").eq(lines["file"]).all()
    assert stamps.min() >= pd.Timestamp(CONFIG.start_date)
    assert stamps.max() < pd.Timestamp(CONFIG.start_date + timedelta(CONFIG.n_days))
    assert (stamps.dt.day_of_week != 5).all()
    assert (stamps.dt.second == 0).all()
    minutes = stamps.dt.hour * 60 + stamps.dt.minute
    assert minutes.between(synthetic.OPENING_MINUTE, synthetic.CLOSING_MINUTE).all()


def test_field_formats(written):
    raw = read_raw(written[0])
    assert raw["InvoiceNo"].str.fullmatch(r"[CA]?\d{6}").all()
    assert raw["CustomerID"].str.fullmatch(r"(\d+\.0)?").all()
    assert raw["UnitPrice"].str.fullmatch(r"-?\d+\.\d{1,3}").all()  # plain, at most 3 decimals
    assert raw["Quantity"].str.fullmatch(r"-?\d+").all()
    codes = raw["StockCode"]
    allowed = is_product(codes) | codes.isin(NON_PRODUCT_CODES | {"B"})
    assert allowed.all(), codes[~allowed].unique()
    products = raw[is_product(codes) & raw["Description"].ne("")]
    assert products["Description"].str.fullmatch(r"[A-Z0-9 ,/'&.-]+").all()
    assert products["Description"].str.contains(",").any()  # quoted fields occur and parse


def test_invoices_are_numbered_in_time_order_and_share_their_timestamp(lines):
    number = lines["InvoiceNo"].str.lstrip("CA").astype(int)
    assert number.min() == synthetic.FIRST_INVOICE_NO
    assert number.is_monotonic_increasing
    per_invoice = lines.groupby("InvoiceNo").agg(
        stamps=("InvoiceDate", "nunique"),
        customers=("CustomerID", "nunique"),
        countries=("Country", "nunique"),
    )
    assert (per_invoice == 1).all().all()
    first_stamp = lines.groupby(number)["InvoiceDate"].first()
    assert first_stamp.is_monotonic_increasing


def test_a_customer_keeps_one_country(lines):
    registered = lines[lines["CustomerID"] != ""]
    assert (registered.groupby("CustomerID")["Country"].nunique() == 1).all()
    assert 0.8 < (lines["Country"] == "United Kingdom").mean() < 0.95


def test_generate_days_matches_the_files(tmp_path):
    write_order_lines(SHORT, tmp_path)
    frames = list(generate_days(SHORT))
    paths = sorted(tmp_path.glob("*.csv"))
    assert [f"{day.isoformat()}.csv" for day, _ in frames] == [p.name for p in paths]
    generated = pd.concat([frame for _, frame in frames], ignore_index=True)
    from_files = pd.concat(
        [pd.read_csv(p, dtype={"InvoiceNo": str, "StockCode": str, "Description": str},
                     parse_dates=["InvoiceDate"]) for p in paths],
        ignore_index=True,
    )
    assert list(generated.columns) == list(synthetic.COLUMNS)
    assert generated["Description"].isna().any() and generated["CustomerID"].isna().any()
    pd.testing.assert_frame_equal(
        generated.astype(object), from_files.astype(object), check_dtype=False
    )


# --- determinism and files ----------------------------------------------------------------


def test_same_config_gives_the_same_bytes_and_another_seed_does_not(tmp_path):
    write_order_lines(SHORT, tmp_path / "a")
    write_order_lines(SHORT, tmp_path / "b")
    write_order_lines(GeneratorConfig(n_lines=3_000, n_days=60, seed=12), tmp_path / "c")
    assert file_hashes(tmp_path / "a") == file_hashes(tmp_path / "b")
    assert file_hashes(tmp_path / "a") != file_hashes(tmp_path / "c")


def test_rewriting_removes_stale_days_and_leaves_no_temporary_files(tmp_path):
    (tmp_path / "1999-01-01.csv").write_text("old")
    (tmp_path / ".2023-01-02.csv.tmp").write_text("half")
    (tmp_path / ".complete").write_text("")
    write_order_lines(SHORT, tmp_path)
    names = {p.name for p in tmp_path.iterdir()}
    assert "1999-01-01.csv" not in names and ".complete" in names
    assert not any(name.endswith(".tmp") for name in names)


def test_command_line_prints_a_summary(tmp_path, capsys):
    assert synthetic.main(
        ["--out", str(tmp_path), "--lines", "2000", "--seed", "3", "--days", "30",
         "--start", "2024-03-04"]
    ) == 0
    printed = capsys.readouterr().out.strip()
    assert re.fullmatch(r"wrote \d+ files, \d+ lines, .* customers, \d+ products .*", printed)
    assert min(p.name for p in tmp_path.glob("*.csv")) == "2024-03-04.csv"


def test_configuration_scales_catalogue_and_themes():
    assert GeneratorConfig().product_count() == 1000
    assert GeneratorConfig(n_lines=100_000_000).product_count() == 4000
    assert 40 <= GeneratorConfig().theme_count() <= 80
    with pytest.raises(ValueError):
        GeneratorConfig(n_lines=0)


# --- quirk rates ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("measure", "rate"),
    [
        ("cancelled", synthetic.CANCELLED_LINE_SHARE),
        ("guest", synthetic.GUEST_LINE_SHARE),
        ("duplicate", synthetic.DUPLICATE_LINE_SHARE),
        ("non_product", synthetic.NON_PRODUCT_LINE_SHARE),
        ("zero_price", synthetic.ZERO_PRICE_LINE_SHARE),
        ("empty_description", synthetic.EMPTY_DESCRIPTION_LINE_SHARE),
    ],
)
def test_quirk_rates_match_the_documented_constants(lines, measure, rate):
    raw = lines.drop(columns="file")
    share = {
        "cancelled": lines["InvoiceNo"].str.startswith("C"),
        "guest": lines["CustomerID"] == "",
        "duplicate": raw.duplicated(),
        "non_product": lines["StockCode"].isin(NON_PRODUCT_CODES),
        "zero_price": (lines["UnitPrice"] == 0) & (lines["Quantity"] > 0),
        "empty_description": lines["Description"] == "",
    }[measure].mean()
    # Binomial noise on ~20k lines plus modelling slack.
    tolerance = max(0.35 * rate, 3 * np.sqrt(rate / len(lines)))
    assert abs(share - rate) < tolerance, (measure, share, rate)


def test_cancellations_reverse_an_earlier_sale_of_the_same_customer(lines):
    cancelled = lines[lines["InvoiceNo"].str.startswith("C")]
    assert len(cancelled) and (cancelled["Quantity"] < 0).all()
    assert (cancelled["CustomerID"] != "").all()
    sales = lines[~lines["InvoiceNo"].str.startswith(("C", "A")) & (lines["Quantity"] > 0)]
    matched = cancelled.reset_index().merge(
        sales, on=["CustomerID", "StockCode", "UnitPrice"], suffixes=("", "_sale")
    )
    matched = matched[
        (matched["InvoiceDate_sale"] <= matched["InvoiceDate"])
        & (matched["Quantity_sale"] >= -matched["Quantity"])
        & (matched["InvoiceNo_sale"].astype(int) < matched["InvoiceNo"].str[1:].astype(int))
    ]
    assert matched["index"].nunique() == len(cancelled)


def test_other_quirks_occur(lines):
    adjustments = lines[lines["InvoiceNo"].str.startswith("A")]
    expected = max(1, round(synthetic.BAD_DEBT_ADJUSTMENTS_PER_YEAR * CONFIG.n_days / 365))
    assert len(adjustments) == expected
    assert (adjustments["StockCode"] == "B").all()
    assert (adjustments["Description"] == "Adjust bad debt").all()
    assert (adjustments["Quantity"] == 1).all() and (adjustments["UnitPrice"] < 0).all()
    normal = ~lines["InvoiceNo"].str.startswith(("C", "A"))
    returns = normal & is_product(lines["StockCode"]) & (lines["Quantity"] < 0)
    assert 0 < returns.mean() < 0.005
    assert (lines.loc[normal & ~lines["StockCode"].isin(["AMAZONFEE", "CRUK", "D", "S"]),
                      "UnitPrice"] >= 0).all()


# --- structure to find ------------------------------------------------------------------


def test_products_of_a_theme_are_bought_together(lines):
    catalogue = product_catalogue(CONFIG)
    sales = lines[~lines["InvoiceNo"].str.startswith(("C", "A"))
                  & lines["StockCode"].isin(catalogue["StockCode"])]
    baskets = pd.crosstab(sales["InvoiceNo"], sales["StockCode"]).clip(upper=1)
    top = baskets.sum().sort_values(ascending=False).index[:40]
    x = baskets[top].to_numpy(dtype=float)
    support = x.mean(axis=0)
    lift = (x.T @ x / len(x)) / np.outer(support, support)
    theme = catalogue.set_index("StockCode").loc[top, "Theme"].to_numpy()
    same = theme[:, None] == theme[None, :]
    within = lift[same & ~np.eye(len(top), dtype=bool)]
    across = lift[~same]
    assert len(within) > 0
    assert np.median(within) > 2.5
    assert np.median(within) > 2 * np.median(across)


def test_popularity_is_concentrated(lines):
    counts = lines.loc[is_product(lines["StockCode"]), "StockCode"].value_counts()
    top_tenth = counts.iloc[: max(1, len(counts) // 10)].sum()
    assert top_tenth / counts.sum() > 0.40


def test_november_is_the_peak_and_saturday_is_closed(lines):
    # Product revenue: fees and write-offs are lumpy at this small scale.
    products = lines[is_product(lines["StockCode"])]
    revenue = (products["Quantity"] * products["UnitPrice"]).groupby(
        products["InvoiceDate"].dt.to_period("M")).sum()
    november = revenue[[p for p in revenue.index if p.month == 11]]
    assert len(november) == 2
    assert (november > 1.2 * revenue.mean()).all()
    january = revenue[[p for p in revenue.index if p.month == 1]]
    assert (january < revenue.mean()).all()
    by_weekday = lines.groupby(lines["InvoiceDate"].dt.day_of_week).size()
    assert 5 not in by_weekday.index
    assert by_weekday.idxmax() == 3  # Thursday


def test_customers_mix_repeat_buyers_and_one_timers(lines):
    registered = lines[(lines["CustomerID"] != "") & ~lines["InvoiceNo"].str.startswith("C")]
    invoices = registered.groupby("CustomerID")["InvoiceNo"].nunique()
    assert 0.2 < (invoices == 1).mean() < 0.7
    assert (invoices >= 5).mean() > 0.1
    assert invoices.max() >= 15


def test_baskets_are_skewed_around_twenty_lines(lines):
    sales = lines[~lines["InvoiceNo"].str.startswith(("C", "A"))]
    sizes = sales.groupby("InvoiceNo").size()
    assert 14 <= sizes.mean() <= 26
    assert sizes.median() < sizes.mean()
    assert sizes.min() == 1 and sizes.max() <= synthetic.MAX_BASKET_LINES + 5
    quantities = sales.loc[is_product(sales["StockCode"]), "Quantity"]
    assert quantities.between(1, 24).mean() > 0.8
    assert quantities.max() > 100  # occasional wholesale quantities


def test_prices_vary_a_little_per_product(lines):
    catalogue = product_catalogue(CONFIG)
    assert catalogue["ListPrice"].between(synthetic.MIN_PRICE, synthetic.MAX_PRICE).all()
    sold = lines[is_product(lines["StockCode"]) & (lines["UnitPrice"] > 0)
                 & ~lines["InvoiceNo"].str.startswith("C")]
    prices = sold.groupby("StockCode")["UnitPrice"].nunique()
    assert prices.max() <= 4 and (prices > 1).any()
    descriptions = sold[sold["Description"] != ""].groupby("StockCode")["Description"].nunique()
    assert descriptions.max() == 2 and (descriptions == 2).sum() >= 1


def test_written_summary_counts(written, lines):
    summary = written[1]
    assert summary.invoices == lines["InvoiceNo"].nunique()
    assert summary.customers == lines.loc[lines["CustomerID"] != "", "CustomerID"].nunique()
    assert summary.products == lines.loc[is_product(lines["StockCode"]), "StockCode"].nunique()
    assert summary.lines_per_second > 0
