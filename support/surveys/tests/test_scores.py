import pytest

from support.surveys.scores import csat_of, csat_score, nps_of, nps_score, response_rate


def test_csat_is_the_share_of_four_and_five():
    assert csat_of([5, 4, 3, 2]) == 50.0
    assert csat_of([1, 2, 3]) == 0.0
    assert csat_of([4, 5, 5]) == 100.0
    assert csat_of([5, 4, 1]) == pytest.approx(66.7)


def test_csat_without_answers_is_undefined_not_zero():
    assert csat_of([]) is None
    assert csat_score(0, 0) is None


def test_nps_is_promoters_minus_detractors():
    # 2 promoters (9, 10), 2 passives (7, 8), 1 detractor (6): 40 % − 20 %
    assert nps_of([9, 10, 7, 8, 6]) == 20.0
    assert nps_of([0, 6, 3]) == -100.0
    assert nps_of([7, 8]) == 0.0


def test_nps_edge_cases():
    assert nps_of([]) is None
    assert nps_score(0, 0, 0) is None
    assert nps_of([9, 10, 10]) == 100.0  # all promoters
    assert nps_of([6]) == -100.0  # 6 is still a detractor
    assert nps_of([9]) == 100.0  # 9 is already a promoter


def test_response_rate():
    assert response_rate(3, 4) == 75.0
    assert response_rate(0, 0) is None
