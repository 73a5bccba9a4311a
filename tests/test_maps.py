"""Tests for sectorwb.maps: what each picture flags, via to_dict(); offline SVG/PNG."""

from __future__ import annotations

from typing import Any

import pytest

from sectorwb import content, maps
from sectorwb.figures import png_size, to_png, to_svg

STAGES = ["Point of engagement", "Referrals", "Follow-through", "Services received"]
KNOWN = {"Stage": STAGES, "How often": list(maps.PER_YEAR)}

JOURNEY = [
    {
        "Program": "Adult program",
        "Stage": "Point of engagement",
        "Step": "Intake interview",
        "Strong or weak": "Strong",
    },
    {"Program": "Adult program", "Stage": "Referrals", "Step": "Refer to college"},
    {
        "Program": "Adult program",
        "Stage": "Follow-through",
        "Step": "Follow-up call",
        "Strong or weak": "weak",
    },
    {"Program": "Adult program", "Stage": "Services received", "Step": "OJT contract"},
    {
        "Program": " Youth  program",
        "Stage": "point of engagement",
        "Step": " intake   INTERVIEW ",
    },
    {"Program": "Youth program", "Stage": "Referrals", "Step": "Refer to youth center"},
    {"Program": "youth program", "Stage": "Services received", "Step": "Internships"},
    {
        "Program": "Community college",
        "Stage": "Point of engagement",
        "Step": "Intake interview",
    },
    {"Program": "Community college", "Stage": "Referrals", "Step": "Refer to college"},
    {"Program": "Community college", "Stage": "Follow-through", "Step": "Survey"},
    {"Program": "Community college", "Stage": "Services received", "Step": "Training"},
    {"Program": "Community college", "Stage": "Alumni events", "Step": "Dinner"},
    {"Program": "", "Stage": "Referrals", "Step": "Nobody's step", "Unused": "x"},
    {},
    {"Program": None, "Notes": "a note on a blank row"},
]
TABLES = [
    {
        "Table": "Manufacturing Council",
        "Purpose": "Hiring",
        "Types of businesses": "Manufacturing",
        "Businesses at the table": "Acme, Inc.; Beta Foods\nGamma Metals; Delta Plastics",
        "How well it serves its purpose": "Partly",
    },
    {
        "Table": "College advisory board",
        "Purpose": "  hiring ",
        "Types of businesses": "manufacturing; Health care",
        "Businesses at the table": "acme,  inc.;beta foods\n- Gamma Metals",
        "How well it serves its purpose": "Well",
    },
    {
        "Table": "Healthcare roundtable",
        "Purpose": "Nurse pipeline",
        "Types of businesses": "Hospitals",
        "Businesses at the table": "Zeta Clinic",
        "How well it serves its purpose": "Poorly",
    },
]
KNOCKS = [
    {
        "Organization": "Workforce center",
        "Program": "Business services",
        "Businesses or sector targeted": "Acme Foods; Beta Metals",
        "How often": "Weekly",
    },
    {
        "Organization": "Community college",
        "Businesses or sector targeted": "acme foods\nBeta Metals",
        "How often": "Monthly",
    },
    {
        "Organization": "EDC",
        "Businesses or sector targeted": "Acme Foods",
        "How often": "",
    },
    {
        "Organization": "workforce CENTER",
        "Businesses or sector targeted": "Acme Foods",
        "How often": "Quarterly",
    },
    {
        "Organization": "Chamber",
        "Businesses or sector targeted": "Gamma Clinic",
        "How often": "whenever",
    },
    {
        "Organization": "Chamber",
        "Businesses or sector targeted": "",
        "How often": "Weekly",
    },
]
CONNECTIONS = [
    {
        "Organization": "Workforce center",
        "Connected to": "Acme Foods; Manufacturing Council",
        "Kind": "Business",
    },
    {
        "Organization": "Community college",
        "Connected to": "acme foods\nDelta Health",
        "Kind": "Business",
    },
    {
        "Organization": "EDC",
        "Connected to": "Acme Foods; Epsilon Ag",
        "Kind": "business",
    },
    {"Organization": "EDC", "Connected to": "Manufacturing council", "Kind": "Table"},
]
FLOW = [
    {
        "Hop": "industry-led partnership › decision makers",
        "What passes": "Priorities",
        "Does it get through?": "Yes",
    },
    {
        "Hop": "decision makers > program staff",
        "What passes": "Program design",
        "Does it get through?": "Partly",
    },
    {
        "Hop": "program staff -> frontline workers",
        "What passes": "Jobs in demand",
        "Does it get through?": "No",
        "Where it breaks": "No time in staff meetings",
    },
    {"Hop": "frontline workers › jobseekers/ students", "What passes": "Career advice"},
    {"Hop": "partnership decision makers", "What passes": "?"},
]
PATHWAY = [
    {
        "Stage": "High school",
        "Credential": "Diploma",
        "Entry point": "Yes",
        "Exit to a job": "No",
    },
    {
        "Stage": "Certificate",
        "Credential": "CNA",
        "Duration": "6 weeks",
        "Entry point": "Yes",
        "Exit to a job": "Yes",
    },
    {
        "Stage": "Associate degree",
        "Credential": "ADN",
        "Entry point": "No",
        "Exit to a job": "Yes",
    },
]
FIFTY_PROGRAMS = [
    {
        "Program": f"Program {p}",
        "Stage": STAGES[s],
        "Step": f"Step {p % 3}-{s}",
        "Strong or weak": "Weak" if p % 4 else "Strong",
    }
    for p in range(50)
    for s in range(4)
    if (p + s) % 5
]
MANY_KNOCKS = [
    {
        "Organization": f"Org {i % 7}",
        "Businesses or sector targeted": f"Business {i}; Business {i % 5}",
        "How often": "Monthly",
    }
    for i in range(200)
]
SAMPLES: dict[str, list[dict[str, Any]]] = {
    "journey_map": JOURNEY,
    "tables": TABLES,
    "knocks": KNOCKS,
    "connections": CONNECTIONS,
    "information_flow": FLOW,
    "career_pathway": PATHWAY,
}


