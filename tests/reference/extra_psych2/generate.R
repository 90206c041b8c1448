# Sweep of psych 2.2.9 / GPArotation 2022.10-2 reference cases (R 4.2, Debian r-cran-*), for
# tests/psychometrics/test_psych_sweep.py. Widens ../extra_psych to more factor counts, data sets,
# item subsets, missing-data patterns, correlation-matrix input, scores, and the option
# combinations of alpha / omega / polychoric / KMO / Bartlett / MAP.
# Run from this folder: Rscript generate.R && /work/venv/bin/python ../write_tolerances.py
# (writes efa.json, factorability.json, alpha.json, omega.json, polychoric.json, retention.json).
#
# Every case names its data by a declarative spec that the test rebuilds exactly:
#   data    : CSV file (the package's bundled data, or tests/reference/data)
#   items   : columns used, in order
#   rows    : keep the first `rows` rows (optional)
#   recode  : list of [column, from, to]: x[x == from] <- to, applied in order (optional)
#   holes   : list of [column, every, offset]: x[(i - 1) %% every == offset] <- NA, i the 1-based row
#   empty   : 1-based rows set to NA in every item (optional)
#   reversed: items reversed as 7 - x before anything else (bfi's reverse-keyed items)
suppressMessages({library(psych); library(GPArotation); library(jsonlite)})
PKG <- "../../../loyaltyscope/datasets/data/"
DAT <- "../data/"
B25 <- c(paste0("A",1:5),paste0("C",1:5),paste0("E",1:5),paste0("N",1:5),paste0("O",1:5))
REV <- c("A1","C4","C5","E1","E2","O2","O5")
HS9 <- paste0("x", 1:9)
PD <- c("x1","x2","x3", paste0("y", 1:8))

read_data <- function(file) {
  path <- if (file.exists(paste0(PKG, file))) paste0(PKG, file) else paste0(DAT, file)
  read.csv(path)
}
make_data <- function(spec) {
  d <- read_data(spec$data)
  for (v in spec$reversed) d[[v]] <- 7 - d[[v]]
  if (!is.null(spec$rows)) d <- d[seq_len(spec$rows), , drop = FALSE]
  x <- d[, spec$items, drop = FALSE]
  for (r in spec$recode) { v <- r[[1]]; x[[v]][!is.na(x[[v]]) & x[[v]] == r[[2]]] <- r[[3]] }
  i <- seq_len(nrow(x))
  for (h in spec$holes) x[[h[[1]]]][(i - 1) %% h[[2]] == h[[3]]] <- NA
  if (length(spec$empty)) x[unlist(spec$empty), ] <- NA
  if (isTRUE(spec$complete)) x <- na.omit(x)
  rownames(x) <- NULL
  x
}
spec <- function(data, items, reversed = character(0), rows = NULL, recode = list(), holes = list(), empty = integer(0),
                 complete = FALSE)
  list(data = data, items = items, reversed = reversed, rows = rows, recode = recode, holes = holes, empty = empty,
       complete = complete)
mat <- function(m) unname(lapply(seq_len(nrow(m)), function(i) as.numeric(m[i, ])))
# a matrix that may hold infinite values (thresholds of empty end categories): +-Inf as the strings
# "Inf" / "-Inf" (JSON has no infinity; null stays R's NA)
mat_inf <- function(m) unname(lapply(seq_len(nrow(m)), function(i)
  lapply(as.numeric(m[i, ]), function(v) if (is.infinite(v)) (if (v > 0) "Inf" else "-Inf") else v)))
num <- function(v) if (is.null(v)) NULL else as.numeric(v)
nz <- function(v) if (is.null(v) || length(v) == 0) NULL else v
capture <- function(expr) {
  w <- character(0)
  val <- withCallingHandlers(suppressMessages(expr), warning = function(wn) {
    w <<- c(w, conditionMessage(wn)); invokeRestart("muffleWarning") })
  list(value = val, warnings = w)
}
# exclusions (case, or "case:statistic,...", -> reason) are kept in excluded.R; the per-statistic
# tolerances are inserted afterwards by tests/reference/write_tolerances.py from DEFAULT_TOLERANCES
# ("psych_<file>") in tests/reference.py:  python ../write_tolerances.py
source("excluded.R")
out <- function(obj, file) {
  key <- sub("\\.json$", "", file)
  obj <- c(if (length(EXCLUDED[[key]])) list(excluded = EXCLUDED[[key]]), obj)
  write_json(obj, file)
}
write_json <- function(obj, file) writeLines(toJSON(obj, auto_unbox = TRUE, digits = NA, null = "null", na = "null",
                                             pretty = FALSE), file)

