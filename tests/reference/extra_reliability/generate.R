# Reliability / validity sweep: semTools 0.5-6 (compRelSEM, AVE, htmt), lavaan 0.6-14 (cor.lv for
# Fornell-Larcker) and psych (alpha) on many models, data sets and options not covered by
# ../extra_psych/reliability.json. Run from this folder: Rscript generate.R
# Writes reliability_sweep.json (then: python ../write_tolerances.py is NOT needed: tolerances are
# written here, at the reliability defaults of tests/reference.py).
# Data sets are the bundled ones, or derived from them deterministically (see data_set()).
suppressMessages({library(lavaan); library(semTools); library(psych); library(jsonlite)})
pkg <- function(f) read.csv(file.path("../../../loyaltyscope/datasets/data", f))
B25 <- c(paste0("A",1:5),paste0("C",1:5),paste0("E",1:5),paste0("N",1:5),paste0("O",1:5))
REV <- c("A1","C4","C5","E1","E2","O2","O5")
data_set <- function(name) {
  hs <- pkg("holzinger_swineford_1939.csv"); bfi <- pkg("bfi.csv")
  bfir <- bfi; for (v in REV) bfir[[v]] <- 7 - bfir[[v]]
  switch(name,
    hs = hs,
    hs_missing = pkg("holzinger_swineford_1939_missing.csv"),
    # units changed: x1 in hundredths, x4 in tens (omega/AVE depend on units; HTMT does not)
    hs_scaled = transform(hs, x1 = x1 * 100, x4 = x4 / 10),
    # x10 nearly a copy of x1 (near-singular covariance)
    hs_near = transform(hs, x10 = x1 + 0.01 * ((id %% 5) - 2)),
    pd = pkg("political_democracy.csv"),
    pd_missing = read.csv("../data/political_democracy_missing.csv"),
    bfi = bfi,
    bfir = bfir,
    # the first 500 respondents, reverse-keyed (ordinal WLSMV fits)
    bfir500 = bfir[1:500, ],
    hs_ord = read.csv("../data/holzinger_swineford_ordinal.csv"),
    hs_ord_missing = read.csv("../data/hs_ordinal_missing.csv"),
    stop(name))
}
items_of <- function(model) {
  pt <- lavaanify(model); pt <- pt[pt$op == "=~", ]
  f <- unique(pt$lhs); first <- f[!sapply(f, function(x) any(pt$rhs[pt$lhs == x] %in% f))]
  sapply(first, function(x) pt$rhs[pt$lhs == x], simplify = FALSE)
}
num <- function(v) if (is.null(v)) NULL else as.list(setNames(as.numeric(unlist(v)), names(v)))
bygroup <- function(expr) {   # semTools: a vector (one group) or a data frame with a group column; or its error
  x <- quiet(expr)$v
  if (inherits(x, "err")) return(list(error = as.character(x)))
  if (is.data.frame(x)) {
    g <- as.character(x$group); x$group <- NULL
    setNames(lapply(seq_len(nrow(x)), function(i) num(as.list(x[i, , drop = FALSE]))), g)
  } else list(`1` = num(as.list(x)))
}
mat <- function(m) list(names = rownames(m), values = unname(lapply(seq_len(nrow(m)), function(i) as.numeric(m[i, ]))))
quiet <- function(expr) { w <- character(0); v <- withCallingHandlers(tryCatch(expr, error = function(e) structure(conditionMessage(e), class = "err")),
  warning = function(x) { w <<- c(w, conditionMessage(x)); invokeRestart("muffleWarning") }, message = function(m) invokeRestart("muffleMessage")); list(v = v, w = w) }

