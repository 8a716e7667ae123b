"""Extraction rules, one behaviour per test: sentences, decision triggers and exclusions,
authority and target, dates, organisations and items, page clutter."""

import datetime as dt
import json
from pathlib import Path

import pytest
from django.conf import settings

from tracker.choices import DatePrecision
from tracker.partial_dates import PartialDate
from tracker.services.ingest.dates import temporal_phrases
from tracker.services.ingest.extract import Lexicon, extract
from tracker.services.ingest.reading import read_article
from tracker.services.ingest.sentences import split_sentences

CORPUS = Path(__file__).resolve().parent.parent / "ingest_corpus"
THURSDAY = dt.date(2024, 3, 14)


@pytest.fixture(scope="module")
def lexicon():
    """The states fixture's names and aliases, as ``Lexicon.from_database`` reads them after
    ``loaddata states`` (read from the file: these rules need no database)."""
    records = json.loads((Path(settings.BASE_DIR) / "fixtures" / "states.json").read_text())
    current = {
        r["fields"]["code"]: r["fields"]["name"]
        for r in records
        if r["model"] == "tracker.state" and r["fields"]["status"] == "current"
    }
    states = {name: code for code, name in current.items()}
    capitals = set()
    for r in records:
        if r["model"] == "tracker.statealias" and r["fields"]["state"][0] in current:
            states[r["fields"]["name"]] = r["fields"]["state"][0]
            if r["fields"]["kind"] == "capital":
                capitals.add(r["fields"]["name"])
    return Lexicon(
        states=states, organizations={}, items={}, state_names=current, capitals=capitals
    )


def draft(lexicon, text, published=THURSDAY):
    return extract(text, published=published, lexicon=lexicon).as_json()


def decisions(lexicon, text, published=THURSDAY):
    return [
        (d["authority"], d["target"], d["action"], d["date"], d["date_precision"])
        for d in draft(lexicon, text, published)["permit_decisions"]
    ]


def keys(lexicon, text, published=THURSDAY):
    return [(a, t, action) for a, t, action, *_ in decisions(lexicon, text, published)]


# --- sentences -----------------------------------------------------------------------------

TRICKY = [
    "Ottawa put the permits on hold\nNo new licences will be issued, the minister said.",
    'He said: "We will not grant any new licences."\nThe ministry confirmed it.',
    "The U.S. State Department approved the sale. Officials in Washington D.C. agreed.",
    "GERMANY HALTS ARMS SALES\n\nBy Jane Doe, Berlin\nRelated: more news\nBerlin acted.",
    "  Leading space.\n\n\nTrailing lines without punctuation  \n",
    "Mr. Smith of Acme Corp. left on Jan. 5. Then he came back.",
]


def _tiles(body: str) -> None:
    parts = split_sentences(body)
    assert "".join(body[s.start : s.end] for s in parts) == body
    for a, b in zip(parts, parts[1:], strict=False):
        assert a.end == b.start
    for s in parts:
        assert body[s.quote_start : s.quote_end] == s.text and s.text == s.text.strip()


@pytest.mark.parametrize("body", TRICKY)
def test_every_character_lands_in_exactly_one_sentence(body):
    _tiles(body)


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*.txt")), ids=lambda p: p.name)
def test_every_corpus_body_is_covered_by_its_sentences(path):
    _tiles(read_article(path).body)


def test_lines_and_closing_quotes_end_sentences_but_abbreviations_do_not():
    texts = [s.text for s in split_sentences(TRICKY[0] + "\n" + TRICKY[1] + "\n" + TRICKY[2])]
    assert "Ottawa put the permits on hold" in texts
    assert 'He said: "We will not grant any new licences."' in texts
    assert "The U.S. State Department approved the sale." in texts


