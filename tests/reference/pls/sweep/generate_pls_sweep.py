"""The PLS sweep: reference values from the seminr Python package 0.2.1 (PyPI; a port of R
seminr checked against R's fixtures) for many models the other PLS tests do not cover. Run
with the peers' interpreter, never in the project venv:

    /work/venv-peers/bin/python tests/reference/pls/sweep/generate_pls_sweep.py

Writes pls_sweep.json beside it: one entry per case with the lavaan-style model that
``ls.pls`` takes, every option used (scheme, missing, consistent, interaction, higher_order),
the data (a bundled data set, optionally the first rows only and with deterministic holes:
every ``every``-th row from ``offset`` of a column set missing), and seminr's deterministic
statistics: outer weights and loadings, paths, R² / adjusted R², total and indirect effects,
f², item and antecedent VIFs, alpha / rhoA / rhoC / AVE, HTMT, Fornell–Larcker,
cross-loadings, construct scores at a few rows, nobs and iterations.

Models: ``=~`` blocks are seminr ``composite()`` (Mode A), or ``reflective()`` when the case is
PLSc (seminr applies PLSc to reflective constructs); ``<~`` blocks ``composite(weights =
mode_B)``; ``A:B`` on the right of ``~`` is seminr's ``interaction_term("A", "B", method)``
(path from ``A*B``); ``HOC =~ A + B`` is ``higher_composite("HOC", c("A", "B"), two_stage)``.
The data are read from the package's bundled copies (loyaltyscope/datasets/data).
"""

from __future__ import annotations

import importlib.metadata as md
import json
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from seminr import (composite, constructs, correlation_weights, estimate_pls, higher_composite, interaction_term, mean_replacement,
                    mode_B, na_omit, orthogonal, path_factorial, path_weighting, paths, product_indicator,
                    reflective, relationships, two_stage)
from seminr import bootstrap_model
from seminr.bootstrap.bootstrap import boot_percentile_cis
from seminr.evaluate.summarize_pls import summarize_pls
from seminr.predict.metrics import item_metrics
from seminr.predict.predict_pls import predict_pls
from seminr.predict.techniques import predict_DA, predict_EA

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from sweep_data import case_data  # noqa: E402
DATA = HERE.parents[3] / "loyaltyscope" / "datasets" / "data"

ECSI = [("Image", "A", [f"IMAG{i}" for i in range(1, 6)]), ("Expectation", "A", ["CUEX1", "CUEX2", "CUEX3"]),
        ("Quality", "A", [f"PERQ{i}" for i in range(1, 8)]), ("Value", "A", ["PERV1", "PERV2"]),
        ("Satisfaction", "A", ["CUSA1", "CUSA2", "CUSA3"]), ("Complaints", "A", ["CUSCO"]),
        ("Loyalty", "A", ["CUSL1", "CUSL2", "CUSL3"])]
ECSI_PATHS = [("Image", "Expectation"), ("Expectation", "Quality"), ("Expectation", "Value"), ("Quality", "Value"),
              ("Image", "Satisfaction"), ("Expectation", "Satisfaction"), ("Quality", "Satisfaction"),
              ("Value", "Satisfaction"), ("Satisfaction", "Complaints"), ("Image", "Loyalty"),
              ("Satisfaction", "Loyalty"), ("Complaints", "Loyalty")]
CORP = [("QUAL", "B", [f"qual_{i}" for i in range(1, 9)]), ("PERF", "B", [f"perf_{i}" for i in range(1, 6)]),
        ("CSOR", "B", [f"csor_{i}" for i in range(1, 6)]), ("ATTR", "B", ["attr_1", "attr_2", "attr_3"]),
        ("COMP", "A", ["comp_1", "comp_2", "comp_3"]), ("LIKE", "A", ["like_1", "like_2", "like_3"]),
        ("CUSA", "A", ["cusa"]), ("CUSL", "A", ["cusl_1", "cusl_2", "cusl_3"])]
CORP_PATHS = [(a, b) for b in ("COMP", "LIKE") for a in ("QUAL", "PERF", "CSOR", "ATTR")] + \
    [("COMP", "CUSA"), ("LIKE", "CUSA"), ("COMP", "CUSL"), ("LIKE", "CUSL"), ("CUSA", "CUSL")]