## ---- reliability cases: one lavaan fit, every compRelSEM / AVE option, cor.lv, psych alpha ----
rel_case <- function(name, data, model, fit = list(), higher = character(0), note = "", input = "data") {
  d <- data_set(data)
  its <- items_of(model)
  if (input == "cov") {   # the covariance matrix (divisor n - 1) of the complete rows of the model's observed variables
    ov <- lavNames(lavaanify(model), "ov")
    cc <- d[complete.cases(d[, ov]), ov]
    f <- quiet(do.call("cfa", c(list(model = model, sample.cov = cov(cc), sample.nobs = nrow(cc)), fit)))
  } else f <- quiet(do.call("cfa", c(list(model = model, data = d), fit)))
  if (inherits(f$v, "err")) stop(name, ": ", f$v)
  fitobj <- f$v
  if (!lavInspect(fitobj, "converged")) stop(name, ": lavaan did not converge")
  if (any(grepl("not compute standard errors", f$w))) stop(name, ": not identified (lavaan cannot compute standard errors)")
  ng <- lavInspect(fitobj, "ngroups")
  cat_ <- lavInspect(fitobj, "categorical")
  omega <- list(
    default = bygroup(compRelSEM(fitobj)),
    obs_var_false = bygroup(compRelSEM(fitobj, obs.var = FALSE)),
    tau_eq = bygroup(compRelSEM(fitobj, tau.eq = TRUE)),
    return_total = bygroup(compRelSEM(fitobj, return.total = TRUE)))
  if (cat_) omega$ord_scale_false <- bygroup(compRelSEM(fitobj, ord.scale = FALSE))
  if (length(higher)) omega$higher <- bygroup(compRelSEM(fitobj, higher = higher))
  ave <- list(default = bygroup(AVE(fitobj)), obs_var_false = bygroup(AVE(fitobj, obs.var = FALSE)))
  cl <- lavInspect(fitobj, "cor.lv")
  if (ng == 1) cl <- list(cl)
  gl <- if (ng > 1) lavInspect(fitobj, "group.label") else "1"
  cor_lv <- setNames(lapply(cl, mat), gl)
  alpha_of <- function(dd) lapply(its[sapply(its, length) > 1],
                                   function(v) quiet(psych::alpha(dd[, v], check.keys = FALSE))$v$total$raw_alpha)
  # psych::alpha of the construct's items (per group: of the group's rows)
  alpha <- if (input == "cov") list(`1` = lapply(its[sapply(its, length) > 1], function(v) psych::alpha(cov(cc)[v, v])$total$raw_alpha)) else
    if (is.null(fit$group)) list(`1` = alpha_of(d)) else
    setNames(lapply(gl, function(g) alpha_of(d[as.character(d[[fit$group]]) == g, ])), gl)
  list(name = name, kind = "reliability", data = data, input = input, model = model, fit_options = fit, higher = higher, note = note,
       ngroups = ng, group_labels = gl, nobs = as.list(lavInspect(fitobj, "nobs")), categorical = cat_,
       lavaan_warnings = f$w, omega = omega, ave = ave, cor_lv = cor_lv, alpha = alpha,
       calls = c("compRelSEM(fit, obs.var =, tau.eq =, return.total =, ord.scale =, higher =)", "AVE(fit, obs.var =)",
                 "lavInspect(fit, 'cor.lv')", "psych::alpha(data[items], check.keys = FALSE)$total$raw_alpha"))
}

