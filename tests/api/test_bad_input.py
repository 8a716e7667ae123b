"""Bad input answers a clear 4xx naming the parameter or field, never 500."""

import json
import xml.etree.ElementTree as ET

import pytest
from rest_framework.test import APIClient

from tests import factories as f
from tests.factories import verify
from tracker import models
from tracker.api.graph import graph_to_svg
from tracker.api.renderers import CSVRenderer

pytestmark = pytest.mark.django_db


@pytest.fixture
def curator_api(curator):
    client = APIClient()
    client.force_authenticate(curator)
    return client


# --- NUL bytes -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "params", "name"),
    [
        ("/api/states/", {"code": "\x00"}, "code"),
        ("/api/transfers/", {"supplier": "C\x00A"}, "supplier"),
        ("/api/organizations/", {"q": "x\x00"}, "q"),
        ("/api/supply-chain/paths/", {"from": "\x00", "to": "AZ"}, "from"),
        ("/api/supply-chain/reach/", {"component": "a\x00"}, "component"),
        ("/api/permit-status/", {"authority": "CA", "target": "T\x00R", "on": "2020"}, "target"),
    ],
)
def test_a_nul_byte_in_a_query_parameter_answers_400_naming_it(api_client, url, params, name):
    response = api_client.get(url, params)
    assert response.status_code == 400, response.content
    assert name in response.json()


def test_a_nul_byte_in_a_parameter_name_answers_400(api_client):
    response = api_client.get("/api/states/?co%00de=CA")
    assert response.status_code == 400


