"""Every transactional test starts with what the data migrations seeded (root conftest)."""

from support.tickets.models import Category


def test_first_transactional_test_empties_the_tables(transactional_db):
    Category.objects.all().delete()


def test_seed_is_back_for_later_transactional_tests(transactional_db):
    assert Category.objects.filter(slug="website-down").exists()
