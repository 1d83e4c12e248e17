"""A bad filter value re-shows the page's own filter form with the field marked and said what is
wrong in the reader's language (400; 403 for an office outside the scope), never a bare English
"from: must not be after to". Also: which filters each page offers, and who sees comments."""

import re

import pytest

from tests.dashboards.support import YEAR

# Every dashboard page with the filter bar (the dossiers' pages are components' pages with it).
FILTER_PAGES = ["/dashboard", "/dashboard/office/LDG-NGN", "/dashboard/compare", "/dashboard/comments",
                "/dashboard/kiosks", "/dashboard/sms", "/dashboard/dossiers/late",
                "/dashboard/integrity"]
UNDATED = ("/dashboard/kiosks",)


def field(html, name):
    """The opening tag of the form field `name`."""
    match = re.search(rf'<(?:select|input)[^>]*name="{name}"[^>]*>', html)
    assert match, f"no {name} field"
    return match.group(0)


def message_under(html, name):
    match = re.search(rf'<span class="field-error" id="problem-{name}">([^<]+)</span>', html)
    return match and match.group(1)


@pytest.mark.parametrize("url", FILTER_PAGES)
def test_a_range_ending_before_it_starts_re_shows_the_form_with_the_date_marked(as_user, url):
    client = as_user("tinh")
    response = client.get(url, query_string={"preset": "custom", "from": "2026-05-01", "to": "2026-04-01"})
    html = response.text
    assert response.status_code == 400
    if url in UNDATED:  # no date fields: the problem is named above the form
        assert re.search(r'<li data-problem="from">Ngày đầu không được sau ngày cuối.</li>', html)
        assert "must not be after" not in html and "Tổng quan" in html
        return
    assert 'aria-invalid="true"' in field(html, "from") and 'value="2026-05-01"' in field(html, "from")
    assert 'value="2026-04-01"' in field(html, "to")  # kept as typed, to be corrected
    assert message_under(html, "from") == "Ngày đầu không được sau ngày cuối."
    assert "must not be after" not in html and "from:" not in html
    assert 'name="preset"' in html and 'value="custom" selected' in html
    assert "Tổng quan" in html  # the site's layout, with its menu


def test_the_message_is_english_when_the_reader_chose_english(as_user):
    client = as_user("tinh")
    client.get("/language/en")
    html = client.get("/dashboard", query_string={"preset": "custom", "from": "2026-05-01", "to": "2026-04-01"}).text
    assert message_under(html, "from") == "The first day must not be after the last day."
    assert "Ngày đầu" not in html


@pytest.mark.parametrize("params, name, words", [
    ({"preset": "custom", "from": "31/12/2026"}, "from", "YYYY-MM-DD"),
    ({"preset": "custom", "from": "2026-02-30"}, "from", "2026-02-30 không phải là một ngày có thật"),
    ({"preset": "custom", "to": "1999-01-01"}, "to", "chọn một ngày từ"),
    ({"period": "fortnight"}, "period", "“fortnight” không có trong danh sách"),
    ({"preset": "someday"}, "preset", "“someday” không có trong danh sách"),
    ({"channel": "fax"}, "channel", "“fax” không có trong danh sách"),
    ({"structure": "imaginary"}, "structure", "“imaginary” không có trong danh sách"),
])
def test_each_kind_of_bad_value_is_said_in_vietnamese_under_its_field(as_user, params, name, words):
    response = as_user("tinh").get("/dashboard", query_string=params)
    assert response.status_code == 400
    assert 'aria-invalid="true"' in field(response.text, name)
    assert words in message_under(response.text, name)
    assert "must be" not in response.text


def test_the_figures_under_a_marked_form_are_the_view_without_the_bad_value(as_user):
    client = as_user("tinh")
    good = client.get("/dashboard", query_string={**YEAR, "channel": "sms"}).text
    marked = client.get("/dashboard", query_string={**YEAR, "channel": "sms", "period": "fortnight"})
    figure = re.compile(r'data-figure="responses">([^<]+)<')
    assert marked.status_code == 400 and figure.search(marked.text)[1] == figure.search(good)[1]


def test_a_filter_the_page_does_not_show_is_still_named_above_the_form(as_user):
    html = as_user("tinh").get("/dashboard/sms", query_string={"channel": "fax"}).text  # SMS has no channel field
    assert 'name="channel"' not in html
    assert re.search(r'<li data-problem="channel">Kênh: “fax” không có', html)


def test_an_office_outside_the_scope_or_unknown_marks_the_office_field_alike(as_user):
    client = as_user("giangia")
    seen = []
    for code in ("LDG-QKH", "NO-SUCH-OFFICE"):
        response = client.get("/dashboard/comments", query_string={**YEAR, "office": code})
        assert response.status_code == 403 and 'aria-invalid="true"' in field(response.text, "office")
        seen.append(message_under(response.text, "office").replace(code, "CODE"))
        assert "Đắk Glong" not in response.text
    assert seen[0] == seen[1] and seen[0].startswith("Ngoài phạm vi của bạn")


def test_a_download_with_a_bad_value_answers_the_error_page_in_vietnamese(as_user):
    response = as_user("tinh").get("/dashboard/export.csv", query_string={"preset": "custom", "from": "2026-05-01",
                                                                          "to": "2026-04-01"})
    assert response.status_code == 400 and "Ngày đầu không được sau ngày cuối." in response.text
    assert "Về trang tổng quan" in response.text


@pytest.mark.parametrize("url", ["/dashboard/dossiers/late", "/dashboard/integrity"])
def test_the_dossier_pages_offer_only_the_filters_that_apply_to_dossiers(as_user, url):
    html = as_user("tinh").get(url).text
    for meaningless in ("channel", "include_misuse", "period"):
        assert f'name="{meaningless}"' not in html, meaningless
    for applies in ("office", "preset", "from", "to", "structure"):
        assert f'name="{applies}"' in html, applies


def test_a_viewer_is_not_shown_comments_nor_offered_the_page(as_user):
    viewer = as_user("xem")
    response = viewer.get("/dashboard/comments", query_string=YEAR)
    assert response.status_code == 403 and "Ngoài phạm vi của bạn" in response.text
    assert 'class="comment' not in response.text and "<blockquote" not in response.text
    assert 'href="/dashboard/comments"' not in viewer.get("/dashboard", query_string=YEAR).text
    supervisor = as_user("giangia")
    assert 'href="/dashboard/comments"' in supervisor.get("/dashboard", query_string=YEAR).text
    assert supervisor.get("/dashboard/comments", query_string=YEAR).status_code == 200


@pytest.mark.parametrize("url, current", [("/dashboard/integrity", "/dashboard/integrity"),
                                          ("/dashboard/dossiers/late", "/dashboard/dossiers/late"),
                                          ("/dashboard/cases/999999", "/dashboard/cases")])
def test_the_menu_marks_one_page_as_current(as_user, url, current):
    html = as_user("tinh").get(url).text
    nav = re.search(r'<nav class="main">(.*?)</nav>', html, re.S).group(1)
    marked = re.findall(r'<a href="([^"]+)"\s*aria-current="page"', nav)
    assert marked == [current]
