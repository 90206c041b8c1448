# Reference values for the key-driver sweep (tests/analyses/test_drivers_sweep.py), computed in
# R 4.2 from the definitions (relaimpo is not packaged for Debian, so LMG is written out here):
#   - subset R² by weighted least squares (.lm.fit on sqrt(w)-scaled centred data: 1 - RSS/TSS),
#     a different route from the correlation sweep loyaltyscope uses;
#   - LMG / Shapley (Lindeman, Merenda & Gold 1980; Grömping 2006, relaimpo's "lmg"):
#     phi_j = sum_{S not containing j} |S|! (p - |S| - 1)! / p! [R²(S + j) - R²(S)];
#   - Johnson's (2000) relative weights from the (weighted) correlation matrix (as rwa::rwa);
#   - base lm (weights = w) for the coefficients and standardized betas (b * sd_w(x) / sd_w(y)),
#     sandwich::vcovHC(type = "HC3") SEs, lmtest::coeftest's t p-values (df.residual) and
#     normal p-values of est / se, car::vif;
#   - performance: weighted mean of each driver over the complete rows;
#   - importance-performance quadrants (Martilla & James 1977) at the means / medians of the
#     plotted (Shapley, performance) points, a value at or above the cut counting as high.
# Each case records the data file, the derived columns (`derive`: operations applied in order to
# the data, the same in Python), the outcome, the drivers and the weights column.
# p-values: `pvalue_t` (coeftest: Student's t, df.residual) is what loyaltyscope reports;
# `pvalue_normal` (2 pnorm(-|est / se|)) is kept for comparison.
# Run from this folder: Rscript generate.R   (writes drivers.json)
suppressMessages({library(sandwich); library(lmtest); library(car)})
source("common.R")   # read_data, apply_derive, quadrant, HS/PD/..., L, with_defaults, write_reference
REV <- c("A1", "C4", "C5", "E1", "E2", "O2", "O5")


subset_r2 <- function(X, y, w) {
  p <- ncol(X)
  sw <- sqrt(w)
  yc <- (y - weighted.mean(y, w)) * sw
  Xc <- sweep(X, 2, apply(X, 2, weighted.mean, w = w)) * sw
  tss <- sum(yc^2)
  r2 <- numeric(2^p)
  for (m in 1:(2^p - 1)) {
    cols <- which(bitwAnd(m, 2^(0:(p - 1))) > 0)
    f <- .lm.fit(Xc[, cols, drop = FALSE], yc)
    r2[m + 1] <- 1 - sum(f$residuals^2) / tss
  }
  r2
}

lmg <- function(r2, p) {
  size <- sapply(0:(2^p - 1), function(m) sum(bitwAnd(m, 2^(0:(p - 1))) > 0))
  phi <- numeric(p)
  for (j in 1:p) {
    bit <- 2^(j - 1)
    for (m in 0:(2^p - 1)) if (bitwAnd(m, bit) == 0) {
      s <- size[m + 1]
      phi[j] <- phi[j] + factorial(s) * factorial(p - s - 1) / factorial(p) * (r2[m + bit + 1] - r2[m + 1])
    }
  }
  phi
}

johnson <- function(R) {
  p <- ncol(R) - 1
  Rxx <- R[1:p, 1:p]; rxy <- R[1:p, p + 1]
  e <- eigen(Rxx, symmetric = TRUE)
  L <- e$vectors %*% diag(sqrt(e$values), p) %*% t(e$vectors)
  b <- solve(L, rxy)
  as.vector(L^2 %*% b^2)
}

named <- function(v, nm) as.list(setNames(as.numeric(v), nm))

