"""Deterministic, seeded generator of realistic retail order lines.

The output imitates the UCI "Online Retail" export: one CSV per trading day with the columns
InvoiceNo, StockCode, Description, Quantity, InvoiceDate, UnitPrice, CustomerID, Country. The
data has structure for downstream models to find:

* customers follow a BG/NBD-like process: a gamma-distributed purchase rate, a beta-distributed
  chance of dropping out for good after each purchase, a gamma spend level and a favourite theme;
* products have Zipf-like popularity and belong to themes, and baskets draw mostly from one or
  a few themes, so products of one theme are bought together;
* volume has a weekly pattern (no trading on Saturdays, Thursday busiest), a yearly one (strong
  November, quiet January/February) and mild growth;
* the quirks of the real data occur at the documented rates below.

Generation runs day by day with vectorised numpy. The state carried between days is
per-customer arrays plus the cancellations scheduled for the next few trading days, so memory
does not grow with the number of lines. Every day draws from its own generators
``default_rng([seed, STREAM, day_index])`` (one stream for who buys, one for everything else),
so a configuration always gives the same bytes, however the output is consumed.

Command line::

    python -m python_ml.synthetic --out data/synthetic/order_lines --lines 300000 --seed 42
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

COLUMNS = (
    "InvoiceNo",
    "StockCode",
    "Description",
    "Quantity",
    "InvoiceDate",
    "UnitPrice",
    "CustomerID",
    "Country",
)
HEADER = ",".join(COLUMNS) + "\n"
FIRST_INVOICE_NO = 536365  # numbers pass 999999 (7 digits) after ~460k invoices, ~9M lines
FIRST_CUSTOMER_ID = 12346

# Quirk rates. Shares are of all output lines; the tests check the output against them.
CANCELLED_LINE_SHARE = 0.017  # lines of "C" invoices reversing an earlier sale of the customer
GUEST_LINE_SHARE = 0.22  # lines without CustomerID (whole invoices)
NON_PRODUCT_LINE_SHARE = 0.007  # POST, DOT, M, D, C2, BANK CHARGES, AMAZONFEE, CRUK, S, PADS, gifts
DUPLICATE_LINE_SHARE = 0.01  # exact copies of a line within its invoice
UNMATCHED_RETURN_LINE_SHARE = 0.001  # negative quantity on a normal invoice, no matching sale
ZERO_PRICE_LINE_SHARE = 0.003  # product sales at UnitPrice 0
EMPTY_DESCRIPTION_LINE_SHARE = 0.0025  # product sales with an empty Description
BAD_DEBT_ADJUSTMENTS_PER_YEAR = 2.0  # "A" invoices (StockCode B, negative price); at least one
BAD_DEBT_PER_LINE = 0.02  # typical write-off per requested line: 6,000 at 300k lines

# Lines added on top of the product sales; the sales volume is scaled down to make room for them.
_ADDED_LINE_SHARE = (
    CANCELLED_LINE_SHARE
    + NON_PRODUCT_LINE_SHARE
    + DUPLICATE_LINE_SHARE
    + UNMATCHED_RETURN_LINE_SHARE
)
# Guests get no cancellations, so their share of sales is raised to end at GUEST_LINE_SHARE overall.
_GUEST_SALES_SHARE = GUEST_LINE_SHARE / (1.0 - CANCELLED_LINE_SHARE)

# Customers (rates are purchases per trading day at average seasonal intensity).
RATE_SHAPE = 0.5
MEAN_DAILY_RATE = 1 / 40
MAX_DAILY_RATE = 0.3
DROPOUT_BETA = (1.2, 4.0)
SPEND_SHAPE = 2.0  # spend level ~ gamma with mean 1
INITIAL_CUSTOMER_SHARE = 0.25  # customers already active on the first day
AUTUMN_ACQUISITION_BOOST = 1.6  # September to November
FAVOURITE_THEME_SHARE = 0.5  # baskets whose main theme is the customer's favourite

# Seasonality: multipliers of daily volume.
WEEKDAY_FACTORS = (1.0, 1.1, 1.1, 1.35, 0.85, 0.0, 0.6)  # Monday .. Sunday; Saturday closed
MONTH_FACTORS = (0.6, 0.65, 0.85, 0.8, 0.9, 0.9, 0.9, 0.95, 1.25, 1.4, 1.9, 1.05)
ANNUAL_GROWTH = 0.1

# Invoices and baskets.
OPENING_MINUTE = 7 * 60
CLOSING_MINUTE = 20 * 60
PEAK_MINUTE = 12 * 60 + 30
MINUTE_SD = 150
BASKET_LOG_MEAN = 2.9
BASKET_LOG_SD = 0.85
BASKET_SPEND_ELASTICITY = 0.3
MAX_BASKET_LINES = 60
LINES_PER_EXTRA_THEME = 15
MAX_EXTRA_THEMES = 5
OFF_THEME_LINE_SHARE = 0.1
# Themes are chosen by popularity to this power: below 1, the most popular theme is not in
# most baskets, so its products keep a high lift.
THEME_CHOICE_EXPONENT = 0.5
EXTRA_PACKS_PER_SPEND = 0.6
WHOLESALE_LINE_SHARE = 0.003
MAX_QUANTITY = 10_000
CANCELLED_INVOICE_SHARE = 0.15  # registered invoices that get a "C" invoice for some lines
SAME_DAY_CANCELLATION_SHARE = 0.5  # the rest follow after a geometric number of trading days
MEAN_CANCELLATION_DELAY = 5
MAX_CANCELLATION_DELAY = 30
MAX_SAME_DAY_CANCELLATION_MINUTES = 120
PARTIAL_CANCELLATION_SHARE = 0.2  # cancelled lines reversing only part of the quantity
FREE_RETURN_SHARE = 0.5  # unmatched returns booked at price 0

# Products.
ZIPF_EXPONENT = 1.4
# Zipf-Mandelbrot offset as a share of the catalogue: flattens the head, so that no single
# product is in most baskets.
ZIPF_OFFSET_SHARE = 0.01
PRICE_MEDIAN = 2.1
PRICE_LOG_SD = 0.85
EXPENSIVE_PRODUCT_SHARE = 0.01
MIN_PRICE, MAX_PRICE = 0.19, 65.0
BULK_DISCOUNT = (0.75, 0.9)
BULK_PACKS = 8  # quantity (in packs) from which the bulk price applies
PRICE_CHANGE_SHARE = 0.3
PRICE_CHANGE = (1.05, 1.2)
RENAMED_PRODUCT_SHARE = 0.05
VARIANT_PRODUCT_SHARE = 0.2  # products sharing a sibling's code number with a letter suffix

# Independent random streams, so adding draws to one part never shifts another.
(CATALOGUE_STREAM, CUSTOMER_STREAM, CALIBRATION_STREAM, BUYER_STREAM, ADJUSTMENT_STREAM,
 DAY_STREAM) = range(6)

MOTIFS = (
    "HANGING HEART", "REGENCY", "RETROSPOT", "VINTAGE CHRISTMAS", "SPACEBOY", "DOLLY GIRL",
    "WOODLAND", "PAISLEY PARK", "ENGLISH ROSE", "SKULL", "JAM MAKING", "LOVE BIRD", "BAROQUE",
    "GINGHAM", "POLKADOT", "FAIRY CAKE", "ALPHABET", "CIRCUS PARADE", "POPPY'S PLAYHOUSE",
    "LONDON", "PARIS", "ROSE COTTAGE", "STRAWBERRY", "SNOWFLAKE", "NORDIC", "MOROCCAN",
    "DINOSAUR", "BUTTERFLY", "OWL", "CHERRY BLOSSOM", "TEA PARTY", "SWEETHEART",
)
ITEMS_BY_CATEGORY = (
    ("CAKE TINS", "TEA COSY", "APRON", "OVEN GLOVE", "MUG", "CAKE STAND", "BAKING SET", "JAM JAR",
     "BISCUIT TIN", "TEA TOWEL", "PLATE", "BOWL", "CAKE CASES", "STORAGE JAR"),
    ("T-LIGHT HOLDER", "LANTERN", "CANDLE", "LIGHT CHAIN", "NIGHT LIGHT", "CANDLE HOLDER",
     "LAMP", "FAIRY LIGHTS", "TEALIGHTS", "LED LANTERN", "CANDLE POT"),
    ("JUMBO BAG", "LUNCH BAG", "SHOPPER", "TOTE BAG", "PURSE", "CHARLOTTE BAG", "WASHBAG",
     "GIFT BAG", "PICNIC BAG", "SHOULDER BAG"),
    ("NOTEBOOK", "WRAP", "GIFT TAGS", "GREETING CARD", "PENCILS", "STICKERS", "PHOTO ALBUM",
     "ROLLER STAMP", "MEMO BOARD", "PARTY INVITES", "ENVELOPES"),
    ("BAUBLE", "STOCKING", "TREE DECORATION", "ADVENT CALENDAR", "WREATH", "HANGING STAR",
     "GARLAND", "SNOW GLOBE", "ANGEL", "CRACKERS"),
    ("PLANT POT", "WATERING CAN", "BIRD FEEDER", "DOORMAT", "GARDEN SIGN", "HERB MARKER",
     "WIND CHIME", "PLANTER", "GARDEN KNEELER"),
    ("PAPER PLATES", "PAPER CUPS", "BUNTING", "NAPKINS", "PARTY BAG", "BALLOONS", "CAKE TOPPER",
     "STRAWS", "PARTY HATS", "PAPER CHAIN KIT"),
    ("CUSHION COVER", "PHOTO FRAME", "WALL CLOCK", "MIRROR", "COAT HANGER", "DOOR STOP",
     "HOT WATER BOTTLE", "THROW", "BOX FRAME", "HOOK", "TRINKET BOX", "DRAWER KNOB"),
)
SIZES = ("", "SMALL ", "LARGE ", "SET OF 3 ", "PACK OF 12 ")
COLOURS = ("", "WHITE ", "RED ", "PINK ", "BLUE ", "GREEN ", "CREAM ", "IVORY ", "BLACK ",
           "SILVER ", "GOLD ", "RED/WHITE ", "ASSORTED ")
SUFFIXES = (("", 0.87), (" DESIGN", 0.1), (", GIFT BOXED", 0.03))  # with their shares
# How a renamed product's description changes: the first pattern found is replaced.
RENAMES = (("SET OF 3 ", "SET/3 "), ("PACK OF 12 ", "PACK 12 "), ("WHITE ", "CREAM "),
           ("RED/WHITE ", "RED AND WHITE "), (" DESIGN", ""), (", GIFT BOXED", " GIFT BOX"))

# Price points per product price band: (upper price bound, pack sizes to choose from).
PACKS_BY_PRICE = ((0.6, (6, 10, 12, 12, 24, 25)), (2.0, (1, 1, 2, 4, 6, 12)),
                  (6.0, (1, 1, 1, 2, 3, 4, 6)), (np.inf, (1, 1, 2)))

# Non-product codes as in the real data: code, description, weight on UK / other invoices,
# quantity, candidate unit prices.
NON_PRODUCT_CODES = (
    ("POST", "POSTAGE", 0.05, 0.80, 1, (15.0, 18.0, 28.0, 40.0)),
    ("DOT", "DOTCOM POSTAGE", 0.30, 0.02, 1, (16.5, 42.4, 85.58, 126.39, 254.43, 569.77)),
    ("M", "Manual", 0.25, 0.06, 1, (0.85, 1.25, 2.55, 5.95, 18.0, 35.0, 125.0)),
    ("C2", "CARRIAGE", 0.05, 0.06, 1, (50.0,)),
    ("D", "Discount", 0.08, 0.02, -1, (5.76, 15.0, 27.5, 42.5)),
    ("BANK CHARGES", "Bank Charges", 0.06, 0.04, 1, (15.0,)),
    ("AMAZONFEE", "AMAZON FEE", 0.02, 0.0, -1, (1.0, 5575.28, 7427.97)),
    ("CRUK", "CRUK Commission", 0.02, 0.0, -1, (1.6, 52.24, 133.2)),
    ("S", "SAMPLES", 0.03, 0.0, -1, (1.0, 7.95, 29.0)),
    ("PADS", "PADS TO MATCH ALL CUSHIONS", 0.02, 0.0, 1, (0.001,)),
    ("gift_0001_10", "Dotcomgiftshop Gift Voucher £10.00", 0.02, 0.0, 1, (8.5,)),
    ("gift_0001_20", "Dotcomgiftshop Gift Voucher £20.00", 0.03, 0.0, 1, (17.02,)),
    ("gift_0001_30", "Dotcomgiftshop Gift Voucher £30.00", 0.02, 0.0, 1, (25.53,)),
    ("gift_0001_40", "Dotcomgiftshop Gift Voucher £40.00", 0.01, 0.0, 1, (34.04,)),
    ("gift_0001_50", "Dotcomgiftshop Gift Voucher £50.00", 0.01, 0.0, 1, (42.55,)),
)
BAD_DEBT_CODE = "B"
BAD_DEBT_DESCRIPTION = "Adjust bad debt"

# Country shares of registered customers and of guest invoices.
COUNTRIES = (
    ("United Kingdom", 0.88, 0.96), ("Germany", 0.025, 0.005), ("France", 0.022, 0.005),
    ("EIRE", 0.01, 0.01), ("Spain", 0.01, 0.002), ("Netherlands", 0.006, 0.002),
    ("Belgium", 0.006, 0.002), ("Switzerland", 0.005, 0.002), ("Portugal", 0.005, 0.002),
    ("Australia", 0.003, 0.001), ("Italy", 0.004, 0.001), ("Norway", 0.003, 0.001),
    ("Finland", 0.003, 0.001), ("Channel Islands", 0.002, 0.002), ("Denmark", 0.002, 0.001),
    ("Cyprus", 0.002, 0.001), ("Sweden", 0.002, 0.001), ("Austria", 0.002, 0.001),
    ("Japan", 0.002, 0.0), ("Poland", 0.001, 0.0), ("USA", 0.001, 0.001),
    ("Canada", 0.001, 0.0), ("Singapore", 0.001, 0.0), ("Iceland", 0.001, 0.0),
)

_SALE, _CANCELLATION, _ADJUSTMENT = 0, 1, 2


def _cumulative_shares(weights) -> np.ndarray:
    """Cumulative distribution for _draw_weighted."""
    cumulative = np.cumsum(np.asarray(weights, dtype=np.float64))
    return cumulative / cumulative[-1]


_CUSTOMER_COUNTRIES = _cumulative_shares([row[1] for row in COUNTRIES])
_GUEST_COUNTRIES = _cumulative_shares([row[2] for row in COUNTRIES])
_NON_PRODUCT_UK = _cumulative_shares([row[2] for row in NON_PRODUCT_CODES])
_NON_PRODUCT_FOREIGN = _cumulative_shares([row[3] for row in NON_PRODUCT_CODES])
_NON_PRODUCT_SIGN = np.array([row[4] for row in NON_PRODUCT_CODES])
_NON_PRODUCT_PRICES = np.concatenate([row[5] for row in NON_PRODUCT_CODES])
_NON_PRODUCT_PRICE_COUNT = np.array([len(row[5]) for row in NON_PRODUCT_CODES])
_NON_PRODUCT_FIRST_PRICE = np.cumsum(_NON_PRODUCT_PRICE_COUNT) - _NON_PRODUCT_PRICE_COUNT
_INVOICE_PREFIXES = ("", "C", "A")
_DAILY_FILE = re.compile(r"^\d{4}-\d{2}-\d{2}\.csv$")
_TEMP_FILE = re.compile(r"^\.\d{4}-\d{2}-\d{2}\.csv\.tmp$")
_CLOCK = tuple(f"{m // 60:02d}:{m % 60:02d}:00" for m in range(24 * 60))


@dataclass(frozen=True)
class GeneratorConfig:
    """What to generate.

    n_lines is the approximate total number of output lines (the result lands within about
    ±10%); catalogue size, theme count and customer count scale with it unless given.
    """

    n_lines: int = 300_000
    start_date: date = date(2023, 1, 2)
    n_days: int = 730
    seed: int = 42
    n_products: int | None = None
    n_themes: int | None = None

    def __post_init__(self) -> None:
        if self.n_lines < 1 or self.n_days < 1:
            raise ValueError("n_lines and n_days must be positive")
        if self.n_days == 1 and self.start_date.weekday() == 5:
            raise ValueError("the period has no trading day (Saturdays are closed)")

    def product_count(self) -> int:
        """Catalogue size: about 1,000 products for 300k lines, growing with the square root."""
        if self.n_products is not None:
            return self.n_products
        return int(np.clip(round(1000 * np.sqrt(self.n_lines / 300_000)), 400, 4000))

    def theme_count(self) -> int:
        """Number of themes (product ranges bought together): about 25 products per theme."""
        if self.n_themes is not None:
            return self.n_themes
        return int(np.clip(round(self.product_count() / 25), 3, 80))


@dataclass(frozen=True)
class WriteSummary:
    """What write_order_lines wrote: counts of files, lines, invoices, distinct customers and
    distinct products appearing in the output, and the elapsed seconds."""

    out_dir: Path
    files: int
    lines: int
    invoices: int
    customers: int
    products: int
    seconds: float

    @property
    def lines_per_second(self) -> float:
        return self.lines / self.seconds if self.seconds > 0 else float("inf")

    def __str__(self) -> str:
        return (
            f"wrote {self.files} files, {self.lines} lines, {self.invoices} invoices, "
            f"{self.customers} customers, {self.products} products to {self.out_dir} "
            f"in {self.seconds:.2f} s ({self.lines_per_second:,.0f} lines/s)"
        )


@dataclass(frozen=True)
class _Calendar:
    """The trading days (every day but Saturday) and their relative volume (mean 1)."""

    days: np.ndarray  # datetime64[D] of the trading days
    calendar_index: np.ndarray  # day offset from start_date, used to seed each day
    intensity: np.ndarray
    acquisition_weight: np.ndarray  # probability of a new customer arriving on each day


@dataclass(frozen=True)
class _Catalogue:
    """Products ordered by theme, plus the fixed code and description tables of the output.

    Code table: products, then NON_PRODUCT_CODES, then the bad-debt code. Description table:
    original product descriptions, renamed ones, non-product descriptions, bad debt, empty.
    """

    codes: np.ndarray  # object array of CSV-ready fields
    descriptions: np.ndarray  # object array of CSV-ready fields
    theme: np.ndarray
    theme_end: np.ndarray  # cumulative popularity up to each theme's last product
    theme_mass: np.ndarray  # total popularity of each theme
    theme_choice: np.ndarray  # cumulative distribution of a basket's themes
    cum_popularity: np.ndarray
    rename_day: np.ndarray  # trading-day ordinal from which the renamed description is used
    pack: np.ndarray
    list_price: np.ndarray  # shape (2, n_products): before and after the price change
    bulk_price: np.ndarray  # shape (2, n_products)
    price_change_day: np.ndarray

    @property
    def n_products(self) -> int:
        return len(self.theme)

    @property
    def empty_description(self) -> int:
        return len(self.descriptions) - 1


@dataclass
class _Customers:
    """Latent customer traits in the order drawn. acquired is the trading-day ordinal of the
    first purchase, -1 for customers already active on the first day."""

    ids: np.ndarray
    acquired: np.ndarray
    rate: np.ndarray
    dropout: np.ndarray
    spend: np.ndarray
    country: np.ndarray
    favourite_theme: np.ndarray
    n_drawn: int  # size of the candidate pool the purchase process draws random numbers for


@dataclass(frozen=True)
class _Lines:
    """Order lines under construction; `invoice` indexes the day's invoice table and `position`
    orders lines within an invoice."""

    invoice: np.ndarray
    position: np.ndarray
    code: np.ndarray
    description: np.ndarray
    quantity: np.ndarray
    price: np.ndarray

    @staticmethod
    def concat(parts: list[_Lines]) -> _Lines:
        return _Lines(*(np.concatenate([getattr(p, f) for p in parts]) for f in _LINE_FIELDS))

    def take(self, index: np.ndarray) -> _Lines:
        return _Lines(*(getattr(self, f)[index] for f in _LINE_FIELDS))


_LINE_FIELDS = ("invoice", "position", "code", "description", "quantity", "price")


@dataclass(frozen=True)
class _Cancellations:
    """Cancellation lines decided on the day of the sale, waiting for their trading day.
    `group` identifies the original invoice: one "C" invoice per group."""

    group: np.ndarray
    minute: np.ndarray
    customer: np.ndarray
    product: np.ndarray
    quantity: np.ndarray
    price: np.ndarray


@dataclass(frozen=True)
class _Day:
    """One trading day of output: invoices in number order and their lines in file order."""

    day: date
    invoice_no: np.ndarray
    invoice_kind: np.ndarray
    invoice_minute: np.ndarray
    invoice_customer_id: np.ndarray  # -1 for guests
    invoice_country: np.ndarray
    lines: _Lines


def generate_days(config: GeneratorConfig) -> Iterator[tuple[date, pd.DataFrame]]:
    """Yield (trading day, that day's order lines) in date order, one day in memory at a time.

    Columns are COLUMNS: InvoiceNo, StockCode and Country as text, Description as text (missing
    where empty), Quantity int64, InvoiceDate datetime64[s], UnitPrice float64, CustomerID
    float64 (missing for guests) - the values the CSV files hold.
    """
    simulation = _Simulation(config)
    descriptions = np.array([_unquote(d) or None for d in simulation.catalogue.descriptions],
                            dtype=object)
    for day in simulation.days():
        yield day.day, _to_frame(day, simulation.catalogue.codes, descriptions)


def write_order_lines(config: GeneratorConfig, out_dir: Path) -> WriteSummary:
    """Write one `<out_dir>/YYYY-MM-DD.csv` per trading day and return what was written.

    Each file is written under a hidden temporary name and renamed when complete, so an
    interrupted run leaves no partial file. Daily files in out_dir from an earlier run that
    this configuration does not produce are removed, so the folder holds exactly one run.
    """
    started = time.perf_counter()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    simulation = _Simulation(config)
    number_text = (_FormatCache(str), _FormatCache(_format_price))
    written: set[str] = set()
    lines = invoices = 0
    customers_seen = np.zeros(int(simulation.customers.ids.max(initial=0)) + 1, dtype=bool)
    products_seen = np.zeros(len(simulation.catalogue.codes), dtype=bool)
    for day in simulation.days():
        name = f"{day.day.isoformat()}.csv"
        _write_atomically(out_dir / name, _to_csv(day, simulation.catalogue, number_text))
        written.add(name)
        lines += len(day.lines.code)
        invoices += len(day.invoice_no)
        customers_seen[day.invoice_customer_id[day.invoice_customer_id >= 0]] = True
        products_seen[day.lines.code] = True
    _remove_stale_files(out_dir, written)
    return WriteSummary(
        out_dir=out_dir,
        files=len(written),
        lines=lines,
        invoices=invoices,
        customers=int(customers_seen.sum()),
        products=int(products_seen[: simulation.catalogue.n_products].sum()),
        seconds=time.perf_counter() - started,
    )


def product_catalogue(config: GeneratorConfig) -> pd.DataFrame:
    """The ground truth behind the products of a configuration: one row per product with
    StockCode, Description (original), Theme (int), Popularity (share of theme draws), PackSize
    and ListPrice (before any price change). Useful to check what models find."""
    catalogue = _build_catalogue(config, _build_calendar(config))
    weights = np.diff(catalogue.cum_popularity, prepend=0.0)
    return pd.DataFrame({
        "StockCode": catalogue.codes[: catalogue.n_products],
        "Description": [_unquote(d) for d in catalogue.descriptions[: catalogue.n_products]],
        "Theme": catalogue.theme,
        "Popularity": weights / weights.sum(),
        "PackSize": catalogue.pack,
        "ListPrice": catalogue.list_price[0],
    })


class _Simulation:
    """Sets up catalogue and customers for a configuration and plays the days forward."""

    def __init__(self, config: GeneratorConfig) -> None:
        self.config = config
        self.calendar = _build_calendar(config)
        self.catalogue = _build_catalogue(config, self.calendar)
        lines_per_invoice = _mean_basket_lines(self.catalogue, config.seed)
        sales_lines = config.n_lines * (1.0 - _ADDED_LINE_SHARE)
        registered_invoices = sales_lines * (1.0 - _GUEST_SALES_SHARE) / lines_per_invoice
        self.guest_invoices = sales_lines * _GUEST_SALES_SHARE / lines_per_invoice
        self.customers = _build_customers(
            config, self.calendar, self.catalogue, registered_invoices)
        self.bad_debt_days = _choose_bad_debt_days(config, len(self.calendar.days))

    def days(self) -> Iterator[_Day]:
        """Play every trading day in order; the only state kept between days is which customers
        are still active (inside _buyers_by_day) and the cancellations waiting for a later day."""
        pending: dict[int, list[_Cancellations]] = {}
        next_invoice_no = FIRST_INVOICE_NO
        buyers_by_day = _buyers_by_day(self.config.seed, self.calendar, self.customers)
        for ordinal, buyers in enumerate(buyers_by_day):
            rng = np.random.default_rng(
                [self.config.seed, DAY_STREAM, int(self.calendar.calendar_index[ordinal])]
            )
            day = self._play_day(rng, ordinal, buyers, pending, next_invoice_no)
            next_invoice_no += len(day.invoice_no)
            yield day

    def _play_day(
        self,
        rng: np.random.Generator,
        ordinal: int,
        buyers: np.ndarray,
        pending: dict[int, list[_Cancellations]],
        first_invoice_no: int,
    ) -> _Day:
        """One day: the buyers' and guests' sale invoices with their quirk lines, the
        cancellations due today and any bad-debt adjustment, numbered in time order."""
        catalogue, customers = self.catalogue, self.customers
        n_guests = rng.poisson(self.guest_invoices * self.calendar.intensity[ordinal]
                               / len(self.calendar.days))
        n_sales = len(buyers) + n_guests
        customer = np.concatenate([buyers, np.full(n_guests, -1)])
        guest_countries = _draw_countries(rng, n_guests, guest=True)
        country = np.concatenate([customers.country[buyers], guest_countries])
        spend = np.concatenate([customers.spend[buyers], _draw_spend(rng, n_guests)])
        favourite = np.concatenate([customers.favourite_theme[buyers], np.full(n_guests, -1)])
        minute = _draw_minutes(rng, n_sales)

        sales = _draw_sales(rng, catalogue, ordinal, spend, favourite)
        _apply_price_and_description_quirks(rng, catalogue, sales)
        cancellations = _schedule_cancellations(
            rng, sales, customer, minute, ordinal, len(self.calendar.days)
        )
        for target, batch in cancellations.items():
            pending.setdefault(target, []).append(batch)
        parts = [
            sales,
            _draw_unmatched_returns(rng, catalogue, sales, ordinal),
            _draw_non_product_lines(rng, catalogue, sales, country, n_sales),
            _draw_duplicates(rng, sales),
        ]
        kinds = [np.full(n_sales, _SALE)]
        minutes = [minute]
        invoice_customer = [customer]
        countries = [country]
        n_invoices = n_sales

        due = pending.pop(ordinal, [])
        if due:
            c_lines, c_minute, c_customer = _cancellation_invoices(
                catalogue, due, ordinal, n_invoices)
            parts.append(c_lines)
            kinds.append(np.full(len(c_minute), _CANCELLATION))
            minutes.append(c_minute)
            invoice_customer.append(c_customer)
            countries.append(customers.country[c_customer])
            n_invoices += len(c_minute)

        n_adjustments = int(self.bad_debt_days[ordinal])
        if n_adjustments:
            parts.append(_bad_debt_lines(rng, catalogue, n_adjustments, n_invoices,
                                         self.config.n_lines))
            kinds.append(np.full(n_adjustments, _ADJUSTMENT))
            minutes.append(_draw_minutes(rng, n_adjustments))
            invoice_customer.append(np.full(n_adjustments, -1))
            countries.append(np.zeros(n_adjustments, dtype=np.int64))  # United Kingdom

        return _number_invoices(
            day=self.calendar.days[ordinal].astype(object),
            first_invoice_no=first_invoice_no,
            kind=np.concatenate(kinds),
            minute=np.concatenate(minutes),
            customer=np.concatenate(invoice_customer),
            country=np.concatenate(countries),
            lines=_Lines.concat(parts),
            customer_ids=customers.ids,
        )


def _build_calendar(config: GeneratorConfig) -> _Calendar:
    """Trading days with seasonal intensity: weekday x month x growth, normalised to mean 1."""
    offsets = np.arange(config.n_days)
    days = np.datetime64(config.start_date, "D") + offsets
    weekday = (days.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday
    month = days.astype("datetime64[M]").astype(np.int64) % 12
    trading = weekday != 5
    intensity = (
        np.asarray(WEEKDAY_FACTORS)[weekday]
        * np.asarray(MONTH_FACTORS)[month]
        * (1.0 + ANNUAL_GROWTH * offsets / 365.0)
    )[trading]
    intensity /= intensity.mean()
    autumn = np.isin(month[trading], (8, 9, 10))
    acquisition = intensity * np.where(autumn, AUTUMN_ACQUISITION_BOOST, 1.0)
    return _Calendar(
        days=days[trading],
        calendar_index=offsets[trading],
        intensity=intensity,
        acquisition_weight=acquisition / acquisition.sum(),
    )


def _build_catalogue(config: GeneratorConfig, calendar: _Calendar) -> _Catalogue:
    """Draw products: theme, Zipf popularity, description, stock code, pack size and prices."""
    rng = np.random.default_rng([config.seed, CATALOGUE_STREAM])
    n_products, n_themes = config.product_count(), config.theme_count()
    n_days = len(calendar.days)

    theme_sizes = rng.gamma(2.0, 1.0, n_themes)
    theme = np.sort(np.concatenate([
        np.arange(n_themes),  # every theme gets at least one product
        rng.choice(n_themes, n_products - n_themes, p=theme_sizes / theme_sizes.sum()),
    ]))
    offset = ZIPF_OFFSET_SHARE * n_products
    popularity = (rng.permutation(n_products) + 1.0 + offset) ** -ZIPF_EXPONENT
    cum_popularity = np.cumsum(popularity)
    theme_mass = np.bincount(theme, weights=popularity, minlength=n_themes)

    descriptions = _describe_products(rng, theme, n_themes)
    renamed = np.array([_rename(d) for d in descriptions], dtype=object)
    rename_day = np.where(rng.random(n_products) < RENAMED_PRODUCT_SHARE,
                          rng.integers(1, max(n_days, 2), n_products), n_days)

    price = _round_price(np.clip(
        PRICE_MEDIAN * np.exp(rng.normal(0.0, PRICE_LOG_SD, n_products))
        * np.where(rng.random(n_products) < EXPENSIVE_PRODUCT_SHARE, 8.0, 1.0),
        MIN_PRICE, MAX_PRICE))
    changed_price = _round_price(price * rng.uniform(*PRICE_CHANGE, n_products))
    list_price = np.stack([price, changed_price])
    bulk_price = _round_price(list_price * rng.uniform(*BULK_DISCOUNT, n_products))
    price_change_day = np.where(rng.random(n_products) < PRICE_CHANGE_SHARE,
                                rng.integers(1, max(n_days, 2), n_products), n_days)

    non_product = [(_csv_field(code), _csv_field(text)) for code, text, *_ in NON_PRODUCT_CODES]
    return _Catalogue(
        codes=np.array(
            [*_draw_stock_codes(rng, theme), *(c for c, _ in non_product), BAD_DEBT_CODE],
            dtype=object,
        ),
        descriptions=np.array(
            [*map(_csv_field, descriptions), *map(_csv_field, renamed),
             *(d for _, d in non_product), _csv_field(BAD_DEBT_DESCRIPTION), ""],
            dtype=object,
        ),
        theme=theme,
        theme_end=np.cumsum(theme_mass),
        theme_mass=theme_mass,
        theme_choice=_cumulative_shares(theme_mass ** THEME_CHOICE_EXPONENT),
        cum_popularity=cum_popularity,
        rename_day=rename_day,
        pack=_draw_packs(rng, price),
        list_price=list_price,
        bulk_price=bulk_price,
        price_change_day=price_change_day,
    )


def _describe_products(rng: np.random.Generator, theme: np.ndarray, n_themes: int) -> list[str]:
    """Uppercase descriptions '[SIZE ][COLOUR ]MOTIF ITEM[SUFFIX]', unique within the catalogue:
    each theme is one motif with one item category, and its products take distinct
    size/colour/item combinations."""
    combos = [(m, c) for m in range(len(MOTIFS)) for c in range(len(ITEMS_BY_CATEGORY))]
    chosen = rng.permutation(len(combos))[:n_themes]
    suffix_shares = _cumulative_shares([share for _, share in SUFFIXES])
    descriptions: list[str] = []
    for t, combo in enumerate(chosen):
        motif, category = combos[combo]
        items = ITEMS_BY_CATEGORY[category]
        shape = (len(SIZES), len(COLOURS), len(items))
        count = int(np.count_nonzero(theme == t))
        picks = rng.choice(int(np.prod(shape)), count, replace=False)
        suffixes = _draw_weighted(rng, suffix_shares, count)
        for size, colour, item, suffix in zip(*np.unravel_index(picks, shape), suffixes):
            descriptions.append(
                f"{SIZES[size]}{COLOURS[colour]}{MOTIFS[motif]} {items[item]}{SUFFIXES[suffix][0]}"
            )
    return descriptions


def _rename(description: str) -> str:
    """The description a product takes after a catalogue edit."""
    for old, new in RENAMES:
        if old in description:
            return description.replace(old, new, 1)
    return description + " RANGE"


def _draw_stock_codes(rng: np.random.Generator, theme: np.ndarray) -> list[str]:
    """Five-digit codes; about a fifth of products are colour/size variants of a sibling in the
    same theme and share its number with letter suffixes (85123A, 85123B)."""
    n = len(theme)
    numbers = rng.choice(np.arange(10002, 90000), n, replace=False)
    variant = rng.random(n) < VARIANT_PRODUCT_SHARE
    # A variant takes the number of the product before it when that one is of the same theme.
    variant &= np.concatenate([[False], theme[1:] == theme[:-1]])
    group = np.cumsum(~variant) - 1
    numbers = numbers[~variant][group]
    first_of_group = np.flatnonzero(~variant)
    rank = np.arange(n) - first_of_group[group]
    group_size = np.bincount(group)[group]
    lettered = (group_size > 1) | (rng.random(n) < 0.1)
    return [
        f"{num}{chr(65 + r) if has_letter else ''}"
        for num, r, has_letter in zip(numbers.tolist(), rank.tolist(), lettered.tolist())
    ]


def _draw_packs(rng: np.random.Generator, price: np.ndarray) -> np.ndarray:
    """Pack size per product: cheap items come in dozens, expensive ones singly."""
    band = np.searchsorted([upper for upper, _ in PACKS_BY_PRICE], price)
    pick = rng.random(len(price))
    packs = np.empty(len(price), dtype=np.int64)
    for b, (_, options) in enumerate(PACKS_BY_PRICE):
        in_band = band == b
        packs[in_band] = np.asarray(options)[(pick[in_band] * len(options)).astype(np.int64)]
    return packs


def _round_price(price: np.ndarray) -> np.ndarray:
    """Shop-like prices: 0.05 steps from 1.00, pennies below, tenths of pennies below 0.10."""
    return np.where(price >= 1.0, np.round(price * 20.0) / 20.0,
                    np.where(price >= 0.1, np.round(price, 2), np.round(price, 3)))


def _mean_basket_lines(catalogue: _Catalogue, seed: int) -> float:
    """Average product lines per invoice for this catalogue, by simulating baskets, so that the
    invoice volume can be sized to the requested number of lines."""
    rng = np.random.default_rng([seed, CALIBRATION_STREAM])
    n = 5_000
    favourite = np.where(rng.random(n) < 0.8, _draw_themes(rng, catalogue, n), -1)
    invoice, _ = _draw_baskets(rng, catalogue, _draw_spend(rng, n), favourite)
    return len(invoice) / n


def _build_customers(
    config: GeneratorConfig, calendar: _Calendar, catalogue: _Catalogue, target_invoices: float
) -> _Customers:
    """Customers whose purchases in the period add up to the target number of invoices.

    Candidates are drawn independently, their purchase process is played once, and the pool
    is cut after the first candidate at which the purchases reach the target. Cutting leaves
    the others' histories unchanged (see _buyers_by_day), so the output hits the target
    exactly, not just in expectation - which matters for small configurations.
    """
    rng = np.random.default_rng([config.seed, CUSTOMER_STREAM])
    n_drawn = _estimate_pool_size(rng, calendar, catalogue, target_invoices)
    while True:
        customers = _draw_customers(rng, n_drawn, calendar, catalogue)
        purchases = np.zeros(n_drawn, dtype=np.int64)
        for buyers in _buyers_by_day(config.seed, calendar, customers):
            purchases[buyers] += 1
        cumulative = np.cumsum(purchases)
        if cumulative[-1] >= target_invoices:
            break
        n_drawn *= 2
    keep = int(np.searchsorted(cumulative, target_invoices)) + 1
    traits = {name: getattr(customers, name)[:keep] for name in _CUSTOMER_TRAITS}
    ids = FIRST_CUSTOMER_ID + rng.choice(int(keep * 1.4) + 100, keep, replace=False)
    return _Customers(ids=ids, n_drawn=n_drawn, **traits)


def _estimate_pool_size(
    rng: np.random.Generator, calendar: _Calendar, catalogue: _Catalogue, target_invoices: float
) -> int:
    """Candidates needed for the target, with a margin, from expected purchases of a sample.

    With L = rate x intensity still to come after the first purchase, a customer acquired in
    the period makes 1 + (1 - p)(1 - exp(-pL))/p purchases on average, one already active
    on the first day (1 - exp(-pL))/p.
    """
    sample = _draw_customers(rng, 10_000, calendar, catalogue)
    remaining = np.cumsum(calendar.intensity[::-1])[::-1] - calendar.intensity
    initial = sample.acquired < 0
    exposure = sample.rate * np.where(initial, calendar.intensity.sum(),
                                      remaining[sample.acquired])
    p = sample.dropout
    repeat = (1.0 - np.exp(-p * exposure)) / p
    expected = np.where(initial, repeat, 1.0 + (1.0 - p) * repeat).mean()
    return int(1.25 * target_invoices / expected) + 200


def _draw_customers(
    rng: np.random.Generator, n: int, calendar: _Calendar, catalogue: _Catalogue
) -> _Customers:
    """n independent candidate customers (ids are given once the pool is cut)."""
    acquired = np.where(rng.random(n) < INITIAL_CUSTOMER_SHARE, -1,
                        rng.choice(len(calendar.days), n, p=calendar.acquisition_weight))
    return _Customers(
        ids=np.zeros(0, dtype=np.int64),
        acquired=acquired,
        rate=np.minimum(rng.gamma(RATE_SHAPE, MEAN_DAILY_RATE / RATE_SHAPE, n), MAX_DAILY_RATE),
        dropout=rng.beta(*DROPOUT_BETA, n),
        spend=_draw_spend(rng, n),
        country=_draw_countries(rng, n, guest=False),
        favourite_theme=_draw_themes(rng, catalogue, n),
        n_drawn=n,
    )


_CUSTOMER_TRAITS = ("acquired", "rate", "dropout", "spend", "country", "favourite_theme")


def _choose_bad_debt_days(config: GeneratorConfig, n_trading_days: int) -> np.ndarray:
    """How many bad-debt adjustments fall on each trading day: a fixed handful, at least one."""
    rng = np.random.default_rng([config.seed, ADJUSTMENT_STREAM])
    count = max(1, round(BAD_DEBT_ADJUSTMENTS_PER_YEAR * config.n_days / 365))
    return np.bincount(rng.integers(0, n_trading_days, count), minlength=n_trading_days)


def _draw_spend(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.gamma(SPEND_SHAPE, 1.0 / SPEND_SHAPE, n)


def _draw_countries(rng: np.random.Generator, n: int, *, guest: bool) -> np.ndarray:
    return _draw_weighted(rng, _GUEST_COUNTRIES if guest else _CUSTOMER_COUNTRIES, n)


def _draw_themes(rng: np.random.Generator, catalogue: _Catalogue, n: int) -> np.ndarray:
    """Themes drawn by popularity ** THEME_CHOICE_EXPONENT."""
    return _draw_weighted(rng, catalogue.theme_choice, n)


def _draw_minutes(rng: np.random.Generator, n: int) -> np.ndarray:
    """Invoice times in trading hours, busiest around midday (times the bell curve puts
    outside trading hours are spread evenly over them instead)."""
    minutes = np.rint(rng.normal(PEAK_MINUTE, MINUTE_SD, n)).astype(np.int64)
    outside = (minutes < OPENING_MINUTE) | (minutes > CLOSING_MINUTE)
    minutes[outside] = rng.integers(OPENING_MINUTE, CLOSING_MINUTE + 1, int(outside.sum()))
    return minutes


def _buyers_by_day(seed: int, calendar: _Calendar, customers: _Customers) -> Iterator[np.ndarray]:
    """The customers buying on each trading day, in order (BG/NBD-like).

    A customer buys on the day of acquisition and on a later day with probability
    rate x intensity while active; after each purchase it leaves for good with probability
    dropout. Each day draws two random numbers per candidate of the full pool (n_drawn) and
    customer i always uses the i-th, so a customer's history does not depend on how many
    candidates were kept.
    """
    n = len(customers.rate)
    alive = np.ones(n, dtype=bool)
    for ordinal, calendar_index in enumerate(calendar.calendar_index.tolist()):
        rng = np.random.default_rng([seed, BUYER_STREAM, calendar_index])
        buy = rng.random(customers.n_drawn)[:n] < customers.rate * calendar.intensity[ordinal]
        stay = rng.random(customers.n_drawn)[:n]
        buyers = np.flatnonzero(
            (customers.acquired == ordinal) | (buy & alive & (customers.acquired < ordinal))
        )
        alive[buyers] = stay[buyers] >= customers.dropout[buyers]
        yield buyers


def _draw_baskets(
    rng: np.random.Generator, catalogue: _Catalogue, spend: np.ndarray, favourite: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Products of each invoice as (invoice index, product) pairs, grouped by invoice.

    An invoice wants a skewed number of lines (larger for big spenders) drawn from one to five
    themes - the first often the customer's favourite - plus some popular products from
    anywhere. A product appears once per basket; small themes can leave a basket short.
    """
    n = len(spend)
    size = np.clip(np.rint(np.exp(rng.normal(
        BASKET_LOG_MEAN + BASKET_SPEND_ELASTICITY * np.log(spend), BASKET_LOG_SD))),
        1, MAX_BASKET_LINES).astype(np.int64)
    n_themes = 1 + np.minimum(rng.poisson(size / LINES_PER_EXTRA_THEME), MAX_EXTRA_THEMES)
    theme_offset = np.cumsum(n_themes) - n_themes
    themes = _draw_themes(rng, catalogue, int(n_themes.sum()))
    use_favourite = (favourite >= 0) & (rng.random(n) < FAVOURITE_THEME_SHARE)
    themes[theme_offset[use_favourite]] = favourite[use_favourite]

    # Draw twice the wanted lines and keep the first `size` distinct products.
    invoice = np.repeat(np.arange(n), 2 * size)
    slot = (rng.random(len(invoice)) * n_themes[invoice]).astype(np.int64)
    theme = themes[theme_offset[invoice] + slot]
    u = rng.random(len(invoice))
    target = catalogue.theme_end[theme] - u * catalogue.theme_mass[theme]
    off_theme = rng.random(len(invoice)) < OFF_THEME_LINE_SHARE
    target[off_theme] = u[off_theme] * catalogue.cum_popularity[-1]
    product = np.minimum(np.searchsorted(catalogue.cum_popularity, target, side="right"),
                         catalogue.n_products - 1)
    first = _first_draws(invoice * catalogue.n_products + product)
    invoice, product = invoice[first], product[first]
    rank = np.arange(len(invoice)) - np.searchsorted(invoice, invoice, side="left")
    keep = rank < size[invoice]
    return invoice[keep], product[keep]


def _first_draws(pair: np.ndarray) -> np.ndarray:
    """Positions of the first occurrence of each value, in position order. One integer sort
    of value x n + position does it (much cheaper than np.unique with return_index)."""
    n = len(pair)
    key = np.sort(pair * n + np.arange(n))
    value = key // n
    is_first = np.ones(n, dtype=bool)
    is_first[1:] = value[1:] != value[:-1]
    first = key[is_first] % n
    first.sort()
    return first


def _draw_sales(
    rng: np.random.Generator, catalogue: _Catalogue, ordinal: int, spend: np.ndarray,
    favourite: np.ndarray,
) -> _Lines:
    """Product sale lines of the day's sale invoices, with quantities in packs and day prices."""
    invoice, product = _draw_baskets(rng, catalogue, spend, favourite)
    packs = 1 + rng.poisson(EXTRA_PACKS_PER_SPEND * spend[invoice])
    wholesale = rng.random(len(invoice)) < WHOLESALE_LINE_SHARE
    packs[wholesale] *= rng.integers(10, 60, int(wholesale.sum()))
    quantity = np.minimum(catalogue.pack[product] * packs, MAX_QUANTITY)
    return _Lines(
        invoice=invoice,
        position=np.arange(len(invoice), dtype=np.float64),
        code=product,
        description=_description_on(catalogue, product, ordinal),
        quantity=quantity,
        price=_price_on(catalogue, product, quantity, ordinal),
    )


def _description_on(catalogue: _Catalogue, product: np.ndarray, ordinal: int) -> np.ndarray:
    return product + catalogue.n_products * (catalogue.rename_day[product] <= ordinal)


def _price_on(catalogue: _Catalogue, product: np.ndarray, quantity: np.ndarray,
              ordinal: int) -> np.ndarray:
    """List price of the day, or the bulk price from BULK_PACKS packs on."""
    version = (catalogue.price_change_day[product] <= ordinal).astype(np.int64)
    bulk = quantity >= BULK_PACKS * catalogue.pack[product]
    return np.where(bulk, catalogue.bulk_price[version, product],
                    catalogue.list_price[version, product])


def _apply_price_and_description_quirks(
    rng: np.random.Generator, catalogue: _Catalogue, sales: _Lines
) -> None:
    """Give away some lines at price 0 and blank the description of others (in place)."""
    scale = 1.0 / (1.0 - _ADDED_LINE_SHARE)  # rates are of all lines, these are sales only
    n = len(sales.code)
    sales.price[rng.random(n) < ZERO_PRICE_LINE_SHARE * scale] = 0.0
    sales.description[rng.random(n) < EMPTY_DESCRIPTION_LINE_SHARE * scale] = (
        catalogue.empty_description
    )


def _schedule_cancellations(
    rng: np.random.Generator, sales: _Lines, customer: np.ndarray, minute: np.ndarray,
    ordinal: int, n_days: int,
) -> dict[int, _Cancellations]:
    """Pick sale lines of registered customers to cancel and the trading day they are cancelled.

    Some invoices get a cancellation, then some of their lines; half are cancelled the same
    day a little later, the rest within MAX_CANCELLATION_DELAY trading days (never after the
    last day). Quantities are mostly reversed in full.
    """
    line_share = CANCELLED_LINE_SHARE / ((1.0 - _ADDED_LINE_SHARE) * (1.0 - _GUEST_SALES_SHARE))
    n_invoices = len(customer)
    cancelled_invoice = (customer >= 0) & (rng.random(n_invoices) < CANCELLED_INVOICE_SHARE)
    chosen = np.flatnonzero(cancelled_invoice[sales.invoice]
                            & (rng.random(len(sales.code)) < line_share / CANCELLED_INVOICE_SHARE))
    if not len(chosen):
        return {}
    delay = np.where(rng.random(n_invoices) < SAME_DAY_CANCELLATION_SHARE, 0,
                     np.minimum(rng.geometric(1 / MEAN_CANCELLATION_DELAY, n_invoices),
                                MAX_CANCELLATION_DELAY))
    delay = np.minimum(delay, n_days - 1 - ordinal)
    later = minute + rng.integers(1, MAX_SAME_DAY_CANCELLATION_MINUTES + 1, n_invoices)
    cancel_minute = np.where(delay == 0, np.minimum(later, CLOSING_MINUTE),
                             _draw_minutes(rng, n_invoices))
    # Chosen lines ordered by target day, so each day's share is a cheap slice.
    chosen = chosen[np.argsort(delay[sales.invoice[chosen]], kind="stable")]
    invoice = sales.invoice[chosen]
    quantity = sales.quantity[chosen]
    partial = (rng.random(len(chosen)) < PARTIAL_CANCELLATION_SHARE) & (quantity > 1)
    quantity = np.where(partial, rng.integers(1, np.maximum(quantity, 2)), quantity)
    batch = _Cancellations(
        group=ordinal * (1 << 32) + invoice,  # unique among all cancellations of a target day
        minute=cancel_minute[invoice],
        customer=customer[invoice],
        product=sales.code[chosen],
        quantity=-quantity,
        price=sales.price[chosen],
    )
    target = ordinal + delay[invoice]
    days, starts = np.unique(target, return_index=True)
    ends = np.append(starts[1:], len(target))
    return {
        int(day): _Cancellations(*(getattr(batch, f)[start:end] for f in _CANCELLATION_FIELDS))
        for day, start, end in zip(days.tolist(), starts.tolist(), ends.tolist())
    }


_CANCELLATION_FIELDS = ("group", "minute", "customer", "product", "quantity", "price")


def _cancellation_invoices(
    catalogue: _Catalogue, due: list[_Cancellations], ordinal: int, first_invoice: int
) -> tuple[_Lines, np.ndarray, np.ndarray]:
    """Turn the cancellations due today into one "C" invoice per original invoice: returns
    their lines and each new invoice's minute and customer."""
    batch = _Cancellations(
        *(np.concatenate([getattr(b, f) for b in due]) for f in _CANCELLATION_FIELDS))
    _, first, invoice = np.unique(batch.group, return_index=True, return_inverse=True)
    lines = _Lines(
        invoice=first_invoice + invoice,
        position=np.arange(len(invoice), dtype=np.float64),
        code=batch.product,
        description=_description_on(catalogue, batch.product, ordinal),
        quantity=batch.quantity,
        price=batch.price,
    )
    return lines, batch.minute[first], batch.customer[first]


def _draw_unmatched_returns(
    rng: np.random.Generator, catalogue: _Catalogue, sales: _Lines, ordinal: int
) -> _Lines:
    """Returns booked on an ordinary invoice without a matching sale: a popular product with a
    negative quantity, at price 0 or its list price."""
    hosts = _choose_lines(rng, sales, UNMATCHED_RETURN_LINE_SHARE)
    n = len(hosts)
    product = np.minimum(
        np.searchsorted(catalogue.cum_popularity, rng.random(n) * catalogue.cum_popularity[-1],
                        side="right"),
        catalogue.n_products - 1)
    quantity = -(1 + rng.poisson(2.0, n))
    price = np.where(rng.random(n) < FREE_RETURN_SHARE, 0.0,
                     _price_on(catalogue, product, -quantity, ordinal))
    return _Lines(
        invoice=sales.invoice[hosts],
        position=sales.position[hosts] + 0.25,
        code=product,
        description=_description_on(catalogue, product, ordinal),
        quantity=quantity,
        price=price,
    )


def _draw_non_product_lines(
    rng: np.random.Generator, catalogue: _Catalogue, sales: _Lines, country: np.ndarray,
    n_invoices: int,
) -> _Lines:
    """Postage, fees, discounts, samples and gift vouchers, at most one per invoice, listed
    first; postage mostly on foreign invoices, as in the real data."""
    expected = len(sales.code) * NON_PRODUCT_LINE_SHARE / (1.0 - _ADDED_LINE_SHARE)
    share = min(1.0, expected / n_invoices) if n_invoices else 0.0
    invoice = np.flatnonzero(rng.random(n_invoices) < share)
    n = len(invoice)
    u = rng.random(n)
    kind = np.minimum(
        np.where(country[invoice] > 0,
                 np.searchsorted(_NON_PRODUCT_FOREIGN, u, side="right"),
                 np.searchsorted(_NON_PRODUCT_UK, u, side="right")),
        len(NON_PRODUCT_CODES) - 1)
    price = _NON_PRODUCT_PRICES[_NON_PRODUCT_FIRST_PRICE[kind] + (
        rng.random(n) * _NON_PRODUCT_PRICE_COUNT[kind]).astype(np.int64)]
    postage = kind == 0  # POST comes in 1 to 3 parcels
    quantity = np.where(postage, rng.integers(1, 4, n), 1) * _NON_PRODUCT_SIGN[kind]
    return _Lines(
        invoice=invoice,
        position=np.full(n, -1.0),
        code=catalogue.n_products + kind,
        description=2 * catalogue.n_products + kind,
        quantity=quantity,
        price=price,
    )


def _draw_weighted(rng: np.random.Generator, cumulative: np.ndarray, n: int) -> np.ndarray:
    """Indices drawn from a cumulative distribution ending at 1."""
    return np.minimum(np.searchsorted(cumulative, rng.random(n), side="right"),
                      len(cumulative) - 1)


def _draw_duplicates(rng: np.random.Generator, sales: _Lines) -> _Lines:
    """Exact copies of some sale lines, listed right after the original."""
    copies = sales.take(_choose_lines(rng, sales, DUPLICATE_LINE_SHARE))
    return _Lines(copies.invoice, copies.position + 0.5, copies.code, copies.description,
                  copies.quantity, copies.price)


def _choose_lines(rng: np.random.Generator, sales: _Lines, share: float) -> np.ndarray:
    """Distinct sale lines, each with the probability that makes them `share` of all lines."""
    return np.flatnonzero(rng.random(len(sales.code)) < share / (1.0 - _ADDED_LINE_SHARE))


def _bad_debt_lines(
    rng: np.random.Generator, catalogue: _Catalogue, n: int, first_invoice: int, n_lines: int
) -> _Lines:
    """One line per "A" invoice: StockCode B, Quantity 1, a large negative unit price."""
    return _Lines(
        invoice=first_invoice + np.arange(n),
        position=np.zeros(n),
        code=np.full(n, len(catalogue.codes) - 1),
        description=np.full(n, catalogue.empty_description - 1),
        quantity=np.ones(n, dtype=np.int64),
        price=-np.round(BAD_DEBT_PER_LINE * n_lines * np.exp(rng.normal(0.0, 0.5, n)), 2),
    )


def _number_invoices(
    *, day: date, first_invoice_no: int, kind: np.ndarray, minute: np.ndarray,
    customer: np.ndarray, country: np.ndarray, lines: _Lines, customer_ids: np.ndarray,
) -> _Day:
    """Number the day's invoices in time order (sales before cancellations in the same minute,
    so a cancellation always follows its sale) and sort lines by invoice and position."""
    order = np.lexsort((kind, minute))
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    line_order = np.lexsort((lines.position, rank[lines.invoice]))
    sorted_lines = lines.take(line_order)
    sorted_lines = _Lines(rank[sorted_lines.invoice], *(
        getattr(sorted_lines, f) for f in _LINE_FIELDS[1:]))
    sorted_customer = customer[order]
    return _Day(
        day=day,
        invoice_no=first_invoice_no + np.arange(len(order)),
        invoice_kind=kind[order],
        invoice_minute=minute[order],
        invoice_customer_id=np.where(sorted_customer >= 0,
                                     customer_ids[np.maximum(sorted_customer, 0)], -1),
        invoice_country=country[order],
        lines=sorted_lines,
    )


def _invoice_fields(day: _Day) -> tuple[list[str], list[str], list[str]]:
    """Per-invoice text: InvoiceNo, InvoiceDate, and 'CustomerID,Country'."""
    date_prefix = day.day.isoformat() + " "
    numbers = [
        _INVOICE_PREFIXES[k] + str(n)
        for k, n in zip(day.invoice_kind.tolist(), day.invoice_no.tolist())
    ]
    stamps = [date_prefix + _CLOCK[m] for m in day.invoice_minute.tolist()]
    tails = [
        (f"{c}.0," if c >= 0 else ",") + COUNTRIES[k][0]
        for c, k in zip(day.invoice_customer_id.tolist(), day.invoice_country.tolist())
    ]
    return numbers, stamps, tails


def _to_csv(
    day: _Day, catalogue: _Catalogue, number_text: tuple[_FormatCache, _FormatCache]
) -> bytes:
    """The day's file content. Text fields come from tables indexed with numpy and numbers from
    caches of formatted values, so the per-line work runs inside map and str.join."""
    lines = day.lines
    quantity_text, price_text = number_text
    numbers, stamps, tails = (np.array(f, dtype=object) for f in _invoice_fields(day))
    columns = (
        numbers[lines.invoice].tolist(),
        catalogue.codes[lines.code].tolist(),
        catalogue.descriptions[lines.description].tolist(),
        list(map(quantity_text.__getitem__, lines.quantity.tolist())),
        stamps[lines.invoice].tolist(),
        list(map(price_text.__getitem__, lines.price.tolist())),
        tails[lines.invoice].tolist(),
    )
    body = "\n".join(map(",".join, zip(*columns)))
    return (HEADER + body + ("\n" if body else "")).encode("utf-8")


class _FormatCache(dict):
    """Text of numbers: each distinct value is formatted once, on first use (a run has only a
    few thousand distinct quantities and prices)."""

    def __init__(self, fmt: Callable[[float], str]) -> None:
        super().__init__()
        self.fmt = fmt

    def __missing__(self, value: float) -> str:
        text = self[value] = self.fmt(value)
        return text


def _format_price(price: float) -> str:
    """Plain decimal like the source data: 2.55, 12.5, 0.0 - the shortest repr of a price
    rounded to at most 3 decimals, which never uses an exponent in the generated range."""
    return repr(price + 0.0)  # + 0.0 turns -0.0 into 0.0


def _csv_field(text: str) -> str:
    """Quote a field only when it holds a delimiter, quote or line break."""
    if any(ch in text for ch in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _unquote(field: str) -> str:
    if field.startswith('"'):
        return field[1:-1].replace('""', '"')
    return field


def _to_frame(day: _Day, codes: np.ndarray, descriptions: np.ndarray) -> pd.DataFrame:
    """The day's lines as typed columns (see generate_days)."""
    lines = day.lines
    numbers, _, _ = _invoice_fields(day)
    customer_id = day.invoice_customer_id[lines.invoice].astype(np.float64)
    customer_id[customer_id < 0] = np.nan
    stamp = (np.datetime64(day.day, "s")
             + day.invoice_minute[lines.invoice].astype("timedelta64[m]"))
    return pd.DataFrame({
        "InvoiceNo": np.array(numbers, dtype=object)[lines.invoice],
        "StockCode": codes[lines.code],
        "Description": descriptions[lines.description],
        "Quantity": lines.quantity.astype(np.int64),
        "InvoiceDate": stamp.astype("datetime64[s]"),
        "UnitPrice": lines.price + 0.0,
        "CustomerID": customer_id,
        "Country": np.array([name for name, _, _ in COUNTRIES], dtype=object)[
            day.invoice_country[lines.invoice]],
    })


def _write_atomically(path: Path, content: bytes) -> None:
    temp = path.with_name(f".{path.name}.tmp")  # hidden and not *.csv, so globs skip it
    temp.write_bytes(content)
    os.replace(temp, path)


def _remove_stale_files(out_dir: Path, keep: set[str]) -> None:
    for path in out_dir.iterdir():
        stale_day = _DAILY_FILE.match(path.name) and path.name not in keep
        if stale_day or _TEMP_FILE.match(path.name):
            path.unlink()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Write synthetic retail order lines, one CSV per trading day.")
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument("--lines", type=int, default=GeneratorConfig.n_lines,
                        help="approximate total lines")
    parser.add_argument("--seed", type=int, default=GeneratorConfig.seed)
    parser.add_argument("--days", type=int, default=GeneratorConfig.n_days, help="calendar days")
    parser.add_argument("--start", type=date.fromisoformat, default=GeneratorConfig.start_date,
                        help="first day, YYYY-MM-DD")
    args = parser.parse_args(argv)
    config = GeneratorConfig(
        n_lines=args.lines, start_date=args.start, n_days=args.days, seed=args.seed)
    print(write_order_lines(config, args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