def layers(spec: dict) -> list[dict]:
    return spec.get("layer", [spec])


def data(spec: dict, layer: dict) -> list[dict]:
    """The records a layer draws (Altair puts them in the top-level datasets)."""
    return spec["datasets"][layer["data"]["name"]]


def records(spec: dict) -> list[dict]:
    return [r for rows in spec["datasets"].values() for r in rows]


def using(spec: dict, field: str) -> list[tuple[str, dict]]:
    """(channel, layer) of each layer whose encoding reads ``field``."""
    return [
        (channel, layer)
        for layer in layers(spec)
        for channel, enc in layer.get("encoding", {}).items()
        if isinstance(enc, dict) and enc.get("field") == field
    ]


def texts(spec: dict) -> set[str]:
    """Every text a text mark shows."""
    shown = set()
    for layer in layers(spec):
        text = layer.get("encoding", {}).get("text", {})
        if "field" in text:
            shown |= {str(r.get(text["field"])) for r in data(spec, layer)}
    return shown


def svg_size(svg: str) -> tuple[float, float]:
    """(width, height) from the attributes of the ``<svg>`` element."""
    tag = svg[svg.index("<svg") : svg.index(">", svg.index("<svg"))]
    width, height = (
        float(tag.split(f' {name}="', 1)[1].split('"', 1)[0])
        for name in ("width", "height")
    )
    return width, height


# --- Journey map ----------------------------------------------------------------------


def test_journey_map_flags_the_step_repeated_by_programs():
    drawn = maps.draw("journey_map", JOURNEY, KNOWN, "Journey")
    spec = drawn.chart.to_dict()
    intake = [r for r in records(spec) if r.get("step") == "Intake interview"]
    assert {r["program"] for r in intake} == {
        "Adult program",
        "Youth program",
        "Community college",
    }
    assert {r["repeated"] for r in intake} == {3}
    # The first spelling is shown; the team's other spellings are only matched.
    assert not any("INTERVIEW" in str(r.get("step")) for r in records(spec))
    ((channel, layer),) = using(spec, "repeated_label")
    assert channel == "color" and layer["mark"]["filled"] is False
    assert "Repeated by 3 programs" in layer["encoding"]["color"]["scale"]["domain"]
    assert "\u00d73" in texts(spec)
    assert (
        "\u201cIntake interview\u201d at Point of engagement is repeated by 3 programs: "
        "Adult program, Youth program, Community college." in drawn.findings
    )
    refer = [r for r in records(spec) if r.get("step") == "Refer to college"]
    assert {r["repeated"] for r in refer} == {2}