@pytest.mark.parametrize(
    "url",
    [
        "/api/organizations/x%00/",
        "/api/states/C%00A/",
        "/api/transfers/1%00/",
        "/api/organizations/x%00/history/",
        "/api/states/C%00A/timeline/",
    ],
)
def test_a_nul_byte_in_a_path_key_answers_404(api_client, url):
    assert api_client.get(url).status_code == 404


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"supplier": "C\x00A"}, "supplier"),
        ({"note": "a\x00b"}, "note"),
        ({"intermediaries": ["C\x00A"]}, "intermediaries"),
    ],
)
def test_a_nul_byte_in_a_posted_value_answers_400_naming_the_field(curator_api, payload, field):
    a, b, item = f.StateFactory(), f.StateFactory(), f.PlatformFactory()
    body = {"supplier": a.code, "recipient": b.code, "item": item.slug, **payload}
    response = curator_api.post("/api/transfers/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not models.Transfer.objects.exists()


def test_a_nul_byte_in_a_form_post_answers_400(curator_api):
    response = curator_api.post("/api/conflicts/", {"name": "War", "slug": "w\x00ar"})
    assert response.status_code == 400
    assert "slug" in response.json()


# --- malformed values --------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["%", "%%", "2020-%", "%(x)s"])
def test_a_percent_sign_in_a_date_filter_answers_400(api_client, value):
    response = api_client.get("/api/transfers/", {"date_after": value})
    assert response.status_code == 400
    assert "date_after" in response.json()


def test_patching_evidence_without_its_fact_changes_only_the_note(curator_api):
    evidence = f.EvidenceFactory()
    response = curator_api.patch(f"/api/evidence/{evidence.pk}/", {"note": "x"}, format="json")
    assert response.status_code == 200, response.content
    evidence.refresh_from_db()
    assert evidence.note == "x"
    assert evidence.transfer_id is not None


def test_patching_evidence_with_a_kind_but_no_fact_names_the_missing_field(curator_api):
    evidence = f.EvidenceFactory()
    response = curator_api.patch(
        f"/api/evidence/{evidence.pk}/", {"fact_kind": "state"}, format="json"
    )
    assert response.status_code == 400
    assert "fact" in response.json()


def test_json_nested_100000_deep_answers_400(curator_api):
    body = "[" * 100_000 + "]" * 100_000
    response = curator_api.post("/api/conflicts/", body, content_type="application/json")
    assert response.status_code == 400
    assert "deep" in response.json()["detail"]


def test_json_nested_beyond_the_limit_answers_400_even_when_short(curator_api):
    nested = "x"
    for _ in range(50):
        nested = [nested]
    body = json.dumps({"name": "War", "slug": "war", "description": nested})
    response = curator_api.post("/api/conflicts/", body, content_type="application/json")
    assert response.status_code == 400


# --- query parameters: unknown names, orderings, pages, repeats ------------------------------


@pytest.mark.parametrize(
    ("url", "name", "listed"),
    [
        ("/api/permit-decisions/?target_state=TR", "target_state", "target_state_id"),
        ("/api/evidence/?source=2", "source", "source_id"),
        ("/api/transfers/?supplier=CA&suplier=TR", "suplier", "supplier"),
        ("/api/states/CA/?bogus=1", "bogus", "code"),
        ("/api/supply-chain/paths/?from=CA&to=AZ&max_hop=3", "max_hop", "max_hops"),
    ],
)
def test_an_unknown_query_parameter_answers_400_listing_the_accepted_ones(
    api_client, url, name, listed
):
    f.StateFactory(code="CA")
    response = api_client.get(url)
    assert response.status_code == 400, response.content
    message = " ".join(response.json()[name])
    assert "Unknown query parameter" in message and listed in message
    if "/supply-chain/" not in url:
        assert "ordering" in message and ("page" in message or "cursor" in message)


def test_documented_parameters_are_accepted(api_client):
    verify(f.StateFactory(code="CA"))
    response = api_client.get(
        "/api/transfers/", {"supplier": "CA", "ordering": "-id", "format": "json"}
    )
    assert response.status_code == 200, response.content
    assert api_client.get("/api/states/", {"page": 1, "ordering": "-code"}).status_code == 200


def test_an_unknown_ordering_answers_400_listing_the_accepted_ones(api_client):
    response = api_client.get("/api/transfers/", {"ordering": "-nope,id"})
    assert response.status_code == 400
    message = " ".join(response.json()["ordering"])
    assert "-nope" in message and "order_date" in message


@pytest.mark.parametrize("page", ["-1", "0", "abc", "1.5", "２", "3"])
def test_a_page_that_names_no_page_answers_400(api_client, page):
    verify(f.ConflictFactory())
    response = api_client.get("/api/conflicts/", {"page": page})
    assert response.status_code == 400, response.content
    assert "page" in response.json()


def test_the_first_and_last_pages_are_pages(api_client):
    verify(f.ConflictFactory())
    assert api_client.get("/api/conflicts/", {"page": "1"}).status_code == 200
    assert api_client.get("/api/conflicts/", {"page": "last"}).status_code == 200


@pytest.mark.parametrize(
    ("url", "name", "factory", "values", "key"),
    [
        (
            "/api/permit-decisions/",
            "action",
            f.PermitDecisionFactory,
            ["suspend", "freeze", "deny"],
            "id",
        ),
        (
            "/api/transfers/",
            "status",
            f.TransferFactory,
            ["ordered", "delivered", "cancelled"],
            "id",
        ),
        ("/api/organizations/", "kind", f.OrganizationFactory, ["court", "ngo", "media"], "slug"),
    ],
)
def test_a_choice_filter_accepts_repeats(curator_api, url, name, factory, values, key):
    """``?action=suspend&action=freeze`` keeps both, not only the last."""
    records = [factory(**{name: value}) for value in values]
    response = curator_api.get(url, {name: values[:2]})
    assert response.status_code == 200, response.content
    found = {row[key] for row in response.json()["results"]}
    assert found == {getattr(record, key) for record in records[:2]}


@pytest.mark.parametrize("value", [" 2020", "2020 ", "２０２０", "2020\n", "٢٠٢٠-05"])
def test_a_partial_date_filter_refuses_spaces_and_non_ascii_digits(api_client, value):
    response = api_client.get("/api/transfers/", {"date_after": value})
    assert response.status_code == 400
    assert "date_after" in response.json()


# --- exports --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "note", ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]
)
def test_csv_cells_that_a_spreadsheet_would_run_are_escaped(api_client, note):
    transfer = f.TransferFactory(note=note)
    verify(transfer)
    response = api_client.get("/api/transfers/", {"format": "csv"})
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(response.getvalue().decode(), newline="")))
    assert rows[0]["note"] == "'" + note