## ---- EFA ------------------------------------------------------------------------------------
efa_case <- function(sp, nf, fm, rot, scores = "regression", cor = "cor", input = "raw", n_obs = NA,
                     score_rows = 1:12) {
  x <- make_data(sp)
  r <- switch(input, raw = x, cor = cor(x, use = "pairwise"), cov = cov(x, use = "pairwise"))
  res <- tryCatch(capture(fa(r, nfactors = nf, fm = fm, rotate = rot, scores = scores, cor = cor, n.obs = n_obs)),
                  error = function(e) list(error = conditionMessage(e)))
  if (!is.null(res$error)) {
    cat("psych error in", nf, fm, rot, ":", res$error, "\n")
    return(list(spec = sp, options = list(nfactors = nf, fm = fm, rotate = rot, scores = scores, cor = cor,
                                          input = input, n.obs = if (is.na(n_obs)) NULL else n_obs), r_error = res$error))
  }
  f <- res$value
  L <- unclass(f$loadings)
  sc <- NULL
  if (!is.null(f$scores) && input == "raw" && !is.null(dim(f$scores))) sc <- mat(f$scores[score_rows, , drop = FALSE])
  list(spec = sp, options = list(nfactors = nf, fm = fm, rotate = rot, scores = scores, cor = cor, input = input,
                                 n.obs = if (is.na(n_obs)) NULL else n_obs, use = "pairwise"),
       loadings = mat(L), communality = num(f$communality), uniquenesses = num(f$uniquenesses),
       phi = if (is.null(f$Phi)) NULL else mat(f$Phi),
       values = num(f$values), e_values = num(f$e.values),
       rms = num(f$rms), crms = num(f$crms), chi = num(f$chi), EBIC = num(f$EBIC),
       STATISTIC = num(f$STATISTIC), PVAL = num(f$PVAL), dof = num(f$dof), objective = num(f$objective),
       TLI = num(f$TLI), RMSEA = num(f$RMSEA[1:3]), BIC = num(f$BIC), null_chisq = num(f$null.chisq),
       null_dof = num(f$null.dof), fit = num(f$fit), fit_off = num(f$fit.off), n_obs = num(f$n.obs),
       Vaccounted = mat(f$Vaccounted), complexity = num(f$complexity),
       Structure = if (is.null(f$Structure)) NULL else mat(unclass(f$Structure)),
       weights = if (is.null(f$weights)) NULL else mat(f$weights), score_rows = score_rows, scores = sc,
       r_warnings = nz(res$warnings))
}
ALLROT <- c("none", "varimax", "quartimax", "equamax", "promax", "oblimin", "quartimin", "geominT", "geominQ")
FMS <- c("minres", "ml", "pa")
efa <- list()
hs <- spec("holzinger_swineford_1939.csv", HS9)
for (nf in c(1, 2, 4, 5)) for (fm in FMS) for (rot in if (nf == 1) "oblimin" else ALLROT)
  efa[[sprintf("hs_%df_%s_%s", nf, fm, rot)]] <- efa_case(hs, nf, fm, rot)
bfi25 <- spec("bfi.csv", B25)
for (nf in c(1, 2, 3, 4, 6)) for (fm in FMS) for (rot in c("varimax", "oblimin", "promax"))
  if (!(nf == 1 && rot != "oblimin")) efa[[sprintf("bfi25_%df_%s_%s", nf, fm, rot)]] <- efa_case(bfi25, nf, fm, rot)
bfi_ac <- spec("bfi.csv", c(paste0("A", 1:5), paste0("C", 1:5)))
for (rot in ALLROT) efa[[paste0("bfiAC_2f_minres_", rot)]] <- efa_case(bfi_ac, 2, "minres", rot)
efa[["bfiAC_2f_ml_geominQ"]] <- efa_case(bfi_ac, 2, "ml", "geominQ")
efa[["bfiAC_3f_pa_promax"]] <- efa_case(bfi_ac, 3, "pa", "promax")
bfi_eo <- spec("bfi.csv", c(paste0("E", 1:5), paste0("O", 1:5)), reversed = REV)
for (fm in FMS) efa[[paste0("bfiEO_rev_2f_", fm, "_oblimin")]] <- efa_case(bfi_eo, 2, fm, "oblimin")
efa[["bfiEO_rev_3f_minres_quartimin"]] <- efa_case(bfi_eo, 3, "minres", "quartimin")
efa[["bfiN_1f_ml"]] <- efa_case(spec("bfi.csv", paste0("N", 1:5)), 1, "ml", "none")
efa[["bfiN_1f_pa"]] <- efa_case(spec("bfi.csv", paste0("N", 1:5)), 1, "pa", "none")
efa[["bfiN_2f_minres"]] <- efa_case(spec("bfi.csv", paste0("N", 1:5)), 2, "minres", "oblimin")
pd <- spec("political_democracy.csv", PD)
for (nf in 1:3) for (fm in FMS) for (rot in if (nf == 1) "none" else c("varimax", "oblimin", "promax", "geominQ"))
  efa[[sprintf("pd_%df_%s_%s", nf, fm, rot)]] <- efa_case(pd, nf, fm, rot)