CORP4 = [b for b in CORP if b[0] in ("COMP", "LIKE", "CUSA", "CUSL")]
CORP4_PATHS = [p for p in CORP_PATHS if p[0] in ("COMP", "LIKE", "CUSA")]
HS = [("visual", "A", ["x1", "x2", "x3"]), ("textual", "A", ["x4", "x5", "x6"]), ("speed", "A", ["x7", "x8", "x9"])]
HS_PATHS = [("visual", "textual"), ("visual", "speed"), ("textual", "speed")]
PD = [("ind60", "A", ["x1", "x2", "x3"]), ("dem60", "A", ["y1", "y2", "y3", "y4"]),
      ("dem65", "A", ["y5", "y6", "y7", "y8"])]
PD_PATHS = [("ind60", "dem60"), ("ind60", "dem65"), ("dem60", "dem65")]
BFI = [(n, "A", [f"{n[0]}{i}" for i in range(1, 6)]) for n in ("Agree", "Consc", "Extra", "Neuro", "Open")]
BFI_PATHS = [("Extra", "Agree"), ("Open", "Agree"), ("Agree", "Consc"), ("Neuro", "Consc"), ("Extra", "Consc")]


CONSTRUCTS = {b[0] for blocks in (ECSI, CORP, HS, PD, BFI) for b in blocks} | \
    {f"{b[0]}{k}" for b in BFI for k in (1, 2)}


def modes(blocks, **change):
    return [(n, change.get(n, m), it) for n, m, it in blocks]


def case(name, data, blocks, pths, *, scheme="path", missing="listwise", consistent=False, rows=None, holes=(),
         interactions=(), interaction="two_stage", hocs=(), note="", derived=()):
    return dict(name=name, data=data, blocks=blocks, paths=pths, options=dict(
        scheme=scheme, missing=missing, consistent=consistent, interaction=interaction, higher_order="two_stage"),
        rows=rows, holes=[dict(column=c, every=e, offset=o) for c, e, o in holes],
        derived=[dict(name=n, terms=t, set_rows=r) for n, t, r in derived],
        interactions=[list(x) for x in interactions], hocs=[[h, m, list(d)] for h, m, d in hocs], note=note)


