from portal.fastcache import VersionedCache

pages = VersionedCache("test-pages")


def test_a_value_built_while_a_change_lands_is_not_kept_as_current():
    def build_while_staff_edit():
        pages.bump()  # a change commits while the page is being built
        return "old page"

    assert pages.cached("index", build_while_staff_edit) == "old page"
    assert pages.cached("index", lambda: "new page") == "new page"
    assert pages.cached("index", lambda: "not built again") == "new page"