# --- decisions: word families ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Norway loosened its restrictions on arms sales to Chile on Monday.", "lift"),
        ("Norway announced the lifting of the ban on arms sales to Chile on Monday.", "lift"),
        ("The freeze on arms exports to Chile will be lifted, Norway said on Monday.", "lift"),
        ("Norway resumed issuing export licences for Chile on Monday.", "lift"),
        ("Norway will block all exports of military goods to Chile, it said on Monday.", "suspend"),
        (
            "Norway will not grant any new licences for arms sales to Chile, it said Monday.",
            "suspend",
        ),
        ("Norway said on Monday it would stop exporting ammunition to Chile.", "suspend"),
        ("Norway put the export of patrol boats to Chile on hold on Monday.", "suspend"),
        ("There will be no new licences for Chile, Norway's minister said on Monday.", "suspend"),
        ("Norway halted arms exports to Chile on Monday.", "suspend"),
        ("Norway froze arms export licences for Chile on Monday.", "freeze"),
        ("Norway revoked 12 export permits for Chile on Monday.", "cancel"),
        ("Norway turned down an export licence for rifles to Chile on Monday.", "deny"),
        ("Norway approved the sale of two frigates to Chile on Monday.", "grant"),
        ("Norway will no longer block the sale of jets to Chile, it said on Monday.", "grant"),
        (
            "Norway will assess arms export applications for Chile case by case from Monday.",
            "restrict",
        ),
    ],
)
def test_the_main_trigger_gives_the_action(lexicon, text, expected):
    assert keys(lexicon, text) == [("NO", "CL", expected)]


def test_a_dated_decision_in_a_relative_clause_is_a_background_decision(lexicon):
    text = (
        "Norway announced on Monday the cancellation of export permits for Chile that were "
        "suspended last year."
    )
    assert decisions(lexicon, text) == [
        ("NO", "CL", "cancel", "2024-03-11", "day"),
        ("NO", "CL", "suspend", "2023-01-01", "year"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Norway has the authority to cancel licences for arms exports to Chile.",
        "Norway could suspend arms exports to Chile.",
        "Norway may halt arms exports to Chile if the fighting goes on.",
        "Rights groups urged Norway to halt arms exports to Chile.",
        "Lawmakers called on Norway to stop approving arms exports to Chile.",
        "Norway is considering whether to suspend arms exports to Chile.",
        "Norway denied reports that it had frozen arms exports to Chile.",
        "Peru welcomed Norway's decision to suspend arms exports to Chile.",
        "A court ruled the sales lawful and did not order a halt to arms exports to Chile.",
        "Norway has not revoked any export licences for Chile.",
        "NORWAY HALTS ALL ARMS EXPORTS TO CHILE",
        "Norway halts arms exports to Chile",
    ],
)
def test_hedged_appealed_denied_reacted_and_headline_wording_is_no_decision(lexicon, text):
    assert keys(lexicon, text) == []


# --- authority and target ----------------------------------------------------------------------


def test_the_target_is_the_destination_not_any_state_in_the_clause(lexicon):
    text = (
        "Germany, whose troops train alongside French units in Lithuania, suspended arms "
        "exports to Niger on Monday."
    )
    assert keys(lexicon, text) == [("DE", "NE", "suspend")]


def test_every_listed_destination_is_a_target(lexicon):
    text = "Finland stopped approving arms exports to Saudi Arabia and the UAE on Monday."
    assert keys(lexicon, text) == [("FI", "SA", "suspend"), ("FI", "AE", "suspend")]


def test_the_government_and_ministries_stand_for_the_articles_state(lexicon):
    text = (
        "Britain's relations with Israel are strained.\n"
        "The Government suspended 30 export licences to Israel on Monday.\n"
        "The foreign ministry also refused a licence for rifles to Egypt on Tuesday."
    )
    assert keys(lexicon, text) == [("GB", "IL", "suspend"), ("GB", "EG", "deny")]


def test_a_court_order_to_halt_is_the_states_suspension(lexicon):
    text = (
        "A court in The Hague on Monday ordered the government to halt exports of jet parts to "
        "Israel."
    )
    assert decisions(lexicon, text) == [("NL", "IL", "suspend", "2024-03-11", "day")]