run_case <- function(cs) {
  d <- apply_derive(read_data(cs$data), cs$derive)
  vars <- c(cs$drivers, cs$outcome)
  keep <- complete.cases(d[, vars])
  sub <- d[keep, ]
  X <- as.matrix(sub[, cs$drivers]); y <- sub[[cs$outcome]]
  w <- if (is.null(cs$weights)) rep(1, nrow(sub)) else sub[[cs$weights]]
  p <- length(cs$drivers)
  r2s <- subset_r2(X, y, w)
  phi <- lmg(r2s, p)
  R <- cov.wt(cbind(X, y), wt = w / sum(w), cor = TRUE)$cor
  rw <- johnson(R)
  # lm on the drivers and outcome centred at their (weighted) means: the same slopes, residuals,
  # hat values and HC3 matrix as on the raw columns, without the digits R's QR loses when a
  # column sits far from zero (x7 + 1e4: 2e-8 relative error in its HC3 SE otherwise)
  Xc <- sweep(X, 2, apply(X, 2, weighted.mean, w = w))
  dd <- data.frame(Xc, y = y - weighted.mean(y, w)); names(dd) <- c(paste0("v", 1:p), "y")
  fit <- lm(y ~ ., data = dd, weights = w)
  b <- coef(fit)[-1]
  sdw <- function(v) sqrt(sum(w * (v - weighted.mean(v, w))^2) / sum(w))
  beta <- b * apply(X, 2, sdw) / sdw(y)
  # sandwich's HC3 mis-aligns residuals and hat values when some weights are 0 (lm.influence drops
  # those rows, residuals() keeps them); a row of weight 0 contributes nothing, so refit without them
  fitv <- if (any(w == 0)) lm(y ~ ., data = dd[w > 0, ], weights = w[w > 0]) else fit
  V <- vcovHC(fitv, type = "HC3")
  se <- sqrt(diag(V))[-1]
  ct <- coeftest(fitv, vcov. = V)
  perf <- apply(X, 2, weighted.mean, w = w)
  rank <- rank(-phi, ties.method = "min")
  r2 <- summary(fit)$r.squared
  ipa <- list()
  for (rule in c("means", "medians")) {
    f <- if (rule == "means") mean else median
    for (col in c("shapley", "relative_weight")) {
      imp <- if (col == "shapley") phi else rw
      ci <- f(imp); cp <- f(perf)
      ipa[[length(ipa) + 1]] <- list(rule = rule, column = col, cut_importance = ci, cut_performance = cp,
                                     quadrant = as.list(setNames(quadrant(imp, perf, ci, cp), cs$drivers)))
    }
  }
  c(cs, list(
    n_rows = nrow(d), nobs = nrow(sub), n_excluded = sum(!keep), nobs_positive_weight = sum(w > 0),
    r2 = r2, r2_subsets_max_gap = max(abs(r2 - r2s[2^p])),
    shapley = named(phi, cs$drivers), relative_weights = named(rw, cs$drivers),
    beta = named(beta, cs$drivers), est = named(b, cs$drivers), se = named(se, cs$drivers),
    beta_se = named(se * apply(X, 2, sdw) / sdw(y), cs$drivers), t = named(b / se, cs$drivers), pvalue_normal = named(2 * pnorm(-abs(b / se)), cs$drivers),
    pvalue_t = named(ct[-1, 4], cs$drivers), df_residual = fit$df.residual,
    vif = named(if (p > 1) vif(fit) else 1, cs$drivers),
    performance = named(perf, cs$drivers), rank = as.list(setNames(as.integer(rank), cs$drivers)),
    ipa = ipa))
}

# ----------------------------------------------------------------------------- the cases
mean_of <- function(name, items) L(op = "mean_of", name = name, items = items, reverse = intersect(items, REV))
bfi_scales <- L(mean_of("agree", c("A1", "A2", "A3", "A4", "A5")), mean_of("consc", c("C1", "C2", "C3", "C4", "C5")),
                mean_of("extra", c("E1", "E2", "E3", "E4", "E5")), mean_of("neuro", c("N1", "N2", "N3", "N4", "N5")),
                mean_of("open", c("O1", "O2", "O3", "O4", "O5")))