def test_journey_map_shows_each_gap():
    drawn = maps.draw("journey_map", JOURNEY, KNOWN)
    spec = drawn.chart.to_dict()
    ((channel, layer),) = using(spec, "gap")
    assert channel == "stroke" and layer["mark"]["strokeDash"]
    gaps = {(r["program"], r["stage"]) for r in data(spec, layer)}
    assert gaps == {
        ("Youth program", "Follow-through"),
        ("Adult program", "Alumni events"),
        ("Youth program", "Alumni events"),
    }
    assert "Gaps: Youth program has no step at Follow-through." in drawn.findings
    assert any(
        f.startswith("Gaps: 2 programs have no step at Alumni events")
        for f in drawn.findings
    )


def test_journey_map_stages_in_the_worksheet_order_then_as_typed():
    spec = maps.draw("journey_map", JOURNEY[::-1], KNOWN).chart.to_dict()
    heads = [r["stage"] for r in records(spec) if "head" in r]
    assert heads == [*STAGES, "Alumni events"]
    programs = {r["program"].casefold() for r in records(spec) if "program" in r}
    assert programs == {"adult program", "youth program", "community college"}


def test_journey_map_colours_strong_and_weak():
    drawn = maps.draw("journey_map", JOURNEY, KNOWN)
    spec = drawn.chart.to_dict()
    ((channel, layer),) = using(spec, "rating")
    assert channel == "fill"
    assert layer["encoding"]["fill"]["scale"]["domain"] == [
        "Strong",
        "Weak",
        "Not rated",
    ]
    ratings = {r["step"]: r["rating"] for r in data(spec, layer)}
    assert ratings["Follow-up call"] == "Weak" and ratings["Survey"] == "Not rated"
    assert any(
        f.startswith("Weak points: \u201cFollow-up call\u201d") for f in drawn.findings
    )


# --- Many tables ----------------------------------------------------------------------


def test_tables_find_shared_businesses_and_the_same_purpose():
    drawn = maps.draw("tables", TABLES, {}, "Tables")
    spec = drawn.chart.to_dict()
    cells = [
        r
        for r in records(spec)
        if r.get("a") == "Manufacturing Council"
        and r.get("b") == "College advisory board"
    ]
    assert cells and cells[0]["shared"] == 3 and cells[0]["purpose"] == "Hiring"
    ((_, shared),) = using(spec, "shared")
    assert shared["mark"]["type"] == "rect"
    ((_, purpose),) = using(spec, "same")
    assert {(r["a"], r["b"]) for r in data(spec, purpose)} == {
        ("Manufacturing Council", "College advisory board"),
        ("College advisory board", "Manufacturing Council"),
    }
    both = "\u201cManufacturing Council\u201d and \u201cCollege advisory board\u201d"
    assert (
        f"{both} share 3 businesses: Acme, Inc., Beta Foods, Gamma Metals."
        in drawn.findings
    )
    assert f"{both} have the same purpose: Hiring." in drawn.findings
    assert any("same types of businesses: Manufacturing" in f for f in drawn.findings)
    assert "Serving their purpose poorly: Healthcare roundtable." in drawn.findings


def test_a_single_table_is_still_a_picture():
    drawn = maps.draw("tables", TABLES[:1], {}, "Tables")
    spec = drawn.chart.to_dict()
    assert not drawn.empty
    assert "Manufacturing Council" in texts(spec) and "4 businesses" in texts(spec)
    assert "Only one table" in " ".join(spec["title"]["subtitle"])
    assert drawn.findings[0].startswith("Only one table so far")


# --- Many knocks ----------------------------------------------------------------------