def test_a_company_acting_on_its_own_exports_is_the_authority_not_its_state(lexicon):
    text = (
        "Hanwha Aerospace, a South Korea-based engine maker, suspended deliveries of its "
        "engines to Turkey on Tuesday."
    )
    assert keys(lexicon, text) == [({"organization": "Hanwha Aerospace"}, "TR", "suspend")]


def test_a_company_named_only_by_what_it_does_is_drafted_as_an_organisation(lexicon):
    text = "Nammo said on Tuesday it had halted deliveries of ammunition to Qatar."
    result = draft(lexicon, text)
    assert [d["authority"] for d in result["permit_decisions"]] == [{"organization": "Nammo"}]
    assert "Nammo" in [o["name"] for o in result["organizations"]]


def test_a_state_qualifying_a_company_does_not_act(lexicon):
    text = "The shells were made by Germany's Rheinmetall under a licence issued to Qatar in 2016."
    result = draft(lexicon, "Italy is the exporter.\n" + text)
    assert [(d["authority"], d["target"]) for d in result["permit_decisions"]] == [("IT", "QA")]


def test_the_quote_names_whom_it_attributes_the_claim_to(lexicon):
    text = "Norway halted arms exports to Chile on Monday, according to the NTB news agency."
    (decision,) = draft(lexicon, text)["permit_decisions"]
    assert decision["attributed_to"] == "the NTB news agency"
    text = "Norway halted arms exports to Chile on Monday, the defence minister said."
    (decision,) = draft(lexicon, text)["permit_decisions"]
    assert decision["attributed_to"] == "the defence minister"


# --- dates -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phrase", "published", "expected"),
    [
        ("announced Monday", THURSDAY, ("2024-03-11", "day")),
        ("on Thursday", THURSDAY, ("2024-03-14", "day")),
        ("last month", THURSDAY, ("2024-02-01", "month")),
        ("in early October", THURSDAY, ("2023-10-01", "month")),
        ("in May of last year", THURSDAY, ("2023-05-01", "month")),
        ("in March", THURSDAY, ("2024-03-01", "month")),
        ("earlier this year", THURSDAY, ("2024-01-01", "year")),
        ("in late 2018", THURSDAY, ("2018-01-01", "year")),
        ("the middle of last year", THURSDAY, ("2023-01-01", "year")),
        ("last autumn", THURSDAY, ("2023-01-01", "year")),
        ("on October 5 of last year", THURSDAY, ("2023-10-05", "day")),
        ("on 2 September last year", THURSDAY, ("2023-09-02", "day")),
        ("last week", THURSDAY, ("2024-03-01", "month")),
        ("last week", dt.date(2024, 3, 5), ("2024-01-01", "year")),
        ("on Monday", PartialDate.parse("2024-03"), ("2024-03-01", "month")),
        ("on Monday", PartialDate.parse("2024"), ("2024-01-01", "year")),
    ],
)
def test_relative_dates_resolve_at_their_real_precision(phrase, published, expected):
    (found,) = temporal_phrases(phrase, published)
    assert (found.date.isoformat(), DatePrecision(found.precision).label) == expected


def test_the_date_is_the_phrase_nearest_the_trigger_in_its_clause(lexicon):
    text = (
        "Italy revoked the licences, which had been granted under a 1990 law, in January, "
        "and Spain suspended arms exports to Morocco in 2021."
    )
    found = decisions(
        lexicon, "Italy and Morocco.\n" + text.replace("the licences", "the licences for Morocco")
    )
    assert ("IT", "MA", "cancel", "2024-01-01", "month") in found
    assert ("ES", "MA", "suspend", "2021-01-01", "year") in found


def test_no_date_from_another_clause(lexicon):
    text = "The law was passed in 2015, but Norway halted arms exports to Chile, the minister said."
    (decision,) = draft(lexicon, text)["permit_decisions"]
    assert (decision["date"], decision["date_from_publication"]) == ("2024-03-14", True)