# missing data: HS with holes in x1, x5, x9; Political Democracy with holes; bfi with extra holes and empty rows
hsm <- spec("holzinger_swineford_1939_missing.csv", HS9)
for (fm in FMS) for (rot in c("oblimin", "varimax")) efa[[sprintf("hsmiss_3f_%s_%s", fm, rot)]] <- efa_case(hsm, 3, fm, rot)
efa[["hsmiss_2f_minres_promax_bartlett"]] <- efa_case(hsm, 2, "minres", "promax", scores = "Bartlett")
pdm <- spec("political_democracy_missing.csv", PD)
for (fm in FMS) efa[[sprintf("pdmiss_2f_%s_oblimin", fm)]] <- efa_case(pdm, 2, fm, "oblimin")
hsh <- spec("holzinger_swineford_1939.csv", HS9, holes = list(list("x2", 5, 0), list("x4", 7, 3), list("x8", 4, 1)),
            empty = c(3, 50, 51))
for (fm in FMS) efa[[sprintf("hsholes_3f_%s_oblimin", fm)]] <- efa_case(hsh, 3, fm, "oblimin")
efa[["hsholes_3f_minres_varimax_bartlett"]] <- efa_case(hsh, 3, "minres", "varimax", scores = "Bartlett")
bfih <- spec("bfi.csv", B25[1:15], holes = list(list("A2", 3, 0), list("E5", 4, 2)), rows = 600)
for (fm in FMS) efa[[sprintf("bfiholes15_3f_%s_oblimin", fm)]] <- efa_case(bfih, 3, fm, "oblimin")
# scores
efa[["hs_3f_minres_oblimin_bartlett"]] <- efa_case(hs, 3, "minres", "oblimin", scores = "Bartlett")
efa[["hs_3f_ml_varimax_bartlett"]] <- efa_case(hs, 3, "ml", "varimax", scores = "Bartlett")
efa[["pd_2f_pa_promax_bartlett"]] <- efa_case(pd, 2, "pa", "promax", scores = "Bartlett")
efa[["bfi25_5f_minres_oblimin_bartlett"]] <- efa_case(bfi25, 5, "minres", "oblimin", scores = "Bartlett")
# correlation matrix input, with and without n.obs
for (fm in FMS) {
  efa[[paste0("hscor_3f_", fm, "_oblimin_nobs")]] <- efa_case(hs, 3, fm, "oblimin", input = "cor", n_obs = 301)
  efa[[paste0("hscor_2f_", fm, "_varimax_nonobs")]] <- efa_case(hs, 2, fm, "varimax", input = "cor")
}
efa[["bfi25cor_5f_minres_oblimin_nobs"]] <- efa_case(bfi25, 5, "minres", "oblimin", input = "cor", n_obs = 2800)
efa[["pdcor_2f_ml_promax_nobs"]] <- efa_case(pd, 2, "ml", "promax", input = "cor", n_obs = 75)
# a covariance matrix (psych: isCovariance, then cov2cor), raw data with an n.obs psych ignores
efa[["hscov_3f_minres_oblimin_nobs"]] <- efa_case(hs, 3, "minres", "oblimin", input = "cov", n_obs = 301)
efa[["pdcov_2f_ml_varimax_nobs"]] <- efa_case(pd, 2, "ml", "varimax", input = "cov", n_obs = 75)
efa[["pdcov_2f_pa_promax"]] <- efa_case(pd, 2, "pa", "promax", input = "cov")
efa[["hs_3f_minres_oblimin_raw_nobs200"]] <- efa_case(hs, 3, "minres", "oblimin", n_obs = 200)
efa[["bfiN_2f_ml_none_raw_nobs500"]] <- efa_case(spec("bfi.csv", paste0("N", 1:5)), 2, "ml", "none", n_obs = 500)
# no or negative degrees of freedom: 10 items 6 factors (dof 0), 5 items 3 factors (dof -2), 9 items 6 factors
efa[["bfiAC_6f_minres_oblimin_dof0"]] <- efa_case(bfi_ac, 6, "minres", "oblimin")
efa[["bfiAC_6f_ml_varimax_dof0"]] <- efa_case(bfi_ac, 6, "ml", "varimax")
efa[["bfiN_3f_minres_oblimin_dofneg"]] <- efa_case(spec("bfi.csv", paste0("N", 1:5)), 3, "minres", "oblimin")
efa[["hs_6f_minres_varimax_dofneg"]] <- efa_case(hs, 6, "minres", "varimax")
efa[["bfiAC_5f_minres_promax"]] <- efa_case(bfi_ac, 5, "minres", "promax")
# tenBerge scores (psych's factor.scores method "tenBerge")
efa[["hs_3f_minres_oblimin_tenberge"]] <- efa_case(hs, 3, "minres", "oblimin", scores = "tenBerge")
efa[["hs_2f_ml_varimax_tenberge"]] <- efa_case(hs, 2, "ml", "varimax", scores = "tenBerge")
efa[["bfi25_5f_minres_oblimin_tenberge"]] <- efa_case(bfi25, 5, "minres", "oblimin", scores = "tenBerge")
efa[["hsmiss_3f_pa_promax_tenberge"]] <- efa_case(hsm, 3, "pa", "promax", scores = "tenBerge")
efa[["bfiN_1f_minres_tenberge"]] <- efa_case(spec("bfi.csv", paste0("N", 1:5)), 1, "minres", "none", scores = "tenBerge")
efa[["bfiAC_poly_2f_minres_oblimin_tenberge"]] <- efa_case(bfi_ac, 2, "minres", "oblimin", cor = "poly",
                                                           scores = "tenBerge")