mobi_scales <- L(mean_of("image", paste0("IMAG", 1:5)), mean_of("expect", paste0("CUEX", 1:3)),
                 mean_of("quality", paste0("PERQ", 1:7)), mean_of("value", paste0("PERV", 1:2)),
                 mean_of("satis", paste0("CUSA", 1:3)), mean_of("loyal", paste0("CUSL", 1:3)))
cr_scales <- L(mean_of("qual", paste0("qual_", 1:8)), mean_of("perf", paste0("perf_", 1:5)),
               mean_of("csor", paste0("csor_", 1:5)), mean_of("attr", paste0("attr_", 1:3)),
               mean_of("like", paste0("like_", 1:3)), mean_of("comp", paste0("comp_", 1:3)),
               mean_of("cusl", paste0("cusl_", 1:3)))
cases <- L(
  # Holzinger-Swineford: 2 to 8 drivers, other outcomes, covariates on other scales
  L(name = "hs_x1_2", data = HS, outcome = "x1", drivers = c("x2", "x3")),
  L(name = "hs_x4_3", data = HS, outcome = "x4", drivers = c("x5", "x6", "x1")),
  L(name = "hs_x7_5", data = HS, outcome = "x7", drivers = c("x8", "x9", "x1", "x4", "ageyr")),
  L(name = "hs_x9_8_rev", data = HS, outcome = "x9", drivers = c("x8", "x7", "x6", "x5", "x4", "x3", "x2", "x1")),
  L(name = "hs_x5_covariates", data = HS, outcome = "x5", drivers = c("x4", "x6", "ageyr", "agemo", "sex", "grade")),
  L(name = "hs_x6_all", data = HS, outcome = "x6", drivers = c("x1", "x2", "x3", "x4", "x5", "x7", "x8", "x9",
                                                              "ageyr", "agemo", "sex", "grade")),
  L(name = "hs_grade_tests", data = HS, outcome = "grade", drivers = c("x1", "x4", "x7", "ageyr")),
  L(name = "hs_sex_binary_outcome", data = HS, outcome = "sex", drivers = c("x1", "x2", "x3", "x4")),
  # deterministic holes (listwise) and the missing-data file
  L(name = "hsm_x9_8", data = HSM, outcome = "x9", drivers = c("x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8")),
  L(name = "hsm_x5_3", data = HSM, outcome = "x5", drivers = c("x1", "x4", "x6")),
  L(name = "hs_holes_outcome_and_drivers", data = HS, outcome = "x9", drivers = c("x1", "x2", "x7", "x8"),
    derive = L(L(op = "holes", col = "x9", every = 5, offset = 0), L(op = "holes", col = "x2", every = 7, offset = 3),
               L(op = "holes", col = "x7", every = 7, offset = 3), L(op = "holes", col = "x8", every = 13, offset = 1))),
  # very different scales (x 1e6, x 1e-4, shifted by 1e4)
  L(name = "hs_scales", data = HS, outcome = "x9", drivers = c("x1big", "x4small", "x7shift", "x8"),
    derive = L(L(op = "linear", name = "x1big", coef = L(x1 = 1e6)), L(op = "linear", name = "x4small", coef = L(x4 = 1e-4)),
               L(op = "linear", name = "x7shift", coef = L(x7 = 1), const = 1e4))),
  L(name = "hs_outcome_scaled", data = HS, outcome = "x9k", drivers = c("x1", "x2", "x3"),
    derive = L(L(op = "linear", name = "x9k", coef = L(x9 = 1000), const = -5000))),
  # near-duplicate and collinear drivers (not singular)
  L(name = "hs_near_duplicate", data = HS, outcome = "x9", drivers = c("x1", "x1b", "x4", "x7"),
    derive = L(L(op = "linear", name = "x1b", coef = L(x1 = 1, x5 = 0.02)))),
  L(name = "hs_near_duplicate_tight", data = HS, outcome = "x9", drivers = c("x1", "x1c", "x7"),
    derive = L(L(op = "linear", name = "x1c", coef = L(x1 = 1, x2 = 1e-3)))),
  L(name = "hs_collinear_sum", data = HS, outcome = "x9", drivers = c("x1", "x2", "x3", "vis"),
    derive = L(L(op = "linear", name = "vis", coef = L(x1 = 1, x2 = 1, x3 = 1, x4 = 0.05)))),
  L(name = "hs_age_months", data = HS, outcome = "x9", drivers = c("ageyr", "agemo", "agetot", "x7"),
    derive = L(L(op = "linear", name = "agetot", coef = L(ageyr = 12, agemo = 1, x1 = 0.1)))),
  # weights (frequency weights; lm(weights = w))
  L(name = "hs_weights_cycle", data = HS, outcome = "x9", drivers = c("x1", "x2", "x4", "x7", "x8"),
    weights = "w", derive = L(L(op = "cycle", name = "w", values = c(1, 2, 0.5, 3)))),
  L(name = "hs_weights_grade", data = HS, outcome = "x6", drivers = c("x4", "x5", "x1"),
    weights = "w", derive = L(L(op = "linear", name = "w", coef = L(agemo = 0.25), const = 0.1))),
  L(name = "hsm_weights_holes", data = HSM, outcome = "x9", drivers = c("x1", "x5", "x7", "x8"),
    weights = "w", derive = L(L(op = "cycle", name = "w", values = c(0.2, 1, 1.7)))),
  L(name = "hs_weights_some_zero", data = HS, outcome = "x9", drivers = c("x1", "x4", "x7"),
    weights = "w", derive = L(L(op = "cycle", name = "w", values = c(1, 1, 0, 2, 1)))),
  # Political democracy: 75 countries, up to 10 drivers
  L(name = "pd_y8_10", data = PD, outcome = "y8", drivers = c("x1", "x2", "x3", "y1", "y2", "y3", "y4", "y5", "y6", "y7")),
  L(name = "pd_y1_x", data = PD, outcome = "y1", drivers = c("x1", "x2", "x3")),
  L(name = "pd_y4_6", data = PD, outcome = "y4", drivers = c("y1", "y2", "y3", "x1", "x2", "x3")),
  L(name = "pd_y6_2", data = PD, outcome = "y6", drivers = c("y5", "y2")),
  L(name = "pd_y5_holes", data = PD, outcome = "y5", drivers = c("y1", "y2", "y3", "y4", "x1"),
    derive = L(L(op = "holes", col = "y2", every = 6, offset = 2), L(op = "holes", col = "y5", every = 9, offset = 4))),
  L(name = "pd_weights", data = PD, outcome = "y8", drivers = c("y5", "y6", "y7", "x1"),
    weights = "w", derive = L(L(op = "linear", name = "w", coef = L(x1 = 1)))),
  # bfi: items with holes (listwise), 12 drivers, demographics on other scales, scale means
  L(name = "bfi_A1_items", data = BFI, outcome = "A1", drivers = c("A2", "A3", "A4", "A5")),
  L(name = "bfi_E3_9", data = BFI, outcome = "E3", drivers = c("E1", "E2", "E4", "E5", "A2", "A3", "O1", "O3", "C1")),
  L(name = "bfi_N1_12", data = BFI, outcome = "N1", drivers = c("N2", "N3", "N4", "N5", "E1", "E2", "E3", "E4",
                                                               "C1", "C2", "A1", "O5")),
  L(name = "bfi_O1_demographics", data = BFI, outcome = "O1", drivers = c("O2", "O3", "age", "education", "gender")),
  L(name = "bfi_scales_agree", data = BFI, outcome = "agree", drivers = c("consc", "extra", "neuro", "open"),
    derive = bfi_scales),
  L(name = "bfi_scales_extra_age", data = BFI, outcome = "extra", drivers = c("agree", "open", "neuro", "age"),
    derive = bfi_scales),
  L(name = "bfi_scales_weighted", data = BFI, outcome = "agree", drivers = c("consc", "extra", "neuro", "open"),
    weights = "w", derive = c(bfi_scales, L(L(op = "cycle", name = "w", values = c(0.5, 1, 1.5, 2, 0.75, 1.25))))),
  L(name = "bfi_items_weighted_age", data = BFI, outcome = "C1", drivers = c("C2", "C3", "C4", "C5", "education"),
    weights = "age"),
  L(name = "bfi_two_binary", data = BFI, outcome = "A3", drivers = c("gender", "A2")),
  # mobi (250 customers, 10-point items)
  L(name = "mobi_cusa1_12", data = MOBI, outcome = "CUSA1", drivers = c(paste0("PERQ", 1:7), "PERV1", "PERV2",
                                                                       "CUEX1", "IMAG1", "IMAG2")),
  L(name = "mobi_cusl1_4", data = MOBI, outcome = "CUSL1", drivers = c("CUSA1", "CUSA2", "CUSA3", "CUSCO")),
  L(name = "mobi_scales", data = MOBI, outcome = "satis", drivers = c("image", "expect", "quality", "value"),
    derive = mobi_scales),
  L(name = "mobi_loyal_scales", data = MOBI, outcome = "loyal", drivers = c("image", "satis", "value", "CUSCO"),
    derive = mobi_scales),
  L(name = "mobi_imag", data = MOBI, outcome = "IMAG1", drivers = c("IMAG2", "IMAG3", "IMAG4", "IMAG5")),
  L(name = "mobi_holes", data = MOBI, outcome = "CUSA2", drivers = c("PERQ1", "PERQ2", "PERV1", "CUEX2", "IMAG3"),
    derive = L(L(op = "holes", col = "PERQ1", every = 8, offset = 0), L(op = "holes", col = "CUSA2", every = 11, offset = 5))),
  L(name = "mobi_weights", data = MOBI, outcome = "CUSA3", drivers = c("PERV1", "PERV2", "PERQ1", "IMAG1"),
    weights = "w", derive = L(L(op = "cycle", name = "w", values = c(1, 3, 2)))),
  # corp_rep (344 respondents, holes in cusl/cusa/age/education)
  L(name = "cr_cusa_drivers", data = CR, outcome = "cusa", drivers = c("qual", "perf", "csor", "attr"), derive = cr_scales),
  L(name = "cr_cusl_7", data = CR, outcome = "cusl", drivers = c("qual", "perf", "csor", "attr", "like", "comp", "cusa"),
    derive = cr_scales),
  L(name = "cr_globals", data = CR, outcome = "cusa", drivers = c("qual_global", "perf_global", "csor_global",
                                                                   "attr_global")),
  L(name = "cr_cusa_items_11", data = CR, outcome = "cusa", drivers = c(paste0("qual_", 1:8), "perf_1", "perf_2", "csor_1")),
  L(name = "cr_demographics", data = CR, outcome = "cusa", drivers = c("like_1", "comp_1", "age", "education",
                                                                        "nphh", "servicetype")),
  L(name = "cr_weights_servicetype", data = CR, outcome = "cusl_1", drivers = c("like_1", "like_2", "comp_1", "cusa"),
    weights = "servicetype"),
  L(name = "cr_like_2", data = CR, outcome = "like_3", drivers = c("like_1", "like_2")),
  # a row with leverage 1 (hat value 1 within 10 eps, as lm.influence rounds it): HC3 is undefined,
  # R's vcovHC gives NaN for every coefficient
  L(name = "pd_seven_rows_leverage_one", data = PD, outcome = "y8", drivers = c("y1", "y2", "y3", "y4"),
    derive = L(L(op = "head", rows = 7))),
  L(name = "hs_single_row_dummy", data = HS, outcome = "x9", drivers = c("x1", "one"),
    derive = L(L(op = "indicator", name = "one", row = 5))),
  L(name = "pd_eight_rows", data = PD, outcome = "y8", drivers = c("y1", "y2", "y3", "y4"),
    derive = L(L(op = "head", rows = 8)))
)
cases <- with_defaults(cases, weights = NULL)