def test_a_year_only_publication_date_dates_an_undated_decision_to_the_year(lexicon):
    result = draft(lexicon, "Norway halted arms exports to Chile.", PartialDate.parse("2021"))
    (decision,) = result["permit_decisions"]
    assert (decision["date"], decision["date_precision"], decision["date_from_publication"]) == (
        "2021-01-01",
        "year",
        True,
    )


# --- names -------------------------------------------------------------------------------------


def test_model_designations_are_drafted_as_items(lexicon):
    text = (
        "Turkey fitted Rotax 912 engines and Wescam MX-15 sensors to its Bayraktar TB2 drones, "
        "while Germany sold Leopard 2A6 tanks and F-35 jets flew overhead."
    )
    result = draft(lexicon, text)
    assert {i["name"] for i in result["components"]} == {"Rotax 912", "Wescam MX-15"}
    assert {i["name"] for i in result["platforms"]} == {"Bayraktar TB2", "Leopard 2A6", "F-35"}


def test_no_item_or_organisation_is_drafted_that_the_text_does_not_name(lexicon):
    text = (
        "Armed drones and fighter jets were delivered during the Covid-19 pandemic, and "
        "Military officials said Light tanks were next."
    )
    result = draft(lexicon, text)
    assert result["components"] == result["platforms"] == []
    for record in result["organizations"]:
        assert record["name"] in text


def test_organisations_from_descriptions_acronyms_and_ampersands(lexicon):
    text = (
        "Heckler & Koch, the German gunmaker, and Baykar, a Turkey-based drone maker, were named "
        "by the Stockholm International Peace Research Institute (SIPRI)."
    )
    result = draft(lexicon, text)
    names = {o["name"]: o for o in result["organizations"]}
    assert {"Heckler & Koch", "Baykar", "Stockholm International Peace Research Institute"} <= set(
        names
    )
    assert names["Stockholm International Peace Research Institute"]["aliases"] == ["SIPRI"]


def test_known_records_match_whatever_the_case_and_spacing():
    lexicon = Lexicon(
        states={"Turkey": "TR"},
        organizations={"Bae Systems": ("bae-systems", "manufacturer")},
        items={"Rotax 912": ("rotax-912", "component")},
    )
    result = extract(
        "BAE SYSTEMS shipped ROTAX912 engines to Turkey.", published=THURSDAY, lexicon=lexicon
    ).as_json()
    assert [(o["name"], o["slug"]) for o in result["organizations"]] == [
        ("Bae Systems", "bae-systems")
    ]
    assert [(i["name"], i["slug"]) for i in result["components"]] == [("Rotax 912", "rotax-912")]


# --- states and clutter ------------------------------------------------------------------------


def test_every_state_has_its_demonym(lexicon):
    text = "Czech, Filipino, Burmese, Taiwanese and Austrian officials met in Vienna."
    assert set(draft(lexicon, text)["states"]) == {"CZ", "PH", "MM", "TW", "AT"}


def test_a_city_named_like_a_capital_is_not_the_state(lexicon):
    text = "The plant in London, Ontario, builds vehicles for Qatar; Ottawa, Oslo and Bern agreed."
    assert draft(lexicon, text)["states"] == ["QA", "CA", "NO", "CH"]


def test_page_clutter_adds_no_state(lexicon):
    text = (
        "ESTONIA BUSINESS DAILY | Security\n"
        "By Jane Doe\n"
        "Norway halted arms exports to Chile on Monday.\n"
        "Related: Why Morocco matters\n"
        "Sign up for our Israel newsletter\n"
        "The Korea Herald and the South China Sea were mentioned, as were French-speaking towns."
    )
    assert set(draft(lexicon, text)["states"]) == {"NO", "CL"}


def test_an_earlier_decision_dated_in_its_own_words_is_drafted_too(lexicon):
    text = (
        "Germany lifted the freeze imposed in November 2018 on arms exports to Saudi Arabia "
        "on Monday."
    )
    assert decisions(lexicon, text) == [
        ("DE", "SA", "lift", "2024-03-11", "day"),
        ("DE", "SA", "freeze", "2018-11-01", "month"),
    ]