def test_csv_renderer_leaves_ordinary_cells_alone():
    text = CSVRenderer().render([{"a": "2019-10", "b": "L3Harris", "c": None}]).decode()
    assert text.splitlines() == ["a,b,c", "2019-10,L3Harris,"]


def test_svg_stays_valid_xml_when_a_name_holds_control_characters(api_client):
    ca, az = f.StateFactory(code="CA", name="Can\x01ada\x0b"), f.StateFactory(code="AZ")
    item = f.ItemFactory(name='Cam\x1fera <&> "q"', country_of_origin=ca, manufacturer=None)
    transfer = f.TransferFactory(supplier=ca, recipient=az, item=item)
    for record in (ca, az, item, transfer):
        verify(record)
    response = api_client.get(
        "/api/supply-chain/paths/", {"from": "CA", "to": "AZ", "format": "svg"}
    )
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    texts = " ".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))
    assert "Can\ufffdada" in texts and '<&> "q"' in texts


def test_svg_of_a_graph_with_every_forbidden_character_parses():
    forbidden = "".join(chr(c) for c in [*range(0, 9), 11, 12, *range(14, 32), 0xFFFE, 0xFFFF])
    graph = {"nodes": [{"id": "a", "label": forbidden, "kind": "item"}], "edges": []}
    ET.fromstring(graph_to_svg(graph, title=forbidden + "&<"))


# --- the OpenAPI schema says what the answers are ---------------------------------------------


@pytest.fixture(scope="module")
def openapi():
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)


def response_schema(openapi, path):
    content = openapi["paths"][path]["get"]["responses"]["200"]["content"]
    return content["application/json"]["schema"]


def test_history_is_documented_as_an_array_and_the_timeline_as_a_page(openapi):
    assert response_schema(openapi, "/api/states/{code}/history/")["type"] == "array"
    page = response_schema(openapi, "/api/states/{code}/timeline/")["$ref"].rsplit("/", 1)[-1]
    assert openapi["components"]["schemas"][page]["properties"]["results"]["type"] == "array"


def test_history_answers_an_array_and_the_timeline_a_page(api_client):
    state = f.StateFactory(code="CA")
    verify(state)
    assert isinstance(api_client.get("/api/states/CA/history/").json(), list)
    assert isinstance(api_client.get("/api/states/CA/timeline/").json()["results"], list)


@pytest.mark.parametrize(
    ("component", "field"),
    [
        ("State", "verified_at"),
        ("ControlListCategory", "parent"),
        ("ControlListCategory", "verified_at"),
        ("Transfer", "supplier_organization"),
        ("Transfer", "supplier_party"),
        ("PermitDecision", "ends"),
        ("Item", "manufacturer"),
    ],
)
def test_nullable_fields_are_documented_as_nullable(openapi, component, field):
    assert openapi["components"]["schemas"][component]["properties"][field].get("nullable")


@pytest.mark.parametrize("value", ["99999999999999999999999", "-1", "1e3", "１"])
def test_an_id_filter_with_something_that_is_no_id_answers_400(api_client, value):
    response = api_client.get("/api/transfers/", {"supplier_id": value})
    assert response.status_code == 400
    assert "supplier_id" in response.json()


@pytest.mark.parametrize("key", ["99999999999999999999999", "abc", "１"])
def test_a_detail_key_that_is_no_id_answers_404(api_client, key):
    assert api_client.get(f"/api/transfers/{key}/").status_code == 404