efa[["pd_3f_ml_geominQ_tenberge"]] <- efa_case(pd, 3, "ml", "geominQ", scores = "tenBerge")
# psych's capitalised names: Varimax = GPArotation::Varimax (no Kaiser normalisation), Promax = psych::Promax
# (stats::promax-like, no row normalisation), Quartimax (not a psych name)
for (rot in c("Varimax", "Promax", "Quartimax")) {
  efa[[paste0("hs_3f_minres_", rot)]] <- efa_case(hs, 3, "minres", rot)
  efa[[paste0("bfi25_5f_minres_", rot)]] <- efa_case(bfi25, 5, "minres", rot)
}
for (rot in c("Varimax", "Promax")) {
  efa[[paste0("pd_2f_ml_", rot)]] <- efa_case(pd, 2, "ml", rot)
  efa[[paste0("pd_3f_pa_", rot)]] <- efa_case(pd, 3, "pa", rot)
  efa[[paste0("hsmiss_3f_ml_", rot)]] <- efa_case(hsm, 3, "ml", rot)
  efa[[paste0("bfiAC_2f_pa_", rot)]] <- efa_case(bfi_ac, 2, "pa", rot)
}
# ours use = "listwise" is fa(na.omit(x)) (the spec's complete = TRUE; the test passes the data with holes)
hsm_c <- hsm; hsm_c$complete <- TRUE
efa[["hsmiss_listwise_3f_minres_oblimin"]] <- efa_case(hsm_c, 3, "minres", "oblimin")
efa[["hsmiss_listwise_2f_ml_promax_bartlett"]] <- efa_case(hsm_c, 2, "ml", "promax", scores = "Bartlett")
bfih_c <- bfih; bfih_c$complete <- TRUE
efa[["bfiholes15_listwise_3f_pa_varimax"]] <- efa_case(bfih_c, 3, "pa", "varimax")
# polychoric input
efa[["bfiAC_poly_2f_minres_oblimin"]] <- efa_case(bfi_ac, 2, "minres", "oblimin", cor = "poly")
efa[["bfiEO_poly_2f_ml_varimax"]] <- efa_case(bfi_eo, 2, "ml", "varimax", cor = "poly")
efa[["bfiholes15_poly_3f_minres_oblimin"]] <- efa_case(bfih, 3, "minres", "oblimin", cor = "poly")
efa[["bfiN_poly_1f_pa"]] <- efa_case(spec("bfi.csv", paste0("N", 1:5)), 1, "pa", "none", cor = "poly")
out(efa, "efa.json")
cat("efa:", length(efa), "\n")

