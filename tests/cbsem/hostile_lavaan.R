# lavaan 0.6-14's answers to the hostile models of issue 14 (quoted in test_hostile_model.py
# and docs/cbsem-hostile.md). Run: Rscript tests/cbsem/hostile_lavaan.R
# Output recorded on 2026-11-29 (R 4.x, lavaan 0.6-14) is given after each call.
library(lavaan)
HS3 <- "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\n"
tr <- function(m) tryCatch({
  f <- sem(m, HolzingerSwineford1939)
  pe <- parameterEstimates(f); print(pe[c(1, 2, nrow(pe)), 1:5])
}, error = function(e) print(conditionMessage(e)), warning = function(w) print(conditionMessage(w)))
tr(paste0(HS3, "visual =~ 0.5*x2"))            # "lavaan ERROR: duplicate model element in: visual=~0.5*x2"
tr(paste0(HS3, "visual =~ x2"))                # "lavaan ERROR: duplicate model element in: visual=~x2"
tr(paste0(HS3, "visual ~~ textual\ntextual ~~ visual"))  # "... duplicate model element in: textual~~visual"
tr("visual =~ x1 + x2 + x3\nx1 =~ x1 + x4 + x5")  # "lavaan ERROR: latent variable `x1' can not be measured by itself"
tr("visual =~ x1 + x2 + x3\nx4 =~ x5 + x6 + x7")  # "lavaan ERROR: some latent variable names collide with observed variable names: x4"
tr(paste0(HS3, "visual ~ 1*textual\ntextual ~ 1*visual"))  # "lavaan WARNING: Model estimation FAILED! Returning starting values."
tr(paste0(gsub("x2", "a*x2", HS3), "d := a\nd := 2*a"))    # fitted silently, no message (last row: d := 2*a = 1.107)
tr(paste0(gsub("x2", "a*x2", HS3), "d := 1/0"))            # fitted silently, d = Inf
tr(paste0(gsub("x2", "a*x2", HS3), "d := a*1e309"))        # fitted silently, d = Inf
tr(paste0(gsub("x2", "a*x2", HS3), "a == 1\na == 2"))      # fitted silently with a = 1
tr(paste0(HS3, "visual ~~ 5*textual\nvisual ~~ 1*visual\ntextual ~~ 1*textual"))
                                               # "lavaan WARNING: starting values imply a correlation larger than 1; variables involved are: visual textual"
tr(paste0(HS3, "visual ~ visual"))             # "lavaan WARNING: lhs and rhs are the same in: visual~visual"