def test_an_institution_acts_for_its_state(lexicon):
    text = "The State Department approved the sale of 40 fighter jets to Turkey on Monday."
    assert keys(lexicon, text) == [("US", "TR", "grant")]


def test_the_company_named_before_acts_when_the_text_says_the_company(lexicon):
    text = (
        "Rotax, the Austrian engine maker, supplies drone builders.\n"
        "The company said on Monday it had suspended deliveries of its engines to Turkey."
    )
    assert keys(lexicon, text) == [({"organization": "Rotax"}, "TR", "suspend")]


@pytest.mark.parametrize(
    "text",
    [
        "Norway halted production of ammunition for Chile on Monday.",
        "Norway suspended military aid to Chile on Monday.",
    ],
)
def test_production_stops_and_aid_are_not_export_permits(lexicon, text):
    assert keys(lexicon, text) == []


@pytest.mark.parametrize(
    ("text", "names"),
    [
        (
            "Poland sent Leopard 2 tanks and IRIS-T SLM air-defence systems.",
            {"Leopard 2", "IRIS-T SLM"},
        ),
        ("Storm Shadow missiles and Paveway IV bombs were fired.", {"Storm Shadow", "Paveway IV"}),
        ("Officials counted Gaza drone strikes and Kyiv missile attacks.", set()),
        ("Campaigners urged President Joe Biden to stop the bombs.", set()),
    ],
)
def test_item_names_and_what_is_not_one(lexicon, text, names):
    result = draft(lexicon, text)
    assert {i["name"] for i in result["components"] + result["platforms"]} == names


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Bern turned down Qatar's request to re-export Swiss-made ammunition to Ukraine on "
            "Monday.",
            [("CH", "UA", "deny", "2024-03-11", "day")],
        ),
        (
            "Germany approved Poland's re-export of Leopard 2 tanks to Ukraine on Tuesday.",
            [("DE", "UA", "grant", "2024-03-12", "day")],
        ),
        (
            "Canada granted licences for Turkey for the first time since 2019 on Monday.",
            [("CA", "TR", "lift", "2024-03-11", "day")],
        ),
        (
            "Germany dropped its veto on the sale of jets with German parts to Saudi Arabia on "
            "Monday.",
            [("DE", "SA", "grant", "2024-03-11", "day")],
        ),
        (
            "The United Kingdom, which suspended licences to Saudi Arabia in June 2019, resumed "
            "issuing them in July 2020.",
            [
                ("GB", "SA", "suspend", "2019-06-01", "month"),
                ("GB", "SA", "lift", "2020-07-01", "month"),
            ],
        ),
    ],
)
def test_re_exports_first_grants_vetoes_and_asides(lexicon, text, expected):
    assert decisions(lexicon, text) == expected


def test_a_company_named_after_what_it_makes_acts_and_its_state_does_not(lexicon):
    text = (
        "The Turkish drone maker Baykar said on Monday it would stop selling its drones to Canada."
    )
    assert keys(lexicon, text) == [({"organization": "Baykar"}, "CA", "suspend")]


# --- generalisation (rules2): word families seen on unseen text --------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Norway is expected to suspend arms exports to Chile next month, diplomats said.",
        "Norway is set to halt exports of missiles to Chile.",
        "Norway intends to stop exports of F-35 parts to Chile.",
        "Norway is likely to revoke licences for bombs sold to Chile.",
        "Norway has promised to halt arms sales to Chile.",
        "Norway vowed to suspend licences for ammunition to Chile.",
        "Norway pledged to freeze new export permits for Chile.",
        "Norway is preparing to block the sale of patrol boats to Chile.",
        "The committee recommended that Norway suspend licences for exports to Chile.",
        "Opposition parties requested that Norway suspend exports to Chile.",
        "A motion calling on Norway to suspend exports to Chile was defeated.",
        "Norway would suspend exports to Chile if the offensive continued.",
        "It is unclear whether Norway will approve the export of frigates to Chile.",
        "Norway refused to say whether it had suspended permits for Chile.",
        "Norway ruled out a halt to arms exports to Chile.",
        "Norway has been accused of approving arms exports to Chile.",
        "Critics say Norway effectively halted exports to Chile years ago.",
        (
            "A Norwegian court on Monday rejected a bid by rights groups to force the government "
            "to halt exports of military equipment to Chile."
        ),
        "The court dismissed the challenge to arms exports to Chile on Monday.",
    ],
)
def test_intentions_recommendations_conditions_and_legal_moves_are_no_decision(lexicon, text):
    assert keys(lexicon, text) == []