## ---- KMO, Bartlett --------------------------------------------------------------------------
fac <- list()
fac_case <- function(sp, input = "raw", n_obs = NULL) {
  x <- make_data(sp)
  r <- if (input == "cor") cor(x, use = "pairwise") else x
  k <- capture(KMO(r))$value
  b <- capture(if (is.null(n_obs)) cortest.bartlett(r) else cortest.bartlett(r, n = n_obs))$value
  list(spec = sp, options = list(input = input, n = n_obs), kmo = num(k$MSA), kmo_items = num(k$MSAi),
       chisq = num(b$chisq), df = num(b$df), p = num(b$p.value))
}
fac$hs <- fac_case(hs)
fac$hs_miss <- fac_case(hsm)
fac$hs_holes <- fac_case(hsh)
fac$hs_cor <- fac_case(hs, "cor", 301)
fac$bfi25 <- fac_case(bfi25)
fac$bfi_ac <- fac_case(bfi_ac)
fac$bfi_eo_rev <- fac_case(bfi_eo)
fac$bfi_n <- fac_case(spec("bfi.csv", paste0("N", 1:5)))
fac$bfi_holes15 <- fac_case(bfih)
fac$bfi25_cor <- fac_case(bfi25, "cor", 2800)
fac$bfi_two_items <- fac_case(spec("bfi.csv", c("A2", "A3")))
fac$pd <- fac_case(pd)
fac$pd_miss <- fac_case(pdm)
fac$pd_cor <- fac_case(pd, "cor", 75)
hsm_c <- hsm; hsm_c$complete <- TRUE
fac$hs_miss_listwise <- fac_case(hsm_c)
bfih_c <- bfih; bfih_c$complete <- TRUE
fac$bfi_holes15_listwise <- fac_case(bfih_c)
fac$hs_raw_n200 <- fac_case(hs, "raw", 200)          # psych: n is the rows of raw data, the given n is ignored
fac$bfi_ac_raw_n100 <- fac_case(bfi_ac, "raw", 100)
out(fac, "factorability.json")

## ---- alpha ----------------------------------------------------------------------------------
alpha_case <- function(sp, keys = NULL, check_keys = FALSE, input = "raw", n_obs = NULL, use = "pairwise") {
  x <- make_data(sp)
  r <- switch(input, raw = x, cor = cor(x, use = "pairwise"), cov = cov(x, use = "pairwise"))
  res <- tryCatch(capture(alpha(r, keys = keys, check.keys = check_keys, n.obs = n_obs, warnings = TRUE, use = use)),
                  error = function(e) list(error = conditionMessage(e)))
  if (!is.null(res$error))
    return(list(spec = sp, options = list(keys = keys, check.keys = check_keys, input = input, n.obs = n_obs, use = use),
                r_error = res$error))
  a <- res$value
  is <- a$item.stats; ad <- a$alpha.drop
  col <- function(df, nm) if (nm %in% colnames(df)) num(df[[nm]]) else NULL
  list(spec = sp, options = list(keys = keys, check.keys = check_keys, input = input, n.obs = n_obs, use = use),
       reversed_names = nz(rownames(is)[grepl("-$", rownames(is))]), item_names = sub("-$", "", rownames(is)),
       raw_alpha = num(a$total$raw_alpha), std_alpha = num(a$total$std.alpha), g6 = num(a$total[["G6(smc)"]]),
       average_r = num(a$total$average_r), s_n = num(a$total[["S/N"]]), ase = num(a$total$ase),
       mean = num(a$total$mean), sd = num(a$total$sd), median_r = num(a$total$median_r),
       feldt = if (is.null(a$feldt)) NULL else c(num(a$feldt$lower.ci), num(a$feldt$upper.ci)),
       item_stats = list(n = col(is, "n"), raw_r = col(is, "raw.r"), std_r = col(is, "std.r"), r_cor = col(is, "r.cor"),
                         r_drop = col(is, "r.drop"), mean = col(is, "mean"), sd = col(is, "sd")),
       alpha_drop = list(raw_alpha = col(ad, "raw_alpha"), std_alpha = col(ad, "std.alpha"), g6 = col(ad, "G6(smc)"),
                         average_r = col(ad, "average_r"), s_n = col(ad, "S/N"), alpha_se = col(ad, "alpha se"),
                         var_r = col(ad, "var.r"), med_r = col(ad, "med.r")),
       r_warnings = nz(res$warnings))
}
al <- list()
al$hs_visual <- alpha_case(spec("holzinger_swineford_1939.csv", c("x1", "x2", "x3")))
al$hs_speed_miss <- alpha_case(spec("holzinger_swineford_1939_missing.csv", c("x7", "x8", "x9")))
al$hs_all_miss <- alpha_case(hsm)
al$hs_holes <- alpha_case(hsh)
al$hs_two_items <- alpha_case(spec("holzinger_swineford_1939.csv", c("x4", "x5")))
al$bfiA_keys <- alpha_case(spec("bfi.csv", paste0("A", 1:5)), keys = "A1")
al$bfiC_keys <- alpha_case(spec("bfi.csv", paste0("C", 1:5)), keys = c("C4", "C5"))
al$bfiE_keys <- alpha_case(spec("bfi.csv", paste0("E", 1:5)), keys = c("E1", "E2"))
al$bfiO_keys <- alpha_case(spec("bfi.csv", paste0("O", 1:5)), keys = c("O2", "O5"))
al$bfiA_check <- alpha_case(spec("bfi.csv", paste0("A", 1:5)), check_keys = TRUE)
al$bfiC_check <- alpha_case(spec("bfi.csv", paste0("C", 1:5)), check_keys = TRUE)
al$bfiE_check <- alpha_case(spec("bfi.csv", paste0("E", 1:5)), check_keys = TRUE)
al$bfiO_check <- alpha_case(spec("bfi.csv", paste0("O", 1:5)), check_keys = TRUE)
al$bfiN_plain <- alpha_case(spec("bfi.csv", paste0("N", 1:5)))
al$bfi25_keys <- alpha_case(bfi25, keys = REV)
al$bfiAC_holes <- alpha_case(spec("bfi.csv", c(paste0("A", 1:5), paste0("C", 1:5)), reversed = REV,
                                  holes = list(list("A3", 2, 0), list("C2", 3, 1)), rows = 500))
