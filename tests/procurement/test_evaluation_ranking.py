"""Scores and ranking against hand-computed figures (the worked example in evaluation_setup:
three bids, two questions, quality 70 and price 30), pure and through the moderated lot."""
from __future__ import annotations

from decimal import Decimal

import pytest

from portal.procurement.ranking import BidFigures, QuestionScore, rank_bids, shown
from tests.procurement.evaluation_setup import evaluated, market


def _bid(bid_id: int, name: str, price: str, q1: int, q2: int) -> BidFigures:
    return BidFigures(bid_id=bid_id, provider_id=bid_id, provider_name=name, price=Decimal(price), questions=(
        QuestionScore(question_id=1, number=1, text="Staying well", weight=60, score=q1, reason="r1"),
        QuestionScore(question_id=2, number=2, text="Staff", weight=40, score=q2, reason="r2")))


WORKED = [_bid(1, "Fern Care", "200000.00", 3, 4), _bid(2, "Oak Care", "160000.00", 4, 2),
          _bid(3, "Ash Care", "150000.00", 2, 3)]


def test_the_worked_example_by_hand():
    ranked = {r.bid.provider_name: r for r in rank_bids(WORKED, 70, 30)}
    # Fern: 3/4 × 60 % × 70 = 31.5 and 4/4 × 40 % × 70 = 28; 150,000 / 200,000 × 30 = 22.5
    assert ranked["Fern Care"].quality == Decimal("59.5")
    assert ranked["Fern Care"].price_score == Decimal("22.5")
    assert ranked["Fern Care"].total == Decimal("82.0")
    # Oak: 42 + 14 = 56; 150,000 / 160,000 × 30 = 28.125, total 84.125, shown 84.13 (half up)
    assert ranked["Oak Care"].quality == Decimal("56")
    assert ranked["Oak Care"].price_score == Decimal("28.125")
    assert ranked["Oak Care"].total == Decimal("84.125") and shown(ranked["Oak Care"].total) == "84.13"
    # Ash: 21 + 21 = 42; the lowest price scores the whole price weight, 30
    assert (ranked["Ash Care"].quality, ranked["Ash Care"].price_score) == (Decimal("42"), Decimal("30"))
    assert [r.rank for r in (ranked["Oak Care"], ranked["Fern Care"], ranked["Ash Care"])] == [1, 2, 3]


def test_every_figure_says_how_it_was_worked_out():
    oak = next(r for r in rank_bids(WORKED, 70, 30) if r.bid.provider_name == "Oak Care")
    assert [working for _q, _points, working in oak.lines] == ["4 / 4 × 60 % × 70 = 42.00",
                                                                "2 / 4 × 40 % × 70 = 14.00"]
    assert oak.quality_working == "42.00 + 14.00 = 56.00"
    assert oak.price_working == "£150,000.00 (lowest price) / £160,000.00 × 30 = 28.13"
    assert oak.total_working == "56.00 + 28.13 = 84.13"  # exact 84.125; each figure rounded for display


def _one(bid_id: int, name: str, price: str, score: int) -> BidFigures:
    return BidFigures(bid_id=bid_id, provider_id=bid_id, provider_name=name, price=Decimal(price), questions=(
        QuestionScore(question_id=1, number=1, text="Staying well", weight=100, score=score, reason=""),))


def test_ties_are_split_by_quality_and_equal_bids_share_a_place():
    # Quality 50, price 50. Pine: 4/4 × 100 % × 50 = 50 + 100/200 × 50 = 25 -> 75.
    # Elm: 2/4 × 100 % × 50 = 25 + 100/100 × 50 = 50 -> 75. Equal totals: the better quality first.
    ranked = rank_bids([_one(1, "Elm Care", "100.00", 2), _one(2, "Pine Care", "200.00", 4)], 50, 50)
    assert [(r.bid.provider_name, r.rank, r.total) for r in ranked] == [("Pine Care", 1, Decimal(75)),
                                                                         ("Elm Care", 2, Decimal(75))]
    # Equal in both: they share a place, and the next bid takes the place after them.
    twins = rank_bids([WORKED[0], _bid(5, "Twin Care", "200000.00", 3, 4), WORKED[2]], 70, 30)
    assert sorted((r.bid.provider_name, r.rank) for r in twins) == [("Ash Care", 3), ("Fern Care", 1),
                                                                    ("Twin Care", 1)]


def test_no_price_weight_and_no_bids():
    ranked = rank_bids(WORKED, 100, 0)
    assert all(r.price_score == 0 for r in ranked)
    assert ranked[0].bid.provider_name == "Fern Care"  # 85.00 on quality alone
    assert ranked[0].price_working == "Price carries no weight: 0.00"
    assert rank_bids([], 70, 30) == []


@pytest.mark.parametrize("weight, score, expected", [(33, 1, "5.78"), (25, 3, "13.13"), (100, 4, "70.00")])
def test_display_rounds_half_up_to_two_places(weight, score, expected):
    question = QuestionScore(question_id=1, number=1, text="", weight=weight, score=score, reason="")
    assert shown(question.points(70)) == expected


def test_the_moderated_lot_ranks_as_by_hand(app, client, api_token):
    m = evaluated(app, market(app))
    headers = {"Authorization": f"Bearer {api_token(m['lead'].email)}"}
    body = client.get(f"/api/v1/tenders/{m['tender'].id}/lots/1/ranking", headers=headers).get_json()
    assert [(b["provider"]["name"], b["rank"], b["quality"], b["price_score"], b["total"]) for b in body["bids"]] == [
        ("Oak Care", 1, "56.00", "28.13", "84.13"), ("Fern Care", 2, "59.50", "22.50", "82.00"),
        ("Ash Care", 3, "42.00", "30.00", "72.00")]
    assert body["bids"][0]["questions"][0]["working"] == "4 / 4 × 60 % × 70 = 42.00"
    assert body["bids"][1]["price_working"] == "£150,000.00 (lowest price) / £200,000.00 × 30 = 22.50"
    assert body["bids"][0]["price"] == "160000.00"