# bad input: what R's lm does (an aliased coefficient is NA: nothing to decompose) and what
# loyaltyscope must do instead (a clear error naming the problem)
errors <- L(
  L(name = "constant_driver", data = HS, outcome = "x9", drivers = c("x1", "k", "x4"),
    derive = L(L(op = "linear", name = "k", coef = L(), const = 3)), match = "constant"),
  L(name = "constant_after_listwise", data = HS, outcome = "x9", drivers = c("x1", "kk", "x4"),
    derive = L(L(op = "cycle", name = "kk", values = c(2, NA)), L(op = "holes", col = "kk", every = 2, offset = 1)),
    match = "constant"),
  L(name = "constant_outcome", data = HS, outcome = "k", drivers = c("x1", "x4"),
    derive = L(L(op = "linear", name = "k", coef = L(), const = 1)), match = "constant"),
  L(name = "exact_duplicate", data = HS, outcome = "x9", drivers = c("x1", "x1d", "x4"),
    derive = L(L(op = "linear", name = "x1d", coef = L(x1 = 2), const = 1)), match = "linearly dependent"),
  L(name = "exact_combination_small_part", data = HS, outcome = "x9", drivers = c("x1", "x1b", "x4", "x7"),
    derive = L(L(op = "linear", name = "x1b", coef = L(x1 = 1, x4 = 0.02))), match = "linearly dependent"),
  L(name = "exact_sum", data = PD, outcome = "y8", drivers = c("y1", "y2", "ysum"),
    derive = L(L(op = "linear", name = "ysum", coef = L(y1 = 1, y2 = -1))), match = "linearly dependent"),
  L(name = "too_few_rows", data = PD, outcome = "y8", drivers = c("y1", "y2", "y3"),
    derive = L(L(op = "holes", col = "y1", every = 1, offset = 0)), match = "complete rows")
)
errors <- lapply(errors, function(e) {
  d <- apply_derive(read_data(e$data), e$derive)
  f <- tryCatch(lm(reformulate(e$drivers, e$outcome), data = d), error = function(err) NULL)
  e$r_lm <- if (is.null(f)) "lm fails (no complete rows)" else
    paste0("aliased (NA) coefficients: ", paste(names(which(is.na(coef(f)))), collapse = ", "),
           "; R² = ", format(summary(f)$r.squared, digits = 3))
  e
})