HS3 <- "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
PDM <- "ind60 =~ x1 + x2 + x3\ndem60 =~ y1 + y2 + y3 + y4\ndem65 =~ y5 + y6 + y7 + y8"
PDR <- "y1 ~~ y5\ny2 ~~ y4 + y6\ny3 ~~ y7\ny4 ~~ y8\ny6 ~~ y8"
fac <- function(f, it) paste0(f, " =~ ", paste(it, collapse = " + "))
B5 <- paste(sapply(c("A","C","E","N","O"), function(f) fac(f, paste0(f, 1:5))), collapse = "\n")
rel <- list(
  rel_case("hs3", "hs", HS3),
  rel_case("hs3_stdlv", "hs", HS3, list(std.lv = TRUE)),
  rel_case("hs1", "hs", fac("g", paste0("x", 1:9))),
  rel_case("hs2_sub", "hs", "visual =~ x1 + x2 + x3\nspeed =~ x7 + x8 + x9"),
  rel_case("hs3_cross", "hs", paste0(HS3, "\nvisual =~ x9")),
  rel_case("hs3_cross2", "hs", paste0(HS3, "\ntextual =~ x1\nspeed =~ x3")),
  rel_case("hs3_rescov", "hs", paste0(HS3, "\nx7 ~~ x8\nx2 ~~ x3")),
  rel_case("hs_two_items", "hs", "f1 =~ x1 + x2\nf2 =~ x4 + x5 + x6\nf3 =~ x7 + x8"),
  rel_case("hs_single_last", "hs", "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\ns =~ x7"),
  rel_case("hs_single_first", "hs", "s =~ x7\nvisual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6",
           note = "semTools::AVE indexes the indicator names of the multi-indicator factors by row numbers of all indicators: with a single-indicator factor first its denominators are shifted"),
  rel_case("hs_higher", "hs", paste0(HS3, "\ng =~ visual + textual + speed"), higher = "g"),
  rel_case("hs_sem_chain", "hs", paste0(HS3, "\ntextual ~ visual\nspeed ~ textual")),
  rel_case("hs_sem_both", "hs", paste0(HS3, "\nspeed ~ visual + textual")),
  rel_case("hs_mimic", "hs", paste0(HS3, "\nvisual ~ ageyr\ntextual ~ ageyr + sex")),
  rel_case("hs_missing_listwise", "hs_missing", HS3),
  rel_case("hs_missing_fiml", "hs_missing", HS3, list(missing = "ml")),
  rel_case("hs_groups", "hs", HS3, list(group = "school")),
  rel_case("hs_groups_metric", "hs", HS3, list(group = "school", group.equal = "loadings")),
  rel_case("hs_groups_stdlv", "hs", HS3, list(group = "school", std.lv = TRUE)),
  rel_case("hs_scaled", "hs_scaled", HS3),
  rel_case("hs_near", "hs_near", "visual =~ x1 + x2 + x3 + x10\ntextual =~ x4 + x5 + x6"),
  rel_case("pd_measure", "pd", paste0(PDM, "\n", PDR)),
  rel_case("pd_sem", "pd", paste0(PDM, "\ndem60 ~ ind60\ndem65 ~ ind60 + dem60\n", PDR)),
  rel_case("pd_sem_stdlv", "pd", paste0(PDM, "\ndem60 ~ ind60\ndem65 ~ ind60 + dem60\n", PDR), list(std.lv = TRUE)),
  rel_case("pd_missing_fiml", "pd_missing", paste0(PDM, "\n", PDR), list(missing = "ml")),
  rel_case("pd_missing_listwise", "pd_missing", PDM),
  rel_case("bfi5", "bfir", B5),
  rel_case("bfi5_unreversed", "bfi", B5),
  rel_case("bfi3", "bfir", paste(fac("A", paste0("A", 1:5)), fac("C", paste0("C", 1:5)), fac("N", paste0("N", 1:5)), sep = "\n")),
  rel_case("bfi_N_one", "bfir", fac("N", paste0("N", 1:5))),
  rel_case("bfi_groups", "bfir", paste(fac("E", paste0("E", 1:5)), fac("N", paste0("N", 1:5)), sep = "\n"), list(group = "gender")),
  rel_case("bfi_mimic", "bfir", paste(fac("N", paste0("N", 1:5)), "N ~ age", sep = "\n")),
  rel_case("bfi_cross_rescov", "bfir", paste(fac("E", paste0("E", 1:5)), fac("A", paste0("A", 1:5)), "A =~ E3\nN1 ~~ N2",
                                               fac("N", paste0("N", 1:5)), sep = "\n")),
  rel_case("bfi_fiml", "bfir", paste(fac("C", paste0("C", 1:5)), fac("O", paste0("O", 1:5)), sep = "\n"), list(missing = "ml")),
  rel_case("bfi_ord_N", "bfir500", fac("N", paste0("N", 1:5)), list(ordered = TRUE)),
  rel_case("bfi_ord_AE", "bfir500", paste(fac("A", paste0("A", 1:5)), fac("E", paste0("E", 1:5)), sep = "\n"), list(ordered = TRUE)),
  rel_case("bfi_ord_theta", "bfir500", paste(fac("A", paste0("A", 1:5)), fac("E", paste0("E", 1:5)), sep = "\n"),
           list(ordered = TRUE, parameterization = "theta")),
  rel_case("bfi_ord_unreversed", "bfi", fac("A", paste0("A", 1:5)), list(ordered = TRUE)),
  rel_case("bfi_ord5", "bfir500", B5, list(ordered = TRUE)),
  rel_case("bfi_mixed", "bfir500", paste(fac("A", paste0("A", 1:5)), fac("E", paste0("E", 1:5)), sep = "\n"),
           list(ordered = paste0("A", 1:5))),
  rel_case("bfi_mixed_factor", "bfir500", paste(fac("A", c(paste0("A", 1:5), "E3")), fac("E", paste0("E", 1:5)), sep = "\n"),
           list(ordered = paste0("A", 1:5))),
  rel_case("hs_ord3", "hs_ord", HS3, list(ordered = TRUE)),
  rel_case("hs_ord3_rescov", "hs_ord", paste0(HS3, "\nx7 ~~ x8"), list(ordered = TRUE)),
  rel_case("hs_ord3_groups", "hs_ord", HS3, list(ordered = TRUE, group = "school")),
  # (equal thresholds: lavaan does not converge on these data)
  rel_case("hs_ord3_groups_metric_theta", "hs_ord", HS3, list(ordered = TRUE, group = "school", group.equal = "loadings",
                                                              parameterization = "theta")),
  # (HS ordinal with theta and std.lv: x9's loading runs off to infinity, lavaan cannot compute SEs — not a reference)
  rel_case("bfi_ord_theta_stdlv", "bfir500", paste(fac("C", paste0("C", 1:5)), fac("N", paste0("N", 1:5)), sep = "\n"),
           list(ordered = TRUE, parameterization = "theta", std.lv = TRUE)),
  rel_case("hs_ord_higher", "hs_ord", paste0(HS3, "\ng =~ visual + textual + speed"), list(ordered = TRUE), higher = "g"),
  rel_case("hs_ord_pairwise", "hs_ord_missing", HS3, list(ordered = TRUE, missing = "pairwise")),
  rel_case("pd_two_groups_of_items", "pd", "ind60 =~ x1 + x2 + x3\ndem =~ y1 + y2 + y3 + y4 + y5 + y6 + y7 + y8\ndem ~ ind60"),
  rel_case("hs_groups_three_factors_cross", "hs", paste0(HS3, "\nvisual =~ x9"), list(group = "school")),
  rel_case("hs_orthogonal", "hs", paste0(HS3, "\nvisual ~~ 0*textual + 0*speed\ntextual ~~ 0*speed")),
  rel_case("hs_tau_equivalent", "hs", "visual =~ 1*x1 + 1*x2 + 1*x3\ntextual =~ x4 + a*x5 + a*x6\nspeed =~ x7 + x8 + x9"),
  rel_case("hs_groups_fiml", "hs_missing", HS3, list(group = "school", missing = "ml")),
  rel_case("hs_groups_fiml_stdlv_metric", "hs_missing", HS3, list(group = "school", missing = "ml", std.lv = TRUE,
                                                                   group.equal = "loadings")),
  rel_case("pd_observed_outcome", "pd", "ind60 =~ x1 + x2 + x3\ndem65 =~ y5 + y6 + y7 + y8\ny1 ~ ind60 + dem65"),
  rel_case("pd_observed_predictor", "pd", "dem60 =~ y1 + y2 + y3 + y4\ndem65 =~ y5 + y6 + y7 + y8\ndem60 ~ x1\ndem65 ~ dem60 + x1"),
  rel_case("bfi5_three_items", "bfir", paste(sapply(c("A","C","E","N","O"), function(f) fac(f, paste0(f, 1:3))), collapse = "\n")),
  rel_case("hs3_cov", "hs", HS3, input = "cov"),
  rel_case("pd_sem_cov", "pd", paste0(PDM, "\ndem60 ~ ind60\ndem65 ~ ind60 + dem60\n", PDR), input = "cov"),
  rel_case("bfi3_cov_stdlv", "bfir", paste(fac("A", paste0("A", 1:5)), fac("C", paste0("C", 1:5)), fac("N", paste0("N", 1:5)), sep = "\n"),
           list(std.lv = TRUE), input = "cov"),
  rel_case("bfi_two_factor_rescov_cross", "bfir", paste(fac("C", paste0("C", 1:5)), fac("O", paste0("O", 1:5)),
                                                        "C =~ O5\nC1 ~~ C2\nO2 ~~ O5", sep = "\n"))
)