def cases():
    out = []
    for scheme in ("path", "factorial"):
        out.append(case(f"ecsi_{scheme}", "mobi.csv", ECSI, ECSI_PATHS, scheme=scheme))
        out.append(case(f"ecsi_plsc_{scheme}", "mobi.csv", ECSI, ECSI_PATHS, scheme=scheme, consistent=True))
        out.append(case(f"ecsi_image_b_{scheme}", "mobi.csv", modes(ECSI, Image="B"), ECSI_PATHS, scheme=scheme))
        out.append(case(f"ecsi_all_b_{scheme}", "mobi.csv", modes(ECSI, **{n: "B" for n, _, it in ECSI if len(it) > 1}),
                        ECSI_PATHS, scheme=scheme))
        out.append(case(f"ecsi_mixed_plsc_{scheme}", "mobi.csv", modes(ECSI, Quality="B", Value="B"),
                        ECSI_PATHS, scheme=scheme, consistent=True))
    # a chain: every indirect effect along it
    chain = [b for b in ECSI if b[0] != "Complaints"]
    chain_paths = [(chain[k][0], chain[k + 1][0]) for k in range(len(chain) - 1)]
    for scheme in ("path", "factorial"):
        out.append(case(f"mobi_chain_{scheme}", "mobi.csv", chain, chain_paths, scheme=scheme))
        out.append(case(f"mobi_chain_plsc_{scheme}", "mobi.csv", chain, chain_paths, scheme=scheme, consistent=True))
    two = [ECSI[0], ECSI[6]]
    out.append(case("mobi_two_constructs", "mobi.csv", two, [("Image", "Loyalty")]))
    out.append(case("mobi_two_constructs_b", "mobi.csv", modes(two, Image="B"), [("Image", "Loyalty")]))
    out.append(case("mobi_two_constructs_plsc", "mobi.csv", two, [("Image", "Loyalty")], consistent=True))
    singles = [("Image", "A", ["IMAG1"]), ("Value", "A", ["PERV1"]), ("Satisfaction", "A", ["CUSA1", "CUSA2", "CUSA3"]),
               ("Complaints", "A", ["CUSCO"]), ("Loyalty", "A", ["CUSL2"])]
    singles_paths = [("Image", "Satisfaction"), ("Value", "Satisfaction"), ("Satisfaction", "Complaints"),
                     ("Satisfaction", "Loyalty"), ("Complaints", "Loyalty")]
    for scheme in ("path", "factorial"):
        out.append(case(f"mobi_single_items_{scheme}", "mobi.csv", singles, singles_paths, scheme=scheme))
    out.append(case("mobi_single_items_plsc", "mobi.csv", singles, singles_paths, consistent=True))
    # a construct with two predictors that are single items only (all single items)
    allsingle = [("Image", "A", ["IMAG2"]), ("Value", "A", ["PERV2"]), ("Loyalty", "A", ["CUSL1"])]
    out.append(case("mobi_all_single_items", "mobi.csv", allsingle, [("Image", "Loyalty"), ("Value", "Loyalty")]))
    # subsets of rows, with holes
    holes = [("IMAG2", 7, 3), ("CUEX1", 11, 0), ("PERQ4", 5, 2), ("CUSL3", 13, 6), ("CUSCO", 17, 1)]
    for missing in ("mean", "listwise"):
        for scheme in ("path", "factorial"):
            out.append(case(f"ecsi_holes_{missing}_{scheme}", "mobi.csv", ECSI, ECSI_PATHS, scheme=scheme,
                            missing=missing, holes=holes))
        out.append(case(f"ecsi_holes_{missing}_plsc", "mobi.csv", ECSI, ECSI_PATHS, missing=missing, holes=holes,
                        consistent=True))
        out.append(case(f"ecsi_holes_{missing}_mode_b", "mobi.csv", modes(ECSI, Image="B", Quality="B"), ECSI_PATHS,
                        missing=missing, holes=holes))
    out.append(case("ecsi_first_80_rows", "mobi.csv", ECSI, ECSI_PATHS, rows=80))
    out.append(case("ecsi_first_60_rows_mode_b", "mobi.csv", modes(ECSI, Quality="B"), ECSI_PATHS, rows=60))
    # interactions on mobi
    mod = [ECSI[0], ECSI[3], ECSI[4]]
    for method in ("product_indicator", "two_stage", "orthogonal"):
        for scheme in ("path", "factorial"):
            out.append(case(f"mobi_interaction_{method}_{scheme}", "mobi.csv", mod,
                            [("Image", "Satisfaction"), ("Value", "Satisfaction"), ("Image:Value", "Satisfaction")],
                            scheme=scheme, interactions=[("Image", "Value")], interaction=method))
    for method in ("product_indicator", "two_stage"):
        out.append(case(f"mobi_interaction_{method}_plsc", "mobi.csv", mod,
                        [("Image", "Satisfaction"), ("Value", "Satisfaction"), ("Image:Value", "Satisfaction")],
                        consistent=True, interactions=[("Image", "Value")], interaction=method))
    mod2 = [ECSI[0], ECSI[1], ECSI[4], ECSI[6]]
    out.append(case("mobi_interaction_two_stage_chain", "mobi.csv", mod2,
                    [("Image", "Satisfaction"), ("Expectation", "Satisfaction"), ("Image:Expectation", "Satisfaction"),
                     ("Satisfaction", "Loyalty"), ("Image", "Loyalty")],
                    interactions=[("Image", "Expectation")], interaction="two_stage"))
    out.append(case("mobi_interaction_product_mode_b", "mobi.csv", modes(mod, Value="B"),
                    [("Image", "Satisfaction"), ("Value", "Satisfaction"), ("Image:Value", "Satisfaction")],
                    interactions=[("Image", "Value")], interaction="product_indicator"))
    # higher-order constructs (two stage) on mobi
    hoc_blocks = [ECSI[0], ECSI[1], ECSI[2], ECSI[3], ECSI[4], ECSI[6]]
    hoc_paths = [("Image", "Satisfaction"), ("Perception", "Satisfaction"), ("Satisfaction", "Loyalty")]
    for mode in ("A", "B"):
        for scheme in ("path", "factorial"):
            out.append(case(f"mobi_hoc_{mode.lower()}_{scheme}", "mobi.csv", hoc_blocks, hoc_paths, scheme=scheme,
                            hocs=[("Perception", mode, ("Expectation", "Quality", "Value"))]))
    out.append(case("mobi_hoc_a_plsc", "mobi.csv", hoc_blocks, hoc_paths, consistent=True,
                    hocs=[("Perception", "A", ("Expectation", "Quality", "Value"))]))
    out.append(case("mobi_hoc_outcome", "mobi.csv", hoc_blocks,
                    [("Image", "Expectation"), ("Image", "Valuation"), ("Expectation", "Valuation"),
                     ("Valuation", "Loyalty")],
                    hocs=[("Valuation", "A", ("Quality", "Value", "Satisfaction"))]))
    # corporate reputation
    for missing in ("mean", "listwise"):
        for scheme in ("path", "factorial"):
            out.append(case(f"corp_rep_extended_{missing}_{scheme}", "corp_rep_data.csv", CORP, CORP_PATHS,
                            scheme=scheme, missing=missing))
        out.append(case(f"corp_rep_simple_{missing}_plsc", "corp_rep_data.csv", CORP4, CORP4_PATHS, missing=missing,
                        consistent=True))
        out.append(case(f"corp_rep_extended_{missing}_plsc", "corp_rep_data.csv", CORP, CORP_PATHS,
                        missing=missing, consistent=True))
    out.append(case("corp_rep_simple_factorial_mean", "corp_rep_data.csv", CORP4, CORP4_PATHS, scheme="factorial",
                    missing="mean"))
    out.append(case("corp_rep_mode_a_everywhere", "corp_rep_data.csv", modes(CORP, QUAL="A", PERF="A", CSOR="A",
                                                                              ATTR="A"), CORP_PATHS, missing="mean"))
    out.append(case("corp_rep_interaction_two_stage", "corp_rep_data.csv", CORP4,
                    CORP4_PATHS + [("COMP:LIKE", "CUSL")], missing="mean", interactions=[("COMP", "LIKE")]))
    out.append(case("corp_rep_interaction_product", "corp_rep_data.csv", CORP4,
                    CORP4_PATHS + [("COMP:LIKE", "CUSL")], missing="mean", interactions=[("COMP", "LIKE")],
                    interaction="product_indicator"))
    # Holzinger-Swineford, political democracy, bfi as reflective blocks
    for scheme in ("path", "factorial"):
        out.append(case(f"hs_{scheme}", "holzinger_swineford_1939.csv", HS, HS_PATHS, scheme=scheme))
        out.append(case(f"hs_plsc_{scheme}", "holzinger_swineford_1939.csv", HS, HS_PATHS, scheme=scheme,
                        consistent=True))
        out.append(case(f"pd_{scheme}", "political_democracy.csv", PD, PD_PATHS, scheme=scheme))
        out.append(case(f"pd_plsc_{scheme}", "political_democracy.csv", PD, PD_PATHS, scheme=scheme, consistent=True))
        out.append(case(f"bfi_listwise_{scheme}", "bfi.csv", BFI, BFI_PATHS, scheme=scheme))
        out.append(case(f"bfi_mean_{scheme}", "bfi.csv", BFI, BFI_PATHS, scheme=scheme, missing="mean"))
    out.append(case("hs_mode_b", "holzinger_swineford_1939.csv", modes(HS, visual="B"), HS_PATHS))
    out.append(case("hs_all_b_factorial", "holzinger_swineford_1939.csv", modes(HS, visual="B", textual="B",
                                                                                 speed="B"), HS_PATHS,
                    scheme="factorial"))
    out.append(case("hs_two_items", "holzinger_swineford_1939.csv",
                    [("visual", "A", ["x1", "x2"]), ("textual", "A", ["x4", "x5"]), ("speed", "A", ["x7", "x8"])],
                    HS_PATHS))
    out.append(case("hs_two_items_plsc", "holzinger_swineford_1939.csv",
                    [("visual", "A", ["x1", "x2"]), ("textual", "A", ["x4", "x5"]), ("speed", "A", ["x7", "x8"])],
                    HS_PATHS, consistent=True))
    out.append(case("pd_mode_b_ind60", "political_democracy.csv", modes(PD, ind60="B"), PD_PATHS))
    out.append(case("pd_mode_b_ind60_plsc", "political_democracy.csv", modes(PD, ind60="B"), PD_PATHS,
                    consistent=True))
    out.append(case("pd_interaction_product", "political_democracy.csv", PD, PD_PATHS + [("ind60:dem60", "dem65")],
                    interactions=[("ind60", "dem60")], interaction="product_indicator"))
    out.append(case("bfi_plsc", "bfi.csv", BFI, BFI_PATHS, consistent=True))
    out.append(case("bfi_mode_b_mean", "bfi.csv", modes(BFI, Neuro="B", Open="B"), BFI_PATHS, missing="mean"))
    out.append(case("bfi_first_300_hoc", "bfi.csv", BFI,
                    [("Extra", "Consc"), ("Social", "Consc")], rows=300,
                    hocs=[("Social", "A", ("Agree", "Open"))], note="Neuro left out of the model"))
    # edge shapes on derived columns: a near-collinear item (in Mode A and Mode B blocks), an
    # almost constant single item, many constructs (bfi split into ten two- and three-item blocks)
    near = [("IMAGX", {"IMAG1": 1.0, "CUEX1": 0.15}, {})]   # r(IMAG1, IMAGX) about 0.99
    img = ("Image", "A", [f"IMAG{i}" for i in range(1, 6)] + ["IMAGX"])
    out.append(case("ecsi_near_collinear_mode_a", "mobi.csv", [img] + ECSI[1:], ECSI_PATHS, derived=near))
    out.append(case("ecsi_near_collinear_mode_b", "mobi.csv", modes([img] + ECSI[1:], Image="B"), ECSI_PATHS,
                    derived=near))
    out.append(case("ecsi_near_collinear_plsc", "mobi.csv", [img] + ECSI[1:], ECSI_PATHS, derived=near,
                    consistent=True))
    flat = [("CUSCOX", {"CUSCO": 0.0}, {"3": 1.0, "100": 1.0, "200": -1.0})]
    out.append(case("ecsi_almost_constant_single_item", "mobi.csv",
                    [b if b[0] != "Complaints" else ("Complaints", "A", ["CUSCOX"]) for b in ECSI], ECSI_PATHS,
                    derived=flat))
    ten = []
    for n, _, items in BFI:
        ten += [(f"{n}1", "A", items[:2]), (f"{n}2", "A", items[2:])]
    ten_paths = [(ten[k][0], ten[k + 1][0]) for k in range(len(ten) - 1)] + [(ten[0][0], ten[9][0]),
                                                                              (ten[3][0], ten[7][0])]
    for scheme in ("path", "factorial"):
        out.append(case(f"bfi_ten_constructs_{scheme}", "bfi.csv", ten, ten_paths, scheme=scheme, missing="mean"))
    out.append(case("bfi_ten_constructs_plsc", "bfi.csv", ten, ten_paths, consistent=True))
    return out


