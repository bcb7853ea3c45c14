from django.test import Client


def test_robots_txt_keeps_crawlers_to_the_public_pages_and_names_the_sitemap(db, settings):
    settings.SITE_URL = "https://support.example.com"

    response = Client().get("/robots.txt")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert lines[0] == "User-agent: *"
    for private in ("/admin/", "/accounts/", "/tickets/", "/status/subscribe/", "/kb/search/"):
        assert f"Disallow: {private}" in lines
    assert "Disallow: /status/" not in lines
    assert "Disallow: /kb/" not in lines
    assert lines[-1] == "Sitemap: https://support.example.com/sitemap.xml"
    assert Client().get("/sitemap.xml").status_code == 200