def test_easing_a_halt_is_a_lift_and_the_halt_it_imposed_is_dated_in_its_own_words(lexicon):
    text = (
        "The Norwegian government has eased the halt on military exports to Chile that it "
        "imposed in October 2019, the ministry said on Monday."
    )
    assert decisions(lexicon, text) == [
        ("NO", "CL", "lift", "2024-03-11", "day"),
        ("NO", "CL", "suspend", "2019-10-01", "month"),
    ]


def test_a_negated_grant_since_a_date_is_a_suspension_from_that_date(lexicon):
    text = "Norway has not authorised a single arms export to Chile since October 7, he said."
    assert decisions(lexicon, text) == [("NO", "CL", "suspend", "2023-10-07", "day")]


def test_a_passive_approval_with_words_between_noun_and_verb_is_a_grant(lexicon):
    text = (
        "Licences for the export of 60 tanks to Chile were approved by the Norwegian ministry "
        "in early March, the spokesman added."
    )
    assert decisions(lexicon, text) == [("NO", "CL", "grant", "2024-03-01", "month")]


def test_the_state_that_asked_is_the_target_of_a_refusal(lexicon):
    text = "Norway said a request by Chile to buy more missiles had been turned down in the spring."
    assert decisions(lexicon, text) == [("NO", "CL", "deny", "2024-01-01", "year")]


def test_a_government_directorate_acts_for_its_state(lexicon):
    text = (
        "France acted. Separately, the Directorate General of Armament (DGA) granted a licence "
        "on Monday for the export of 36 howitzers to Chile."
    )
    assert keys(lexicon, text) == [("FR", "CL", "grant")]


def test_a_state_owned_trader_acts_on_its_own_deliveries(lexicon):
    text = (
        "Yugoimport SDPR, the state-owned arms trader, said it had cancelled a contract to "
        "deliver howitzers to Chile last month."
    )
    result = draft(lexicon, text)
    assert [(d["authority"], d["target"], d["action"]) for d in result["permit_decisions"]] == [
        ({"organization": "Yugoimport SDPR"}, "CL", "cancel")
    ]


def test_organisation_names_lose_adverbs_places_dates_and_unrelated_coordinates(lexicon):
    text = (
        "Meanwhile Avibras, the struggling maker of the system, said so. Sydney-based Ronin "
        "Optics was named by Amnesty International and Action Securite Ethique Republicaines "
        "(ASER), in a notice sent to Congress on Tuesday."
    )
    names = {o["name"]: o for o in draft(lexicon, text)["organizations"]}
    assert {"Avibras", "Ronin Optics", "Action Securite Ethique Republicaines", "Congress"} <= set(
        names
    )
    assert names["Action Securite Ethique Republicaines"]["aliases"] == ["ASER"]
    assert not any(
        n.startswith(("Meanwhile", "Sydney", "Amnesty International and")) for n in names
    )


def test_a_season_after_in_is_the_latest_such_season_at_year_precision():
    (found,) = temporal_phrases("in the spring", PartialDate.parse("2023-08-18"))
    assert (found.date.isoformat(), DatePrecision(found.precision).label) == ("2023-01-01", "year")
    (found,) = temporal_phrases("in the autumn", PartialDate.parse("2023-08-18"))
    assert found.date.isoformat() == "2022-01-01"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Exports of tanks to Chile were blocked by Norway on Monday.",
            [("NO", "CL", "deny", "2024-03-11", "day")],
        ),
        (
            "A Norwegian ban on arms sales to Chile came into force on Monday.",
            [("NO", "CL", "suspend", "2024-03-11", "day")],
        ),
        (
            "Norway on Monday lifted its arms embargo on Chile.",
            [("NO", "CL", "lift", "2024-03-11", "day")],
        ),
        (
            "Norway said on Monday it would no longer issue permits for exports to Chile.",
            [("NO", "CL", "suspend", "2024-03-11", "day")],
        ),
    ],
)
def test_passive_agents_ban_nouns_embargoes_on_and_no_longer_issuing(lexicon, text, expected):
    assert decisions(lexicon, text) == expected