def syntax(c) -> str:
    lines = []
    for n, m, items in used_blocks(c):
        lines.append(f"{n} {'=~' if m == 'A' else '<~'} {' + '.join(items)}")
    for h, m, dims in c["hocs"]:
        lines.append(f"{h} {'=~' if m == 'A' else '<~'} {' + '.join(dims)}")
    for a, b in c["paths"]:
        lines.append(f"{b} ~ {a}")
    return "\n".join(lines) + "\n"


def used_blocks(c):
    """Blocks that the structural model (or a higher-order construct) uses."""
    names = {x for p in c["paths"] for x in p[0].split(":") + [p[1]]}
    names |= {d for _, _, dims in c["hocs"] for d in dims}
    return [b for b in c["blocks"] if b[0] in names]


def load(c) -> pd.DataFrame:
    return case_data(c, pd.read_csv(DATA / c["data"]))


def peer_model(c):
    plsc = c["options"]["consistent"]
    specs = []
    for n, m, items in used_blocks(c):
        if m == "B":
            specs.append(composite(n, items, weights=mode_B))
        elif plsc and len(items) > 1:
            specs.append(reflective(n, items))
        else:
            specs.append(composite(n, items))
    for h, m, dims in c["hocs"]:
        specs.append(higher_composite(h, list(dims), method="two_stage", weights=mode_B if m == "B" else correlation_weights))
    method = {"product_indicator": product_indicator, "two_stage": two_stage,
              "orthogonal": orthogonal}[c["options"]["interaction"]]
    for a, b in c["interactions"]:
        specs.append(interaction_term(a, b, method=method))
    rows = [paths(from_=a.replace(":", "*"), to=b) for a, b in c["paths"]]
    return constructs(*specs), relationships(*rows)


