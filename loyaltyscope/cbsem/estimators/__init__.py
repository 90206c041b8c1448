"""Estimator plug-ins of the SEM pipeline (:mod:`loyaltyscope.cbsem.pipeline`).

- ``ml``: maximum likelihood (ML, MLR, MLM; FIML with missing data);
- ``dwls``: DWLS / WLSMV for ordinal items;
- ``batched_ml``: ML refits of many bootstrap resamples at once (stacked Newton steps).

A new estimator is a module here with a ``fit(spec, ..., options)`` that returns a
:class:`loyaltyscope.cbsem.pipeline.Fitted`; the pipeline's results stage does the rest.
"""
