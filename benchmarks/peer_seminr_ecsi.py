"""The ECSI model on mobi written for the seminr Python package (PyPI seminr 0.2.1), shared by
bench_pls.py (run in the peers' interpreter) and tests/reference/pls/seminr_py/generate_seminr_py.py.
Imports only seminr: it runs in /work/venv-peers, never in the project venv."""

from seminr import composite, constructs, multi_items, paths, relationships, single_item


def ecsi_measurement():
    return constructs(
        composite("Image", multi_items("IMAG", range(1, 6))),
        composite("Expectation", multi_items("CUEX", range(1, 4))),
        composite("Quality", multi_items("PERQ", range(1, 8))),
        composite("Value", multi_items("PERV", range(1, 3))),
        composite("Satisfaction", multi_items("CUSA", range(1, 4))),
        composite("Complaints", single_item("CUSCO")),
        composite("Loyalty", multi_items("CUSL", range(1, 4))))


def ecsi_structure():
    return relationships(
        paths(from_="Image", to=["Expectation", "Satisfaction", "Loyalty"]),
        paths(from_="Expectation", to=["Quality", "Value", "Satisfaction"]),
        paths(from_="Quality", to=["Value", "Satisfaction"]),
        paths(from_="Value", to="Satisfaction"),
        paths(from_="Satisfaction", to=["Complaints", "Loyalty"]),
        paths(from_="Complaints", to="Loyalty"))
