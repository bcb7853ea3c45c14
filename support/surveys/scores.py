"""The arithmetic of satisfaction scores, as database aggregates and as plain functions."""

from django.db.models import Count, Q

PROMOTER_MIN = 9
DETRACTOR_MAX = 6
HAPPY_MIN = 4
LOW_CSAT_MAX = 2  # CSAT ratings up to this open a follow-up (so do NPS detractors)


def csat_aggregates(prefix=""):
    """Count(...) expressions for annotate/aggregate over CSAT answers (`prefix` for joins)."""
    return {
        "answers": Count(f"{prefix}pk"),
        "happy": Count(f"{prefix}pk", filter=Q(**{f"{prefix}rating__gte": HAPPY_MIN})),
    }


def nps_aggregates(prefix=""):
    return {
        "answers": Count(f"{prefix}pk"),
        "promoters": Count(f"{prefix}pk", filter=Q(**{f"{prefix}score__gte": PROMOTER_MIN})),
        "detractors": Count(f"{prefix}pk", filter=Q(**{f"{prefix}score__lte": DETRACTOR_MAX})),
    }


def csat_score(happy, answers):
    """Share of 4 and 5 ratings, in percent; None when nobody answered."""
    if not answers:
        return None
    return round(100 * happy / answers, 1)


def nps_score(promoters, detractors, answers):
    """% promoters (9–10) − % detractors (0–6), from −100 to 100; None when nobody answered."""
    if not answers:
        return None
    return round(100 * (promoters - detractors) / answers, 1)


def csat_of(ratings):
    ratings = list(ratings)
    return csat_score(sum(1 for rating in ratings if rating >= HAPPY_MIN), len(ratings))


def nps_of(scores):
    scores = list(scores)
    promoters = sum(1 for score in scores if score >= PROMOTER_MIN)
    detractors = sum(1 for score in scores if score <= DETRACTOR_MAX)
    return nps_score(promoters, detractors, len(scores))


def response_rate(answered, asked):
    if not asked:
        return None
    return round(100 * answered / asked, 1)


def with_csat(row):
    """Add the score to a row of csat_aggregates()."""
    return {**row, "score": csat_score(row["happy"], row["answers"])}


def with_nps(row):
    return {**row, "score": nps_score(row["promoters"], row["detractors"], row["answers"])}
