# Reference values for ls.loyalty(data, attitudinal = items, behavioral = items) (tests/analyses/
# test_drivers_sweep.py), computed with R 4.2, lavaan 0.6-14 and semTools 0.5-6 on the same data:
#   - two-factor CFA (attitudinal, purchase) vs one-factor CFA: lavTestLRT (Satorra-Bentler 2001
#     scaled difference for MLR/MLM);
#   - Wald test of phi = 1 in the std.lv two-factor fit: lavTestWald(fit, "phi == 1") (chi-square
#     = z², z = (1 - phi) / se(phi)), and phi with its 95 % interval (parameterEstimates);
#   - semTools::htmt(model, data) (listwise, htmt2, absolute: the 0.5-6 defaults);
#   - Fornell-Larcker: the latent correlation (lavInspect(fit, "cor.lv")) and sqrt(semTools::AVE);
#   - Dick & Basu segments: scores = rowMeans(items, na.rm = TRUE) (the items in `reverse`, an
#     instrument's reverse-keyed bfi items, reversed as 7 - x first), cut at median(na.rm = TRUE),
#     a score strictly above the cut is high (split = "midpoint": cut at (min + max) / 2 of the
#     scale); with `behavior_column` that column (observed behavior, joined by `id_column`) is the
#     behavioral score, and its Pearson correlation with the attitudinal score is recorded.
# Run from this folder: Rscript generate_loyalty.R   (writes loyalty.json)
suppressMessages({library(lavaan); library(semTools)})
source("common.R")   # read_data, apply_derive, quadrant, HS/PD/..., L, with_defaults, write_reference

run_case <- function(cs) {
  d <- apply_derive(read_data(cs$data), cs$derive)
  two <- paste0("attitudinal =~ ", paste(cs$attitudinal, collapse = " + "), "\npurchase =~ ",
                paste(cs$behavioral, collapse = " + "), "\n")
  one <- paste0("loyalty =~ ", paste(c(cs$attitudinal, cs$behavioral), collapse = " + "), "\n")
  f2 <- cfa(two, d, estimator = cs$estimator)
  f1 <- cfa(one, d, estimator = cs$estimator)
  fs <- cfa(paste0(two, "attitudinal ~~ phi*purchase\n"), d, estimator = cs$estimator, std.lv = TRUE)
  lrt <- lavTestLRT(f2, f1)
  wald <- lavTestWald(fs, "phi == 1")
  pe <- parameterEstimates(fs)
  phi <- pe[pe$label == "phi", ]
  h <- htmt(two, d)
  ave <- AVE(f2)
  keyed <- function(items) sapply(items, function(i) if (i %in% cs$reverse) 7 - d[[i]] else d[[i]])
  a <- rowMeans(keyed(cs$attitudinal), na.rm = TRUE)
  b <- rowMeans(keyed(cs$behavioral), na.rm = TRUE)
  a[is.nan(a)] <- NA; b[is.nan(b)] <- NA
  if (!is.null(cs$behavior_column)) b <- d[[cs$behavior_column]]     # observed behavior joined by id
  if (cs$split == "median") { ca <- median(a, na.rm = TRUE); cb <- median(b, na.rm = TRUE) }
  else { ca <- cb <- (cs$scale$min + cs$scale$max) / 2 }
  ok <- !is.na(a) & !is.na(b)
  seg <- ifelse(a > ca, ifelse(b > cb, "true loyalty", "latent loyalty"), ifelse(b > cb, "spurious loyalty", "no loyalty"))
  counts <- sapply(c("true loyalty", "latent loyalty", "spurious loyalty", "no loyalty"), function(s) sum(seg[ok] == s))
  c(cs, list(
    nobs = lavInspect(f2, "nobs"),
    lrt = list(statistic = lrt[2, "Chisq diff"], df = lrt[2, "Df diff"], pvalue = lrt[2, "Pr(>Chisq)"]),
    wald = list(chisq = wald$stat, df = wald$df, pvalue = wald$p.value),
    phi = list(est = phi$est, se = phi$se, ci_lower = phi$ci.lower, ci_upper = phi$ci.upper),
    htmt = h["purchase", "attitudinal"],
    fornell_larcker = list(cor = lavInspect(f2, "cor.lv")["attitudinal", "purchase"],
                           sqrt_ave = as.list(sqrt(ave[c("attitudinal", "purchase")]))),
    cuts = list(attitudinal = ca, behavioral = cb), counts = as.list(counts), n_segmented = sum(ok),
    attitude_behavior_cor = cor(a, b, use = "complete.obs")))
}

cases <- L(
  L(name = "hs_visual_textual_mlr", data = HS, attitudinal = c("x1", "x2", "x3"), behavioral = c("x4", "x5", "x6"),
    estimator = "MLR"),
  L(name = "hs_textual_speed_ml", data = HS, attitudinal = c("x4", "x5", "x6"), behavioral = c("x7", "x8", "x9"),
    estimator = "ML"),
  L(name = "hsm_holes_mlm", data = HSM, attitudinal = c("x1", "x2", "x3"), behavioral = c("x7", "x8", "x9"),
    estimator = "MLM"),
  L(name = "pd_dem60_dem65_near_one", data = PD, attitudinal = c("y1", "y2", "y3", "y4"),
    behavioral = c("y5", "y6", "y7", "y8"), estimator = "ML"),
  L(name = "mobi_satisfaction_loyalty", data = MOBI, attitudinal = c("CUSA1", "CUSA2", "CUSA3"),
    behavioral = c("CUSL1", "CUSL2", "CUSL3"), estimator = "MLR"),
  L(name = "mobi_two_item_behavior", data = MOBI, attitudinal = c("IMAG1", "IMAG2", "IMAG3", "IMAG4"),
    behavioral = c("PERV1", "PERV2"), estimator = "MLR"),
  L(name = "cr_like_cusl_holes", data = CR, attitudinal = c("like_1", "like_2", "like_3"),
    behavioral = c("cusl_1", "cusl_2", "cusl_3"), estimator = "MLR"),
  L(name = "bfi_instrument_keyed", data = BFI, attitudinal = c("A1", "A2", "A3", "A4", "A5"),
    behavioral = c("E1", "E2", "E3", "E4", "E5"), estimator = "MLR", reverse = c("A1", "E1", "E2")),
  L(name = "bfi_midpoint", data = BFI, attitudinal = c("A2", "A3", "A5"), behavioral = c("C1", "C2", "C3"),
    estimator = "ML", split = "midpoint", scale = L(min = 1, max = 6)),
  L(name = "bfi_observed_behavior_age", data = BFI, attitudinal = c("O1", "O3", "O4"), behavioral = c("C1", "C2", "C3"),
    estimator = "MLR", behavior_column = "age", id_column = "respondent"),
  L(name = "bfi_agree_extra_holes", data = BFI, attitudinal = c("A2", "A3", "A5"), behavioral = c("E3", "E4", "E5"),
    estimator = "MLR")
)

cases <- with_defaults(cases, reverse = character(0), split = "median", scale = NULL, behavior_column = NULL,
                       id_column = NULL)
write_reference("loyalty.json", list(r2 = 2e-3, importance = 2e-3, chisq_rel = 2e-3, est_rel = 1e-3, est_floor = 0.1, se_rel = 0.01,
                    pvalue = 2e-3, htmt = 3e-3, ave = 3e-3), "generate_loyalty.R", c("lavaan", "semTools"), lapply(cases, run_case))