def ours(name: str) -> str:
    """seminr's names in ours: interaction ``A*B`` is ``A:B``, its two-stage item ``A*B_intxn`` is ``A*B``."""
    if name.endswith("_intxn"):
        return name[:-len("_intxn")]
    parts = name.split("*")
    return ":".join(parts) if len(parts) == 2 and set(parts) <= CONSTRUCTS else name


def nm(x):
    """A NamedMatrix as {row: {col: value}} without NaN cells."""
    return {ours(r): {ours(k): float(x.values[i, j]) for j, k in enumerate(x.cols) if not math.isnan(x.values[i, j])}
            for i, r in enumerate(x.rows)}


def matrix(x):
    """A NamedMatrix as {rows, cols, values} (NaN as null)."""
    return {"rows": [ours(r) for r in x.rows], "cols": [ours(c) for c in x.cols],
            "values": [[fin(float(v)) for v in row] for row in x.values]}


def fin(v):
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)


# PLSpredict (seeded: the same shuffle in ours for the same seed): case -> [(technique, folds, seed)]
PREDICT = {"ecsi_path": [("DA", 5, 123), ("EA", 10, 7)], "ecsi_factorial": [("DA", 10, 123)],
           "ecsi_image_b_path": [("DA", 10, 123), ("EA", 10, 123)], "mobi_chain_path": [("EA", 10, 123)],
           "mobi_single_items_path": [("DA", 10, 2)], "hs_path": [("DA", 10, 123), ("DA", 7, 5)],
           "hs_mode_b": [("EA", 10, 123)], "pd_path": [("DA", 5, 123)], "pd_mode_b_ind60": [("EA", 5, 11)],
           "corp_rep_extended_listwise_path": [("DA", 10, 123)], "corp_rep_extended_mean_path": [("DA", 10, 123)],
           "bfi_listwise_path": [("DA", 10, 123)], "ecsi_holes_mean_path": [("EA", 10, 3)]}