def test_a_source_after_according_to_is_no_destination(lexicon):
    text = "Norway halted arms exports to Chile on Monday, according to Peruvian media."
    assert keys(lexicon, text) == [("NO", "CL", "suspend")]


def test_civilian_goods_need_no_arms_export_permit(lexicon):
    assert keys(lexicon, "Norway halted exports of grain to Chile on Monday.") == []


@pytest.mark.parametrize(
    "text",
    [
        "Chile reacted angrily to Norway's freeze on arms exports to Chile.",
        "Chile expressed disappointment at Norway's refusal to grant export licences to Chile.",
        "Peru responded to Norway's suspension of arms exports to Chile with a protest note.",
        "Chile summoned the Norwegian envoy over the halt to arms exports to Chile.",
    ],
)
def test_reactions_in_other_words_are_no_decision_and_the_owner_is_no_target(lexicon, text):
    assert keys(lexicon, text) == []


def test_organisations_named_by_spokespeople_outlets_and_acronyms(lexicon):
    text = (
        "A Kongsberg spokesperson confirmed it, the newspaper Le Monde wrote, and NATO allies "
        "met. Yugoimport SDPR and BAE Systems were named in a CEO letter.\n"
        "OSLO - Norway acted."
    )
    names = {o["name"]: o["kind"] for o in draft(lexicon, text)["organizations"]}
    assert {"Kongsberg", "Le Monde", "NATO"} <= set(names)
    assert names["NATO"] == "alliance"
    assert not {"SDPR", "BAE", "CEO", "OSLO"} & set(names)


def test_the_freeze_lifted_in_a_later_sentence_is_the_earlier_freezes_lift(lexicon):
    text = (
        "Norway announced in October 2019 a freeze on export permits for Chile. "
        "The freeze was lifted in May. The freeze follows a report that drones reached Peru."
    )
    assert decisions(lexicon, text, dt.date(2020, 10, 6)) == [
        ("NO", "CL", "freeze", "2019-10-01", "month"),
        ("NO", "CL", "lift", "2020-05-01", "month"),
    ]


def test_clashes_with_a_state_name_no_destination(lexicon):
    text = "Norway suspended exports to Chile on Monday while clashes with Peru went on."
    assert keys(lexicon, text) == [("NO", "CL", "suspend")]


def test_a_name_with_a_mark_number_before_its_kind_is_an_item_and_a_flag_is_not(lexicon):
    text = (
        "Chile bought Arrow 3 missile-defence systems and Bren 2 rifles for a Danish-flagged "
        "vessel."
    )
    result = draft(lexicon, text)
    assert {i["name"] for i in result["platforms"]} == {"Arrow 3", "Bren 2"}
    assert result["components"] == []


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("on Thursday last week", ("2024-05-02", "day")),
        ("this week", ("2024-05-01", "month")),
        ("over the weekend", ("2024-05-01", "month")),
        ("three days ago", ("2024-05-05", "day")),
        ("two weeks ago", ("2024-04-01", "month")),
        ("a week ago", ("2024-01-01", "year")),  # Monday 29 April to Sunday 5 May
        ("since the start of the year", ("2024-01-01", "year")),
    ],
)
def test_more_relative_phrases_resolve_at_their_real_precision(phrase, expected):
    (found,) = temporal_phrases(phrase, PartialDate.parse("2024-05-08"))
    assert (found.date.isoformat(), DatePrecision(found.precision).label) == expected
