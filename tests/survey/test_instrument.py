"""Instruments as data: built-ins, schema validation, round trips, CFA syntax, packaging."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

import loyaltyscope as ls
from loyaltyscope.survey.instrument import SCHEMA_VERSION, instrument_from_dict

ROOT = Path(__file__).resolve().parents[2]

BUILTIN_ITEMS = {
    "channel_preferences": [
        "catalog", "direct_mail", "postcard_offer", "printed_newsletter",
        "email_sale_notice", "email_newsletter", "email_receipt", "email_survey",
        "service_phone_line", "telemarketing_offer", "automated_call", "text_message",
        "instore_personal_service", "sales_rep_visit", "customer_event", "loyalty_program",
    ],
    "brand_loyalty": ["al1", "al2", "al3", "bl1", "bl2", "bl3", "cog1", "cog2", "cog3", "aff1", "aff2", "aff3",
                      "con1", "con2", "con3", "act1", "act2", "act3"],
    "satisfaction_chain": [f"{p}{i}" for p in ("des", "exp", "pp", "dc", "ec", "as", "is", "os") for i in (1, 2, 3)],
    "ecsi": [f"IMAG{i}" for i in range(1, 6)] + [f"CUEX{i}" for i in range(1, 4)] + [f"PERQ{i}" for i in range(1, 8)]
    + ["PERV1", "PERV2"] + [f"CUSA{i}" for i in range(1, 4)] + ["CUSCO"] + [f"CUSL{i}" for i in range(1, 4)],
}
SCALE_POINTS = {"channel_preferences": (1, 5), "brand_loyalty": (1, 7), "satisfaction_chain": (1, 7), "ecsi": (1, 10)}


def test_list_instruments():
    assert set(BUILTIN_ITEMS) <= set(ls.list_instruments())


@pytest.mark.parametrize("name", sorted(BUILTIN_ITEMS))
def test_builtin_loads_with_exact_item_ids(name):
    inst = ls.load_instrument(name)
    assert inst.name == name
    assert list(inst.item_ids) == BUILTIN_ITEMS[name]
    assert inst.wording == "adaptation"
    assert inst.languages == ("en", "zh")
    lo, hi = SCALE_POINTS[name]
    for it in inst.items:
        sc = inst.scales[it.scale]
        assert (sc.min, sc.max) == (lo, hi)
        assert it.text["en"].strip() and it.text["zh"].strip()
        assert any("\u4e00" <= ch <= "\u9fff" for ch in it.text["zh"]), it.id  # really Chinese
        assert it.construct is not None
    for sc in inst.scales.values():
        for code, texts in sc.labels.items():
            assert set(texts) == {"en", "zh"}


@pytest.mark.parametrize("name", sorted(BUILTIN_ITEMS))
def test_builtin_round_trips(name, tmp_path):
    inst = ls.load_instrument(name)
    again = ls.load_instrument(inst.dump(tmp_path / f"{name}.yaml"))
    assert again == inst
    assert again.to_dict() == inst.to_dict()
    assert yaml.safe_load(inst.to_yaml()) == inst.to_dict()


@pytest.mark.parametrize("name", sorted(BUILTIN_ITEMS))
def test_builtin_cfa_model_parses(name):
    inst = ls.load_instrument(name)
    model = inst.to_model()
    lines = [ln for ln in model.splitlines() if "=~" in ln]
    assert len(lines) == len(inst.constructs)
    in_model = [i.strip() for ln in lines for i in ln.split("=~")[1].split("+")]
    assert sorted(in_model) == sorted(inst.item_ids)
    ls.parse_model(model)  # the SEM engine's parser accepts it
    ls.parse_model(inst.to_model(structural=True))


def test_channel_preferences_model_text():
    m = ls.load_instrument("channel_preferences").to_model()
    assert m.splitlines() == [
        "print_mail =~ catalog + direct_mail + postcard_offer + printed_newsletter",
        "email =~ email_sale_notice + email_newsletter + email_receipt + email_survey",
        "telemarketing =~ service_phone_line + telemarketing_offer + automated_call + text_message",
        "face_to_face =~ instore_personal_service + sales_rep_visit + customer_event + loyalty_program",
    ]


def test_satisfaction_chain_paths_and_ecsi_single_indicator():
    sat = ls.load_instrument("satisfaction_chain")
    assert len(sat.constructs) == 8
    outcomes = {p.outcome: set(p.predictors) for p in sat.paths}
    assert outcomes["desires_congruency"] == {"desires", "performance"}
    assert outcomes["expectations_congruency"] == {"expectations", "performance"}
    assert outcomes["overall_satisfaction"] == {"attribute_satisfaction", "information_satisfaction"}
    assert "overall_satisfaction ~ attribute_satisfaction + information_satisfaction" in sat.to_model(structural=True)
    assert " ~ " not in sat.to_model()
    ecsi = ls.load_instrument("ecsi").to_model()
    assert "complaints =~ CUSCO\nCUSCO ~~ 0*CUSCO" in ecsi


def test_cfa_of_builtin_on_simulated_data():
    import numpy as np
    import pandas as pd

    inst = ls.load_instrument("channel_preferences")
    rng = np.random.default_rng(3)
    n = 400
    f = rng.normal(size=(n, 4))
    cols = {}
    for it in inst.items:
        g = list(inst.constructs).index(it.construct)
        cols[it.id] = 0.8 * f[:, g] + 0.6 * rng.normal(size=n)
    fit = ls.cfa(inst.to_model(), pd.DataFrame(cols))
    assert fit.fit_measures["df"] == 98


def _doc(name="channel_preferences"):
    return copy.deepcopy(ls.load_instrument(name).to_dict())


def _problems(doc):
    with pytest.raises(ls.InstrumentError) as ei:
        instrument_from_dict(doc)
    assert isinstance(ei.value, ValueError)
    return ei.value.problems, str(ei.value)


def test_invalid_instrument_names_every_field():
    doc = _doc()
    doc["items"][3]["scale"] = "like7"
    del doc["scales"]["like5"]["labels"][3]["zh"]
    doc["items"][5]["revers"] = True
    doc["instrument"]["wording"] = "translated"
    doc["missing_codes"][3] = {"en": "n/a", "zh": "不适用"}
    doc["items"][7]["id"] = "catalog"
    probs, msg = _problems(doc)
    joined = "\n".join(probs)
    assert "items[3] (printed_newsletter).scale: 'like7' is not a declared scale" in joined
    assert "scales.like5.labels.3.zh: missing wording in language 'zh'" in joined
    assert "items[5] (email_newsletter).revers: unknown field (did you mean 'reverse'?)" in joined
    assert "instrument.wording: must be one of original, adaptation" in joined
    assert "missing_codes.3: code is a valid answer on scale 'like5'" in joined
    assert "items[7] (catalog).id: duplicate item id 'catalog' (first at items[0])" in joined
    assert "constructs.email" not in joined  # still measured by other items
    assert len(probs) >= 6
    assert "invalid (" in msg


@pytest.mark.parametrize(
    "mutate, field",
    [
        (lambda d: d.pop("schema_version"), "schema_version"),
        (lambda d: d.__setitem__("schema_version", 99), "schema_version"),
        (lambda d: d["instrument"].pop("citation"), "instrument.citation"),
        (lambda d: d["instrument"].__setitem__("languages", "en"), "instrument.languages"),
        (lambda d: d["scales"]["like5"].__setitem__("type", "slider"), "scales.like5.type"),
        (lambda d: d["scales"]["like5"].__setitem__("max", 1), "scales.like5"),
        (lambda d: d["scales"]["like5"]["labels"].pop(2), "scales.like5.labels"),
        (lambda d: d["scales"]["like5"]["labels"][2].__setitem__("en", "Dislike very much"), "scales.like5.labels.2.en"),
        (lambda d: d["items"][0].__setitem__("construct", "nowhere"), "items[0] (catalog).construct"),
        (lambda d: d["items"][0].__setitem__("text", "Catalogs"), "items[0] (catalog).text"),
        (lambda d: d["items"][0]["text"].__setitem__("fr", "Catalogue"), "items[0] (catalog).text.fr"),
        (lambda d: d["items"][0].__setitem__("id", "2catalog"), "items[0] (2catalog).id"),
        (lambda d: d["items"][0].__setitem__("reverse", "yes"), "items[0] (catalog).reverse"),
        (lambda d: d["constructs"].__setitem__("unused", {"label": {"en": "U", "zh": "无"}}), "constructs.unused"),
        (lambda d: d.__setitem__("paths", [{"outcome": "email", "predictors": ["nowhere"]}]), "paths[0].predictors[0]"),
        (lambda d: d.__setitem__("attention_checks", [{"id": "a1", "text": {"en": "x", "zh": "x"}, "scale": "like5", "pass": [9]}]),
         "attention_checks[0].pass[0]"),
        (lambda d: d.__setitem__("extra", 1), "(top level).extra"),
    ],
)
def test_invalid_instrument_field_named(mutate, field):
    doc = _doc()
    mutate(doc)
    probs, _ = _problems(doc)
    assert any(p.startswith(field + ":") for p in probs), probs


def test_invalid_file_message_names_file_and_field(tmp_path):
    doc = _doc()
    doc["items"][2]["scale"] = "like7"
    p = tmp_path / "mine.yaml"
    p.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ls.InstrumentError) as ei:
        ls.load_instrument(p)
    assert str(p) in str(ei.value)
    assert "items[2] (postcard_offer).scale" in str(ei.value)


def test_yaml_is_read_safely(tmp_path):
    p = tmp_path / "evil.yaml"
    p.write_text("!!python/object/apply:os.system ['echo pwned']\n", encoding="utf-8")
    with pytest.raises(ls.InstrumentError, match="not valid YAML"):
        ls.load_instrument(p)
    p.write_text("- just\n- a list\n", encoding="utf-8")
    with pytest.raises(ls.InstrumentError, match=r"\(top level\): must be a mapping"):
        ls.load_instrument(p)


def test_unknown_builtin():
    with pytest.raises(FileNotFoundError, match="built-ins: .*channel_preferences"):
        ls.load_instrument("no_such_instrument")


def test_schema_doc_exists_and_mentions_version():
    text = (ROOT / "instruments" / "SCHEMA.md").read_text(encoding="utf-8")
    assert f"version {SCHEMA_VERSION}" in text
    for key in ("schema_version", "missing_codes", "attention_checks", "paths", "wording"):
        assert key in text


def test_instrument_html_escapes():
    doc = _doc()
    doc["items"][0]["text"]["en"] = "<script>alert(1)</script>"
    inst = instrument_from_dict(doc)
    html = inst._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;" in html


@pytest.mark.slow
def test_instruments_ship_in_the_wheel(tmp_path):
    """A regular (non-editable) wheel carries the YAML files, and the loader finds them."""
    wheel_dir = tmp_path / "wheel"
    res = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheel_dir), str(ROOT)],
        capture_output=True, text=True, timeout=300,
    )
    if res.returncode != 0 and any(s in res.stderr for s in ("NewConnectionError", "Could not find a version", "ConnectionError")):
        pytest.skip("building a wheel needs setuptools from the package index, which is not reachable")
    assert res.returncode == 0, res.stderr[-2000:]
    (whl,) = wheel_dir.glob("loyaltyscope-*.whl")
    names = zipfile.ZipFile(whl).namelist()
    for n in BUILTIN_ITEMS:
        assert f"loyaltyscope/instruments/{n}.yaml" in names
    site = tmp_path / "site"
    zipfile.ZipFile(whl).extractall(site)
    code = (
        "import loyaltyscope as ls, loyaltyscope.survey.instrument as I, pathlib;"
        "assert pathlib.Path(ls.__file__).resolve().is_relative_to(pathlib.Path(r'%s').resolve()), ls.__file__;"
        "dirs = I._builtin_dirs(); assert len(dirs) == 1 and 'site' in str(dirs[0]), dirs;"
        "print(sorted(ls.list_instruments()));"
        "[ls.load_instrument(n).to_model() for n in ls.list_instruments()]" % site
    )
    env = dict(os.environ, PYTHONPATH=str(site))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    for n in BUILTIN_ITEMS:
        assert n in out.stdout