# bootstrap (complete data only; seminr's default resampler, Generator(PCG64(seed)).integers(0, n, n) per
# resample, is replayed by the test): case -> (resamples, seed)
BOOT = {"ecsi_path": (100, 123), "ecsi_image_b_factorial": (100, 7), "ecsi_plsc_path": (100, 123),
        "hs_mode_b": (100, 5), "pd_plsc_path": (100, 123), "mobi_single_items_path": (100, 123),
        "mobi_chain_factorial": (100, 9)}


def boot_summaries(model, plan) -> dict | None:
    """Per statistic and cell: [mean, sd, 2.5 % and 97.5 % percentile (type 7)] over the resamples."""
    if plan is None:
        return None
    b = bootstrap_model(model, nboot=plan[0], seed=plan[1])
    out = {"boots": b.boots, "fails": b.fails, "seed": plan[1]}
    for field in ("boot_paths", "boot_loadings", "boot_weights", "boot_htmt", "boot_total_paths"):
        reps = getattr(b, field)
        ci = boot_percentile_cis(reps)
        first, rec = reps[0], {}
        for i, r in enumerate(first.rows):
            for j, c in enumerate(first.cols):
                vals = np.array([rep.values[i, j] for rep in reps])
                if np.all(vals == 0) or np.all(np.isnan(vals)):
                    continue
                rec[f"{ours(r)} -> {ours(c)}"] = [float(vals.mean()), float(vals.std(ddof=1)),
                                                   float(ci.lower.values[i, j]), float(ci.upper.values[i, j])]
        out[field[5:]] = rec
    return out