# bootstrap percentile intervals on R's own resamples: rows drawn by sample.int (seed 1), every
# statistic recomputed on each resample (weights carried with their rows), quantile(type = 7) at
# 2.5 % and 97.5 %; the test feeds the same resamples (`draws`: per resample, the 1-based row
# numbers of the complete rows, space-separated) to key_drivers in place of its own draws
boot_case <- function(cs, B) {
  d <- apply_derive(read_data(cs$data), cs$derive)
  sub <- d[complete.cases(d[, c(cs$drivers, cs$outcome)]), ]
  n <- nrow(sub); p <- length(cs$drivers)
  w0 <- if (is.null(cs$weights)) rep(1, n) else sub[[cs$weights]]
  set.seed(1)
  draws <- matrix(sample.int(n, n * B, replace = TRUE), B, n, byrow = TRUE)
  stats <- t(apply(draws, 1, function(i) {
    X <- as.matrix(sub[i, cs$drivers]); y <- sub[[cs$outcome]][i]; w <- w0[i]
    phi <- lmg(subset_r2(X, y, w), p)
    R <- cov.wt(cbind(X, y), wt = w / sum(w), cor = TRUE)$cor
    rw <- johnson(R)
    beta <- solve(R[1:p, 1:p], R[1:p, p + 1])
    c(phi, rw, 100 * phi / sum(phi), 100 * rw / sum(phi), beta, sum(phi))
  }))
  q <- apply(stats, 2, quantile, probs = c(0.025, 0.975), type = 7)
  block <- function(k) lapply(1:2, function(r) as.list(setNames(q[r, (k - 1) * p + 1:p], cs$drivers)))
  out <- list()
  for (k in 1:5) {
    nm <- c("shapley", "relative_weight", "shapley_pct", "relative_weight_pct", "beta")[k]
    b <- block(k); out[[paste0(nm, "_lower")]] <- b[[1]]; out[[paste0(nm, "_upper")]] <- b[[2]]
  }
  c(cs, list(B = B, nobs = n, draws = apply(draws, 1, paste, collapse = " "), intervals = out,
             r2_interval = unname(q[, 5 * p + 1])))
}
bootstrap <- list(
  boot_case(L(name = "pd_boot", data = PD, outcome = "y8", drivers = c("y5", "y6", "y7", "x1"), derive = list(),
              weights = NULL), 200),
  boot_case(L(name = "hs_boot_weighted", data = HS, outcome = "x9", drivers = c("x1", "x4", "x7"),
              derive = L(L(op = "cycle", name = "w", values = c(1, 2, 0.5))), weights = "w"), 40))

