from support.reports.problems import frequent_words


def test_a_phrase_as_frequent_as_its_words_stands_in_for_them():
    rows = [
        {"category__name": "Web", "subject": "SSL certificate expired", "count": 3},
        {"category__name": "Web", "subject": "SSL certificate renewal", "count": 2},
        {"category__name": "Web", "subject": "Website expired", "count": 1},
        {"category__name": "Mail", "subject": "Mailbox quota", "count": 2},
    ]
    assert frequent_words(rows) == {
        # "ssl" and "certificate" (5) are in "ssl certificate" (5), "renewal" (2) in
        # "certificate renewal" (2); "expired" (4) is only in a phrase of 3; "website" once.
        "Web": [
            ("ssl certificate", 5),
            ("expired", 4),
            ("certificate expired", 3),
            ("certificate renewal", 2),
        ],
        "Mail": [("mailbox quota", 2)],
    }
    assert list(frequent_words(rows)) == ["Web", "Mail"]