def test_knocks_flag_employer_fatigue():
    drawn = maps.draw("knocks", KNOCKS, KNOWN, "Knocks")
    spec = drawn.chart.to_dict()
    ((channel, layer),) = using(spec, "level")
    bars = data(spec, layer)
    assert channel == "color" and [b["target"] for b in bars] == [
        "Acme Foods",
        "Beta Metals",
        "Gamma Clinic",
    ]
    acme = bars[0]
    assert acme["level"].startswith("Risk of employer fatigue")
    assert acme["organizations"] == "Workforce center; Community college; EDC"
    assert acme["per_year"] == 52 + 12 + 1 + 4  # weekly, monthly, blank, quarterly
    assert bars[1]["level"] == "Knocked by 2 organizations"
    assert bars[2]["level"] == "Knocked by 1 organization" and bars[2]["per_year"] == 1
    assert (
        "Acme Foods is knocked by 3 organizations (about 69 knocks a year): "
        "Workforce center, Community college, EDC \u2014 risk of employer fatigue."
        in drawn.findings
    )


def test_per_year_covers_the_worksheet_choices():
    ws = content.load_file(content.PACKAGE_DIR / "many_tables_knocks.yaml")
    knocks = next(t for p, t in ws.pictures() if p.kind == "knocks")
    choices = knocks.column_options["How often"]
    assert list(maps.PER_YEAR) == choices
    assert list(maps.PER_YEAR.values()) == sorted(maps.PER_YEAR.values(), reverse=True)


def test_two_hundred_knocks_show_the_top_targets_and_sum_up_the_rest():
    drawn = maps.draw("knocks", MANY_KNOCKS, KNOWN, "Knocks")
    spec = drawn.chart.to_dict()
    ((_, layer),) = using(spec, "level")
    assert len(data(spec, layer)) == maps.TOP_TARGETS
    assert [b["target"] for b in data(spec, layer)[:5]] == [
        f"Business {i}" for i in range(5)
    ]
    note = "160 more businesses or sectors, each knocked by one organization"
    assert note in texts(spec)
    svg = to_svg(drawn.chart)
    assert note in svg and svg_size(svg)[1] > maps.TOP_TARGETS * 20


# --- Connections, information flow, career pathway ------------------------------------


def test_connections_highlight_the_shared_ones():
    drawn = maps.draw("connections", CONNECTIONS, {}, "Connections")
    spec = drawn.chart.to_dict()
    nodes = {r["text"]: r for r in records(spec) if "kind" in r}
    assert (
        nodes["Acme Foods"]["shared"] == "Shared by 2+ organizations"
        and nodes["Acme Foods"]["count"] == 3
    )
    assert nodes["Manufacturing Council"]["count"] == 2
    assert nodes["Delta Health"]["shared"] == "One organization"
    assert {channel for channel, _ in using(spec, "shared")} == {"color"}
    assert drawn.findings[0] == "Most connected: EDC, with 3 connections."
    assert (
        "\u201cAcme Foods\u201d is connected to 3 organizations: Workforce center, Community college, EDC."
        in drawn.findings
    )


def test_connections_wrap_long_names_instead_of_cutting_them():
    org = "Front Range Community College Workforce Innovation Office"
    link = "Larimer County Advanced Manufacturing Sector Partnership Roundtable"
    rows = [{"Organization": org, "Connected to": f"{link}; Acme", "Kind": "Table"}]
    drawn = maps.draw("connections", rows, {}, "Connections")
    labels = {
        r["text"]: r["label"] for r in records(drawn.chart.to_dict()) if "label" in r
    }
    for name in (org, link):
        assert labels[name].replace("\n", " ") == name  # every word, on more lines
        assert labels[name].count("\n") >= 1
    svg = to_svg(drawn.chart)
    assert "\u2026" not in svg
    # The wrapped names sit in rooms of their own: no two labels overlap.
    right = {
        r["label"]: (r["ty"], r["label"].count("\n") + 1)
        for r in records(drawn.chart.to_dict())
        if r.get("tx", 0) > 160 and "label" in r
    }
    tops = sorted(right.values())
    assert len(tops) == 2
    for (y, lines), (below, _) in zip(tops, tops[1:], strict=False):
        assert below - y >= lines * 14