## ---- HTMT cases -------------------------------------------------------------------------------
htmt_case <- function(name, data, model, args = list(), input = "data", note = "") {
  d <- data_set(data)
  its <- unique(unlist(items_of(model)))
  if (input == "data") {
    r <- quiet(do.call(htmt, c(list(model = model, data = d), args)))
  } else {
    S <- if (input == "cov") cov(d[, its], use = "complete.obs") else cor(d[, its], use = "complete.obs")
    r <- quiet(do.call(htmt, c(list(model = model, sample.cov = S), args)))
  }
  res <- if (inherits(r$v, "err")) list(error = as.character(r$v)) else mat(unclass(r$v))
  list(name = name, kind = "htmt", data = data, model = model, args = args, input = input, note = note,
       result = res, warnings = r$w,
       call = paste0("htmt(model, ", if (input == "data") "data" else paste0("sample.cov = ", input, "(data[items], use = 'complete.obs')"),
                     paste0(", ", names(args), " = ", sapply(args, deparse), collapse = ""), ")"))
}
B <- function(fs) paste(sapply(fs, function(f) fac(f, paste0(f, 1:5))), collapse = "\n")
ht <- list()
for (ab in c(TRUE, FALSE)) for (h2 in c(TRUE, FALSE)) {
  tag <- paste0(if (ab) "abs" else "signed", "_", if (h2) "htmt2" else "arith")
  ht[[length(ht) + 1]] <- htmt_case(paste0("hs3_", tag), "hs", HS3, list(absolute = ab, htmt2 = h2))
  ht[[length(ht) + 1]] <- htmt_case(paste0("bfi5_unrev_", tag), "bfi", B5, list(absolute = ab, htmt2 = h2))
}
for (k in 2:5) ht[[length(ht) + 1]] <- htmt_case(paste0("bfi_k", k), "bfir", B(c("A","C","E","N","O")[1:k]))
ht <- c(ht, list(
  htmt_case("bfi_k3_pairwise", "bfir", B(c("E","N","O")), list(missing = "pairwise")),
  htmt_case("bfi_k2_pairwise_arith", "bfi", B(c("A","C")), list(missing = "pairwise", htmt2 = FALSE, absolute = FALSE)),
  htmt_case("hs_missing_listwise", "hs_missing", HS3),
  htmt_case("hs_missing_pairwise", "hs_missing", HS3, list(missing = "pairwise")),
  htmt_case("hs_missing_pairwise_arith", "hs_missing", HS3, list(missing = "pairwise", htmt2 = FALSE)),
  htmt_case("hs_missing_ml", "hs_missing", HS3, list(missing = "ml")),
  htmt_case("pd3", "pd", PDM),
  htmt_case("pd3_arith", "pd_missing", PDM, list(htmt2 = FALSE)),
  htmt_case("hs3_cov", "hs", HS3, input = "cov"),
  htmt_case("hs3_cor", "hs", HS3, input = "cor"),
  htmt_case("hs3_cov_arith", "hs", HS3, list(htmt2 = FALSE), input = "cov"),
  htmt_case("bfi5_cov_unrev_signed", "bfi", B5, list(htmt2 = FALSE, absolute = FALSE), input = "cov"),
  htmt_case("hs_scaled", "hs_scaled", HS3),
  htmt_case("hs_cross", "hs", paste0(HS3, "\nvisual =~ x9"),
            note = "semTools 0.5-6 passes data[, items] with the cross-loading item twice to lavCor, which stops (not positive definite); the same case from a correlation matrix is hs_cross_cor"),
  htmt_case("hs_cross_arith", "hs", paste0(HS3, "\nvisual =~ x9\ntextual =~ x1"), list(htmt2 = FALSE),
            note = "as hs_cross; see hs_cross_arith_cor"),
  htmt_case("hs_cross_cor", "hs", paste0(HS3, "\nvisual =~ x9"), input = "cor"),
  htmt_case("hs_cross_arith_cor", "hs", paste0(HS3, "\nvisual =~ x9\ntextual =~ x1"), list(htmt2 = FALSE), input = "cor"),
  htmt_case("bfi_cross_signed_cov", "bfi", paste0(B(c("A","E")), "\nA =~ E3\nE =~ A1"), list(htmt2 = FALSE, absolute = FALSE), input = "cov"),
  htmt_case("hs_two_items", "hs", "f1 =~ x1 + x2\nf2 =~ x4 + x5 + x6\nf3 =~ x7 + x8"),
  htmt_case("hs_single", "hs", "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\ns =~ x7"),
  htmt_case("hs_near", "hs_near", "visual =~ x1 + x2 + x3 + x10\ntextual =~ x4 + x5 + x6"),
  htmt_case("bfi_ord_AE", "bfir500", B(c("A","E")), list(ordered = c(paste0("A", 1:5), paste0("E", 1:5)))),
  htmt_case("bfi_ord_CN_pairwise_arith", "bfir500", B(c("C","N")),
            list(ordered = c(paste0("C", 1:5), paste0("N", 1:5)), missing = "pairwise", htmt2 = FALSE)),
  htmt_case("bfi_ord_unrev_3", "bfi", B(c("A","C","O")), list(ordered = c(paste0("A", 1:5), paste0("C", 1:5), paste0("O", 1:5)))),
  htmt_case("hs_ord", "hs_ord", HS3, list(ordered = paste0("x", 1:9))),
  htmt_case("hs_ord_pairwise_arith", "hs_ord_missing", HS3, list(ordered = paste0("x", 1:9), missing = "pairwise", htmt2 = FALSE)),
  htmt_case("hs_higher", "hs", paste0(HS3, "\ng =~ visual + textual + speed"),
            note = "semTools 0.5-6 takes the higher-order construct's indicators (constructs) for data columns and stops; ours: HTMT of the first-order constructs")
))