al$bfiA_first60 <- alpha_case(spec("bfi.csv", paste0("A", 2:5), rows = 60))
al$pd_y <- alpha_case(spec("political_democracy.csv", paste0("y", 1:8)))
al$pd_x_miss <- alpha_case(spec("political_democracy_missing.csv", c("x1", "x2", "x3")))
al$pd_y_miss <- alpha_case(spec("political_democracy_missing.csv", paste0("y", 1:4)))
al$bfiN_cor <- alpha_case(spec("bfi.csv", paste0("N", 1:5)), input = "cor", n_obs = 2800)
al$hs_textual_cor <- alpha_case(spec("holzinger_swineford_1939.csv", c("x4", "x5", "x6")), input = "cor", n_obs = 301)
al$hs_textual_cov <- alpha_case(spec("holzinger_swineford_1939.csv", c("x4", "x5", "x6")), input = "cov", n_obs = 301)
al$pd_y_cov <- alpha_case(spec("political_democracy.csv", paste0("y", 1:8)), input = "cov", n_obs = 75)
al$bfiC_keys_check <- alpha_case(spec("bfi.csv", paste0("C", 1:5)), keys = c("C1"), check_keys = TRUE)
al$bfi_mixed_signs_check <- alpha_case(spec("bfi.csv", c("A1", "A2", "C4", "C2", "E1", "E3")), check_keys = TRUE)
al$bfiAC_holes_complete <- alpha_case(spec("bfi.csv", c(paste0("A", 1:5), paste0("C", 1:5)), reversed = REV,
                                           holes = list(list("A3", 2, 0), list("C2", 3, 1)), rows = 500),
                                      use = "complete.obs")
al$hs_miss_complete <- alpha_case(hsm, use = "complete.obs")
const_A3 <- lapply(c(1, 2, 4, 5, 6), function(k) list("A3", k, 3))
al$bfiA_constant_item <- alpha_case(spec("bfi.csv", paste0("A", 2:5), recode = const_A3))
al$bfiA_constant_item_keys <- alpha_case(spec("bfi.csv", paste0("A", 1:5), recode = const_A3), keys = "A1")
al$hs_keys_continuous <- alpha_case(spec("holzinger_swineford_1939.csv", c("x1", "x2", "x3", "x4")), keys = "x2")
al$hs_check_keys_continuous <- alpha_case(spec("holzinger_swineford_1939.csv", c("x1", "x2", "x3", "x4")),
                                          keys = "x2", check_keys = TRUE)
al$bfiAC_holes_naomit <- alpha_case(spec("bfi.csv", c(paste0("A", 1:5), paste0("C", 1:5)), reversed = REV,
                                         holes = list(list("A3", 2, 0), list("C2", 3, 1)), rows = 500, complete = TRUE))
al$hs_miss_naomit <- alpha_case(spec("holzinger_swineford_1939_missing.csv", HS9, complete = TRUE))
out(al, "alpha.json")