# more than 15 drivers: loyaltyscope's Shapley values are a stated Monte Carlo average over random
# orderings; the exact LMG over all 2^16 subsets is the value they estimate
monte_carlo <- lapply(L(
  L(name = "bfi_16_drivers", data = BFI, outcome = "A1", drivers = c("A2", "A3", "A4", "A5", "C1", "C2", "C3", "C4",
                                                                      "E1", "E2", "E3", "E4", "N1", "N2", "O1", "O2"))),
  function(cs) { cs$derive <- list(); cs["weights"] <- list(NULL); r <- run_case(cs)
                 r[c("name", "data", "outcome", "drivers", "derive", "nobs", "r2", "shapley", "relative_weights")] })

# cases R fits but loyaltyscope refuses on purpose (kept out of the equality tests; the test
# checks that they stay refused with a clear error)
excluded <- L(
  L(name = "hs_near_duplicate_1e-6", data = HS, outcome = "x9", drivers = c("x1", "x1e", "x7"),
    derive = L(L(op = "linear", name = "x1e", coef = L(x1 = 1, x2 = 1e-6))), match = "linearly dependent",
    reason = paste("x1e = x1 + 1e-6 x2: 1 - R² of x1e on the other drivers is about 1e-12. R's lm (QR tolerance",
                   "1e-7) fits it and reports betas of about +-1e5 with SEs to match; loyaltyscope refuses driver",
                   "correlations whose smallest eigenvalue is below 1e-10 p as linearly dependent (clear error",
                   "naming x1 and x1e) rather than report numerically meaningless betas")))
excluded <- lapply(excluded, function(e) { e$weights <- NULL; r <- run_case(e); r$weights <- NULL
  list(name = r$name, data = r$data, outcome = r$outcome, drivers = r$drivers, derive = r$derive, match = r$match,
       reason = r$reason, r2 = r$r2, shapley = r$shapley, beta = r$beta, se = r$se) })

write_reference("drivers.json", list(r2 = 1e-9, importance = 1e-9, monte_carlo = 1e-3, beta = 1e-9, est_rel = 1e-8, se_rel = 1e-8, pvalue = 1e-9,
                    vif_rel = 1e-8, performance = 1e-10), "generate.R", c("sandwich", "lmtest", "car"),
                lapply(cases, run_case), errors = errors, excluded = excluded, monte_carlo = monte_carlo,
                bootstrap = bootstrap)