TOL <- list(omega = 3e-3, ave = 3e-3, htmt = 3e-3, alpha = 2e-3, cor_lv = 2e-3, loading = 1e-2)   # the reliability defaults of tests/reference.py (loading unused here)
# Cases kept out of the equality tests, with the reason (docs/reliability-sweep.md lists them too)
EXCLUDED <- list(
  list(case = "reliability/hs_single_first", statistic = "ave",
       reason = paste("semTools 0.5-6 AVE(): myIndNames[idx] indexes the indicators of the multi-indicator factors by row",
                      "numbers among all indicators, so a single-indicator factor placed first shifts every denominator",
                      "(visual gets tr S of x2, x3, x4; textual NA). Ours: each construct's own items (= hs_single_last).")),
  list(case = "reliability/hs_ord_pairwise", statistic = "omega:tau_eq",
       reason = paste("semTools 0.5-6 compRelSEM(tau.eq = TRUE) of ordinal items takes cov() of lavInspect(fit, 'data'), which",
                      "holds the missing answers of missing = 'pairwise': NA. Ours: the rows without a missing answer.")),
  list(case = "htmt/hs_cross", statistic = "htmt",
       reason = "semTools 0.5-6 htmt(data =) stops when an item belongs to two constructs (data[, varnames] repeats the column; lavCor: not positive definite). The definition is checked from the correlation matrix: hs_cross_cor."),
  list(case = "htmt/hs_cross_arith", statistic = "htmt", reason = "as hs_cross; checked by hs_cross_arith_cor"),
  list(case = "htmt/hs_higher", statistic = "htmt",
       reason = "semTools 0.5-6 htmt() takes every =~ left-hand side as a construct and its indicators (here constructs) as data columns, and stops. Ours: HTMT of the first-order constructs (= hs3_abs_htmt2)."))