## ---- omega ----------------------------------------------------------------------------------
om_case <- function(sp, nf, fm = "minres", rot = "oblimin", input = "raw") {
  x <- make_data(sp)
  if (input == "cov") x <- cov(x, use = "pairwise")
  res <- tryCatch(capture(omega(x, nfactors = nf, fm = fm, rotate = rot, plot = FALSE)),
                  error = function(e) list(error = conditionMessage(e)))
  if (!is.null(res$error))
    return(list(spec = sp, options = list(nfactors = nf, fm = fm, rotate = rot), r_error = res$error))
  o <- res$value
  sl <- o$schmid$sl
  grp <- colnames(sl)[grepl("^F[0-9]+\\*$", colnames(sl))]
  list(spec = sp, options = list(nfactors = nf, fm = fm, rotate = rot, input = input),
       omega_h = num(o$omega_h), omega_tot = num(o$omega.tot), alpha = num(o$alpha), omega_lim = num(o$omega.lim),
       g6 = num(o$G6), ecv = num(o$ECV), g_loadings = num(sl[, "g"]), group_loadings = mat(sl[, grp, drop = FALSE]),
       h2 = num(sl[, "h2"]), u2 = num(sl[, "u2"]), flipped = nz(rownames(sl)[grepl("-$", rownames(sl))]),
       omega_group = list(total = num(o$omega.group$total), general = num(o$omega.group$general),
                          group = num(o$omega.group$group)),
       r_warnings = nz(res$warnings))
}
om <- list()
for (nf in 2:4) for (fm in FMS) om[[sprintf("hs_%d_%s", nf, fm)]] <- om_case(hs, nf, fm)
om$hs_3_minres_promax <- om_case(hs, 3, "minres", "promax")
om$hs_3_minres_geominQ <- om_case(hs, 3, "minres", "geominQ")
om$hsmiss_3_minres <- om_case(hsm, 3)
bfir <- spec("bfi.csv", B25, reversed = REV)
om$bfi_rev_5_minres <- om_case(bfir, 5)
om$bfi_rev_4_pa <- om_case(bfir, 4, "pa")
om$bfi_unrev_5_minres <- om_case(bfi25, 5)
om$bfi_AC_2_minres <- om_case(bfi_ac, 2)
om$bfi_AC_3_ml_promax <- om_case(bfi_ac, 3, "ml", "promax")
om$pd_3_minres <- om_case(pd, 3)
om$pd_2_ml <- om_case(pd, 2, "ml")
om$hs_1_minres <- om_case(hs, 1)
om$bfi_unrev_4_geominQ <- om_case(bfi25, 4, "minres", "geominQ")
om$pd_3_pa_promax <- om_case(pd, 3, "pa", "promax")
om$hs_3_minres_Promax <- om_case(hs, 3, "minres", "Promax")
om$bfi_rev_5_ml_Promax <- om_case(bfir, 5, "ml", "Promax")
om$bfi_rev_6_minres <- om_case(bfir, 6)
om$hscov_3_minres <- om_case(hs, 3, input = "cov")
om$pdcov_3_ml <- om_case(pd, 3, "ml", input = "cov")
out(om, "omega.json")

## ---- polychoric -----------------------------------------------------------------------------
pc_case <- function(sp, global = TRUE, correct = 0.5) {
  x <- make_data(sp)
  res <- tryCatch(capture(polychoric(x, global = global, correct = correct)),
                  error = function(e) list(error = conditionMessage(e)))
  if (!is.null(res$error))
    return(list(spec = sp, options = list(global = global, correct = correct), r_error = res$error))
  p <- res$value
  list(spec = sp, options = list(global = global, correct = correct), names = rownames(p$rho),
       rho = mat(p$rho), tau = mat_inf(p$tau),
       r_warnings = nz(res$warnings))
}
pc <- list()
pc$bfiA_miss <- pc_case(spec("bfi.csv", paste0("A", 1:5)))
pc$bfiA_miss_local <- pc_case(spec("bfi.csv", paste0("A", 1:5)), global = FALSE)
pc$bfiA_miss_local_nocorrect <- pc_case(spec("bfi.csv", paste0("A", 1:5)), global = FALSE, correct = 0)
pc$bfiC_first300 <- pc_case(spec("bfi.csv", paste0("C", 1:5), rows = 300))
pc$bfiC_first300_local <- pc_case(spec("bfi.csv", paste0("C", 1:5), rows = 300), global = FALSE)
pc$bfiN_holes <- pc_case(spec("bfi.csv", paste0("N", 1:5), holes = list(list("N2", 3, 0), list("N4", 5, 2))))
pc$bfiN_holes_local_c0 <- pc_case(spec("bfi.csv", paste0("N", 1:5), holes = list(list("N2", 3, 0), list("N4", 5, 2))),
                                  global = FALSE, correct = 0)
