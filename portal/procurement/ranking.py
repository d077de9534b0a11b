"""The arithmetic of a lot's ranking, with the working of every figure. Pure Python: no
database, no Flask.

- A question's points: consensus score / 4 × the question's weight (its share of quality in
  the lot, per cent) × the tender's quality weight. "3 / 4 × 40 % × 70 = 21.00".
- A bid's quality score: the sum of its questions' points.
- A bid's price score: the lowest price among the lot's bids / the bid's price × the price
  weight. "£150,000.00 (lowest price) / £200,000.00 × 30 = 22.50".
- Its total: quality score + price score.
- The ranking: highest total first; equal totals are split by the higher quality score; bids
  equal in both share a place (1, 1, 3).

Every figure is an exact ``Decimal`` (divisions to 28 significant digits); the ranking compares
them exactly. ``shown`` rounds to 2 places, half up, for display only.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def shown(value: Decimal) -> str:
    """A figure for people: 2 decimal places, half up ("84.13")."""
    return str(Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP))


def pounds(value: Decimal) -> str:
    return f"£{Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP):,}"


@dataclass(frozen=True)
class QuestionScore:
    """A bid's consensus score for one quality question of its lot."""

    question_id: int
    number: int
    text: str
    weight: int
    score: int
    reason: str

    def points(self, quality_weight: int) -> Decimal:
        return Decimal(self.score) / 4 * Decimal(self.weight) / 100 * quality_weight

    def working(self, quality_weight: int) -> str:
        return f"{self.score} / 4 × {self.weight} % × {quality_weight} = {shown(self.points(quality_weight))}"


@dataclass(frozen=True)
class BidFigures:
    """What a bid is ranked on: its price and its consensus scores."""

    bid_id: int
    provider_id: int
    provider_name: str
    price: Decimal
    questions: tuple[QuestionScore, ...]
    #: Set when an amendment came after the bid and the provider has not confirmed it since.
    reconfirm_since: datetime | None = None
    provider_slug: str = ""


@dataclass(frozen=True)
class Ranked:
    bid: BidFigures
    rank: int
    quality: Decimal
    price_score: Decimal
    total: Decimal
    quality_working: str
    price_working: str
    total_working: str
    lines: tuple[tuple[QuestionScore, Decimal, str], ...]


def price_score(lowest: Decimal, price: Decimal, price_weight: int) -> Decimal:
    if price_weight == 0:
        return Decimal(0)
    return Decimal(lowest) / Decimal(price) * price_weight


def rank_bids(bids: list[BidFigures], quality_weight: int, price_weight: int) -> list[Ranked]:
    """The lot's bids ranked, each figure with its working (``[]`` for no bids)."""
    if not bids:
        return []
    lowest = min(bid.price for bid in bids)
    figures = []
    for bid in bids:
        lines = tuple((q, q.points(quality_weight), q.working(quality_weight))
                      for q in sorted(bid.questions, key=lambda q: q.number))
        quality = sum((points for _q, points, _w in lines), Decimal(0))
        price = price_score(lowest, bid.price, price_weight)
        total = quality + price
        quality_working = (" + ".join(shown(points) for _q, points, _w in lines) + f" = {shown(quality)}"
                           if len(lines) > 1 else shown(quality))
        price_working = (f"{pounds(lowest)} (lowest price) / {pounds(bid.price)} × {price_weight} = {shown(price)}"
                         if price_weight else "Price carries no weight: 0.00")
        figures.append(dict(bid=bid, quality=quality, price_score=price, total=total, quality_working=quality_working,
                            price_working=price_working,
                            total_working=f"{shown(quality)} + {shown(price)} = {shown(total)}", lines=lines))
    figures.sort(key=lambda f: (-f["total"], -f["quality"], f["bid"].price, f["bid"].bid_id))
    ranked: list[Ranked] = []
    for position, item in enumerate(figures, start=1):
        previous = ranked[-1] if ranked else None
        tied = previous is not None and previous.total == item["total"] and previous.quality == item["quality"]
        ranked.append(Ranked(rank=previous.rank if tied else position, **item))
    return ranked