def test_information_flow_marks_the_broken_hop():
    drawn = maps.draw("information_flow", FLOW, {}, "Flow")
    spec = drawn.chart.to_dict()
    hops = {r["hop"]: r["status"] for r in records(spec) if "hop" in r}
    assert hops == {
        "industry-led partnership \u203a decision makers": "Yes",
        "decision makers \u203a program staff": "Partly",
        "program staff \u203a frontline workers": "No",
        "frontline workers \u203a jobseekers/ students": "Not answered",
    }
    channels = {channel: layer for channel, layer in using(spec, "status")}
    dash = channels["strokeDash"]["encoding"]["strokeDash"]["scale"]
    assert dict(zip(dash["domain"], dash["range"], strict=True))["No"] != [1, 0]
    colour = channels["color"]["encoding"]["color"]["scale"]
    assert dict(zip(colour["domain"], colour["range"], strict=True))["No"] == "#D55E00"
    crosses = [layer for layer in layers(spec) if layer["mark"].get("shape") == "cross"]
    assert [r["hop"] for r in data(spec, crosses[0])] == [
        "program staff \u203a frontline workers"
    ]
    assert (
        "It breaks at program staff \u203a frontline workers: No time in staff meetings."
        in drawn.findings
    )
    assert any(
        "\u201cpartnership decision makers\u201d" in f and "from \u203a to" in f
        for f in drawn.findings
    )


def test_career_pathway_loops_back_for_more_credentials():
    drawn = maps.draw("career_pathway", PATHWAY, {}, "Pathway")
    spec = drawn.chart.to_dict()
    arrows = [(r["kind"], r["stage"]) for r in records(spec) if "kind" in r]
    assert ("Back for more credentials", "Certificate") in arrows
    assert (
        "Back for more credentials",
        "Associate degree",
    ) not in arrows  # no later stage
    assert ("Entry point", "High school") in arrows and (
        "Exit to a job",
        "Certificate",
    ) in arrows
    assert "Back for more credentials" in texts(spec)
    assert (
        "After a job, a person can come back for more credentials at: Associate degree."
        in drawn.findings
    )


def test_career_pathway_without_entry_or_exit_says_so():
    rows = [{"Stage": "Certificate", "Entry point": "No"}, {"Stage": "Degree"}]
    found = maps.draw("career_pathway", rows).findings
    assert any(f.startswith("No entry point") for f in found)
    assert any(f.startswith("No exit to a job") for f in found)


# --- Every kind -----------------------------------------------------------------------


@pytest.mark.parametrize("kind", maps.KINDS)
def test_empty_picture_says_what_to_fill_in(kind):
    drawn = maps.draw(
        kind, [{}, {"Notes": "  ", "Other": "x"}, {"Program": "   "}], None, "A title"
    )
    assert drawn.empty and drawn.findings == []
    svg = to_svg(drawn.chart)
    assert "role-axis" not in svg and "role-legend" not in svg
    assert "yet. Add" in svg and "appear" in svg and "A title" in svg


def test_hops_that_cannot_be_read_still_say_how_to_write_them():
    drawn = maps.draw("information_flow", [{"Hop": "partnership to staff"}])
    assert drawn.empty and "from \u203a to" in drawn.findings[0]


def test_fifty_programs_draw_a_tall_map():
    rows = FIFTY_PROGRAMS
    drawn = maps.draw("journey_map", rows, KNOWN, "Fifty programs")
    svg = to_svg(drawn.chart)
    small = to_svg(maps.draw("journey_map", rows[:6], KNOWN, "Two programs").chart)
    assert svg_size(svg)[1] > 50 * 28 > svg_size(small)[1]
    assert 'aria-label="x:' not in svg  # no per-mark labels reading out pixels


HOSTILE = '<b>x</b> "q" \U0001f642'
SCRIPT = "<script>1</script>"