def predictions(model, plan) -> list:
    out = []
    for tech, folds, seed in plan:
        pred = predict_pls(model, technique=predict_DA if tech == "DA" else predict_EA, no_folds=folds, seed=seed)
        met = item_metrics(pred)
        rec = {}
        for key, nm_ in [("pls_out_of_sample", "pls"), ("lm_out_of_sample", "lm")]:
            m = getattr(met, key)
            for j, item in enumerate(m.cols):
                rec.setdefault(item, {})[f"{nm_}_rmse"] = float(m.values[0, j])
                rec.setdefault(item, {})[f"{nm_}_mae"] = float(m.values[1, j])
        out.append({"technique": tech, "k": folds, "seed": seed, "items": rec})
    return out


def reference(c, name) -> dict:
    mm, sm = peer_model(c)
    df = load(c)
    cols = [x for n, _, items in used_blocks(c) for x in items]
    data = df[list(dict.fromkeys(cols))]
    o = c["options"]
    model = estimate_pls(data, mm, sm, inner_weights=path_weighting if o["scheme"] == "path" else path_factorial,
                         missing=mean_replacement if o["missing"] == "mean" else na_omit)
    s = summarize_pls(model)
    rp = s.paths
    pth, r2 = [], {}
    for j, dv in enumerate(rp.cols):
        r2[dv] = {"r2": fin(rp.get("R^2", dv)), "r2_adj": fin(rp.get("AdjR^2", dv))}
        for i, iv in enumerate(rp.rows[2:]):
            v = rp.values[i + 2, j]
            if not math.isnan(v):
                pth.append([ours(iv), dv, float(v)])
    W, L = s.weights, s.loadings
    outer = []
    for i, item in enumerate(W.rows):
        for j, con in enumerate(W.cols):
            if W.values[i, j] != 0 or L.values[i, j] != 0:
                outer.append([ours(con), ours(item), float(W.values[i, j]), float(L.values[i, j])])
    eff = []
    T, ind = s.total_effects, s.total_indirect_effects
    for i, a in enumerate(T.rows):
        for j, b in enumerate(T.cols):
            if T.values[i, j] != 0:
                eff.append([ours(a), ours(b), float(T.values[i, j]),
                            float(ind.values[i, j])])
    f2 = []
    F = s.f_square
    for i, a in enumerate(F.rows):
        for j, b in enumerate(F.cols):
            if model.path_coef.values[i, j] != 0 and not math.isnan(F.values[i, j]):
                f2.append([ours(a), b, float(F.values[i, j])])
    scores = model.construct_scores
    n = scores.values.shape[0]
    picks = sorted({0, 1, n // 3, n // 2, n - 1})
    rel = {ours(r): v for r, v in nm(s.reliability).items()}
    return {"seminr": {
        "predict": predictions(model, PREDICT.get(name, [])),
        "bootstrap": boot_summaries(model, BOOT.get(name)),
        "nobs": n, "iterations": int(model.iterations),
        "paths": pth, "r2": r2, "outer": outer, "effects": eff, "f2": f2,
        "reliability": rel,
        "htmt": [[a, b, v] for a, row in nm(s.validity.htmt).items() for b, v in row.items()],
        "fornell_larcker": nm(s.validity.fl_criteria),
        "cross_loadings": matrix(s.validity.cross_loadings),
        "vif_items": {ours(k): {ours(a): v for a, v in d.items()} for k, d in s.validity.vif_items.items()},
        "vif_antecedents": {ours(k): {ours(a): fin(v) for a, v in d.items()}
                            for k, d in s.vif_antecedents.items()},
        "scores_rows": picks,
        "scores": {ours(col): [float(scores.values[r, j]) for r in picks]
                   for j, col in enumerate(scores.cols)},
    }}


TOLERANCES = {"bootstrap": 1e-6, "predict": 1e-6, "weight": 1e-6, "loading": 1e-6, "path": 1e-6, "r2": 1e-6, "effect": 1e-6, "f2": 1e-6,
              "vif": 1e-6, "reliability": 1e-6, "htmt": 1e-6, "fornell_larcker": 1e-6, "cross_loading": 1e-6,
              "score": 1e-6}


def rounded(x):
    """Floats to 10 significant digits (the tolerances are 1e-6): a smaller file, same test."""
    if isinstance(x, float):
        return float(f"{x:.10g}")
    if isinstance(x, dict):
        return {k: rounded(v) for k, v in x.items()}
    if isinstance(x, list):
        return [rounded(v) for v in x]
    return x


# Cells left out of the equality test, each with its reason (docs/pls-sweep.md). ``where`` is
# evaluated by tests/plspm/test_pls_sweep.py: "mode_b" (the cell's construct is a Mode B
# block), "reference_missing" (seminr's value is NA), "plsc_offdiagonal" / "plsc" (PLSc cases,
# off-diagonal cells only / all cells), "interaction" (the cell's construct is an interaction
# term; for fornell_larcker only its diagonal), "hoc_plsc" (PLSc cases with a higher-order construct).
EXCLUDED = [
    {"statistics": ["alpha", "rhoA", "rhoC", "AVE"], "where": "mode_b",
     "reason": "deliberate: ours reports no internal-consistency reliability for Mode B (formative) blocks (NaN); "
               "seminr computes alpha, rhoC and AVE as if the block were reflective and sets rhoA = 1, measures "
               "that Hair et al. (2021, ch. 5) state do not apply to formative measurement"},
    {"statistics": ["vif_antecedent"], "where": "reference_missing",
     "reason": "seminr (R and Python) reports NA as the VIF of a construct's only predictor; ours reports 1, the "
               "VIF of a single regressor (SmartPLS prints 1.000)"},
    {"statistics": ["vif_antecedent"], "where": "plsc",
     "reason": "deliberate: under PLSc ours computes the inner VIFs from the consistent (disattenuated) construct "
               "correlations from which the PLSc paths are estimated (cSEM's convention); seminr from the "
               "uncorrected composite scores"},
    {"statistics": ["fornell_larcker"], "where": "plsc_offdiagonal",
     "reason": "deliberate: under PLSc ours puts the consistent (disattenuated) construct correlations below "
               "the diagonal, beside the square root of the consistent AVE (cSEM's convention); seminr the "
               "uncorrected composite-score correlations"},
    {"statistics": ["path", "r2", "r2_adj", "total_effect", "indirect_effect", "f2"], "where": "hoc_plsc",
     "reason": "seminr 0.2.1 differs from R seminr: under PLSc it disattenuates a two-stage higher-order composite "
               "with its rho_A (here giving R² = 1.05); R seminr's PLSc (feature_consistent.R) uses the reliability "
               "w'S*w / w'Sw of a composite of error-laden dimension scores (van Riel et al. 2017), as ours does "
               "(checked by test_hoc_plsc_reliability_as_r_seminr)"},
    {"statistics": ["loading", "score", "rhoC", "AVE", "fornell_larcker"], "where": "interaction",
     "reason": "documented in loyaltyscope/plspm/interactions.py: seminr rescales an interaction term's score by "
               "sum(sd_k |lambda_k|) / sum(|lambda_k|) and reports its loadings as covariances with that score; ours "
               "keeps the standardized score and puts the rescaling into the path coefficient (paths, effects, R² and "
               "f² equal seminr's)"},
]


def main():
    out = {"kind": "pls_sweep", "seminr_version": md.version("seminr"), "tolerances": TOLERANCES,
           "excluded": EXCLUDED,
           "generator": "tests/reference/pls/sweep/generate_pls_sweep.py", "cases": {}}
    for c in cases():
        c = dict(c)
        c["model"] = syntax(c)
        try:
            c.update(reference(c, c["name"]))
        except Exception as e:  # the peer cannot fit it: recorded, not silently dropped
            c["peer_error"] = f"{type(e).__name__}: {e}"
        name = c.pop("name")
        out["cases"][name] = c
        print(name, "error" if "peer_error" in c else "ok", c.get("peer_error", ""))
    (HERE / "pls_sweep.json").write_text(json.dumps(rounded(out), separators=(",", ":"), allow_nan=False))


if __name__ == "__main__":
    main()
