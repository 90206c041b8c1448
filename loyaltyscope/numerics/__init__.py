"""Shared numerical kernels and display helpers used by more than one room (bivariate normal,
BLAS thread limits, table rendering). Nothing here knows about surveys or models."""