@pytest.mark.parametrize(
    "kind, rows",
    [
        ("journey_map", [{"Program": SCRIPT, "Stage": "a.b[0]", "Step": HOSTILE}]),
        (
            "tables",
            [
                {"Table": HOSTILE, "Businesses at the table": SCRIPT},
                {"Table": SCRIPT, "Businesses at the table": SCRIPT},
            ],
        ),
        (
            "knocks",
            [{"Organization": SCRIPT, "Businesses or sector targeted": HOSTILE}],
        ),
        ("connections", [{"Organization": SCRIPT, "Connected to": HOSTILE}]),
        (
            "information_flow",
            [
                {
                    "Hop": f"{SCRIPT} › datum.x",
                    "What passes": HOSTILE,
                    "Does it get through?": "No",
                }
            ],
        ),
        (
            "career_pathway",
            [{"Stage": HOSTILE, "Credential": SCRIPT, "Duration": "{{datum.x}}"}],
        ),
    ],
)
def test_team_text_is_shown_as_text(kind, rows):
    drawn = maps.draw(kind, rows, KNOWN, 'Title <i>"t"</i>')
    spec = drawn.chart.to_dict()
    fields = {
        enc["field"]
        for layer in layers(spec)
        for enc in layer.get("encoding", {}).values()
        if isinstance(enc, dict) and "field" in enc
    }
    assert all(
        f.isidentifier() for f in fields
    )  # the team's text is never a field name
    svg = to_svg(drawn.chart)
    assert "<script" not in svg and "<b>" not in svg and "<i>" not in svg
    assert "&lt;b&gt;x&lt;/b&gt;" in svg or "&lt;script&gt;" in svg
    assert "&lt;i&gt;" in svg


def test_team_text_keeps_quotes_emoji_and_expressions():
    svg = to_svg(
        maps.draw(
            "career_pathway", [{"Stage": HOSTILE, "Duration": "datum.x + 1"}]
        ).chart
    )
    assert "\U0001f642" in svg and ("&quot;q&quot;" in svg or '"q"' in svg)
    assert "datum.x + 1" in svg


@pytest.mark.parametrize("kind", maps.KINDS)
def test_same_rows_same_chart(kind):
    first = maps.draw(kind, SAMPLES[kind], KNOWN, "T").chart.to_dict()
    assert (
        maps.draw(kind, [dict(r) for r in SAMPLES[kind]], KNOWN, "T").chart.to_dict()
        == first
    )


@pytest.mark.parametrize("kind", maps.KINDS)
def test_exports_as_png(kind):
    png = to_png(maps.draw(kind, SAMPLES[kind], KNOWN, "T").chart, scale=1)
    width, height = png_size(png)
    assert width > 300 and height > 100


# The picture panel beside the discussion questions is about 680 px wide; a wider SVG
# is scaled down to it, and its text gets small.
PANEL_PX = 700


@pytest.mark.parametrize(
    "kind, rows",
    [
        *SAMPLES.items(),
        ("journey_map", FIFTY_PROGRAMS),
        ("knocks", MANY_KNOCKS),
        ("career_pathway", [*PATHWAY, {"Stage": "Bachelor of science in nursing"}]),
    ],
)
def test_typical_answers_fit_the_picture_panel(kind, rows):
    title = "The paths jobseekers and students take through our programs"
    width, _ = svg_size(to_svg(maps.draw(kind, rows, KNOWN, title).chart))
    assert 300 < width <= PANEL_PX


@pytest.mark.parametrize("kind", maps.KINDS)
def test_text_stays_legible(kind):
    spec = maps.draw(kind, SAMPLES[kind], KNOWN, "T").chart.to_dict()
    sizes = [
        layer["mark"]["fontSize"]
        for layer in layers(spec)
        if layer["mark"]["type"] == "text"
    ]
    legend = spec["config"]["legend"]
    assert min(sizes + [legend["labelFontSize"], legend["titleFontSize"]]) >= 11


def test_long_labels_are_cut_on_the_picture_and_whole_in_words():
    long = "Intake interview with the business services team, then a site visit"
    row = {"Program": "P", "Stage": "Referrals", "Step": long, "Strong or weak": "Weak"}
    drawn = maps.draw("journey_map", [row], KNOWN)
    spec = drawn.chart.to_dict()
    ((_, layer),) = [(c, layer) for c, layer in using(spec, "step") if c == "text"]
    assert 0 < layer["mark"]["limit"] < 150
    assert "step" in {tip["field"] for tip in layer["encoding"]["tooltip"]}
    svg = to_svg(drawn.chart)
    assert long not in svg and "Intake" in svg and "\u2026" in svg
    assert any(long in f for f in drawn.findings)


def test_unknown_kind_names_the_kinds():
    with pytest.raises(ValueError, match="journey_map"):
        maps.draw("mind_map", [])