# semTools 0.5-6 compRelSEM(return.total = TRUE) and (higher = ) stop for ordinal items: omegaCat() gets
# sum(commonCov), a scalar, as truevar ("non-conformable arguments"). Ours: omegaCat of the true-score matrix.
for (cs in rel) for (v in names(cs$omega)) if (!is.null(cs$omega[[v]]$error)) {
  stopifnot(grepl("non-conformable", cs$omega[[v]]$error))
  EXCLUDED[[length(EXCLUDED) + 1]] <- list(case = paste0("reliability/", cs$name), statistic = paste0("omega:", v),
    reason = paste("semTools 0.5-6 compRelSEM(", v, ") stops for ordinal items: omegaCat() gets sum(commonCov), a scalar,",
                   "as truevar. Ours: Green & Yang's omega of the full true-score matrix."))
}

out <- list(tolerances = TOL, excluded = EXCLUDED,
            versions = list(R = R.version.string, lavaan = as.character(packageVersion("lavaan")),
                            semTools = as.character(packageVersion("semTools")), psych = as.character(packageVersion("psych"))),
            reliability = setNames(rel, sapply(rel, `[[`, "name")),
            htmt = setNames(ht, sapply(ht, `[[`, "name")))
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, na = "null", null = "null", pretty = FALSE), "reliability_sweep.json")
cat(length(rel), "reliability cases,", length(ht), "htmt cases\n")