une <- list(list("O1", 1, 2), list("O3", 6, 5))
pc$bfiO_unequal <- pc_case(spec("bfi.csv", paste0("O", 1:5), rows = 800, recode = une))
pc$bfiO_unequal_c0 <- pc_case(spec("bfi.csv", paste0("O", 1:5), rows = 800, recode = une), correct = 0)
pc$bfiO_unequal_c01 <- pc_case(spec("bfi.csv", paste0("O", 1:5), rows = 800, recode = une), correct = 0.1)
bin <- list(); for (v in paste0("E", 1:5)) bin <- c(bin, list(list(v, 2, 1), list(v, 3, 1), list(v, 4, 6), list(v, 5, 6)))
pc$bfiE_binary <- pc_case(spec("bfi.csv", paste0("E", 1:5), recode = bin))
pc$bfiE_binary_first200_local <- pc_case(spec("bfi.csv", paste0("E", 1:5), rows = 200, recode = bin), global = FALSE)
three <- list(); for (v in paste0("A", 1:5)) three <- c(three, list(list(v, 2, 1), list(v, 4, 3), list(v, 6, 5)))
pc$bfiA_three_cat <- pc_case(spec("bfi.csv", paste0("A", 1:5), recode = three))
pc$bfiA_three_cat_first100 <- pc_case(spec("bfi.csv", paste0("A", 1:5), rows = 100, recode = three))
pc$bfi_mixed_cat <- pc_case(spec("bfi.csv", c("A2", "C1", "E3", "N1"), rows = 1000,
                                 recode = list(list("A2", 1, 2), list("A2", 2, 3), list("N1", 6, 5), list("N1", 5, 4))))
pc$bfi_mixed_cat_c0 <- pc_case(spec("bfi.csv", c("A2", "C1", "E3", "N1"), rows = 1000,
                                    recode = list(list("A2", 1, 2), list("A2", 2, 3), list("N1", 6, 5), list("N1", 5, 4))),
                               correct = 0)
pc$bfi10_first120 <- pc_case(spec("bfi.csv", B25[6:15], rows = 120))
pc$bfi10_first120_local <- pc_case(spec("bfi.csv", B25[6:15], rows = 120), global = FALSE)
zero <- list(); for (v in paste0("N", 1:5)) for (k in 1:6) zero <- c(zero, list(list(v, k, k - 1)))
pc$bfiN_zero_coded <- pc_case(spec("bfi.csv", paste0("N", 1:5), rows = 700, recode = zero))
pc$bfiC_gap_global <- pc_case(spec("bfi.csv", paste0("C", 1:5), rows = 500, recode = list(list("C1", 3, 2))))
pc$bfiC_gap_local <- pc_case(spec("bfi.csv", paste0("C", 1:5), rows = 500, recode = list(list("C1", 3, 2))), global = FALSE)
pc$bfiA_first40_local <- pc_case(spec("bfi.csv", paste0("A", 1:5), rows = 40), global = FALSE)
pc$bfiA_first40 <- pc_case(spec("bfi.csv", paste0("A", 1:5), rows = 40))
pc$bfiE_binary_holes <- pc_case(spec("bfi.csv", paste0("E", 1:5), rows = 900, recode = bin,
                                     holes = list(list("E1", 4, 0), list("E3", 3, 2))))
pc$hs_ordinal_missing <- pc_case(spec("hs_ordinal_missing.csv", paste0("x", 1:9)))
pc$bfiA_constant_item <- pc_case(spec("bfi.csv", paste0("A", 1:5), rows = 600, recode = const_A3))
out(pc, "polychoric.json")

## ---- MAP, observed eigenvalues of fa.parallel -----------------------------------------------
ret_case <- function(sp, n = 8, cor = "cor") {
  x <- make_data(sp)
  v <- capture(VSS(x, n = n, plot = FALSE, cor = cor))$value
  rx <- if (cor == "poly") polychoric(x)$rho else cor(x, use = "pairwise")
  f1 <- capture(fa(rx, 1, rotate = "none", fm = "minres", warnings = FALSE))$value
  list(spec = sp, options = list(n = n, cor = cor), map = num(v$map), map_nfact = which.min(v$map),
       pc_values = num(eigen(rx)$values), fa_values = num(f1$values))
}
ret <- list()
ret$hs <- ret_case(hs)
ret$hs_n4 <- ret_case(hs, 4)
ret$hs_miss <- ret_case(hsm)
ret$hs_holes <- ret_case(hsh)
ret$bfi25 <- ret_case(bfi25)
ret$bfi_ac <- ret_case(bfi_ac)
ret$bfi_eo_rev <- ret_case(bfi_eo)
ret$bfi_n <- ret_case(spec("bfi.csv", paste0("N", 1:5)), 4)
ret$bfi_holes15 <- ret_case(bfih)
ret$pd <- ret_case(pd)
ret$pd_miss <- ret_case(pdm)
ret$bfi_ac_poly <- ret_case(bfi_ac, cor = "poly")
ret$bfi_n_poly <- ret_case(spec("bfi.csv", paste0("N", 1:5)), 4, cor = "poly")
hsm_c <- hsm; hsm_c$complete <- TRUE
ret$hs_miss_listwise <- ret_case(hsm_c)
out(ret, "retention.json")
