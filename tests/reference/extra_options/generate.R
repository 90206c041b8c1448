# The lavaan-options sweep: lavaan 0.6-14 on option combinations that ls.sem accepts and that the
# other folders do not hold yet (meanstructure with robust estimators, std.lv with groups and FIML,
# every group.equal kind with group.partial, fixed.x = FALSE with MLM/MLR and groups, the (D)WLS
# family with se = and groups, sample.cov = with sample.mean = and groups), on Holzinger-Swineford
# (with and without holes), Political Democracy, bfi subsets and Demo.growth; plus the lavaan
# options ls.sem does not implement ("refused" = TRUE: the test checks the error names the option).
# Same JSON format as ../extra_core (../lavaan_cases.R). Run from this folder: Rscript generate.R, then
# python ../write_tolerances.py (stores the tolerances in each new file).
source("../lavaan_cases.R")
HS   <- 'visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9'
HSR  <- paste0(HS, '\nx7 ~~ x9\nx2 ~~ x3')
HSS  <- paste0(HS, '\nspeed ~ visual + textual')
HS2  <- 'visual =~ x1 + x2\ntextual =~ x4 + x5 + x6'
MIM2 <- 'visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nvisual + textual ~ ageyr + sex'
PD   <- 'ind60 =~ x1 + x2 + x3\ndem60 =~ y1 + y2 + y3 + y4\ndem65 =~ y5 + y6 + y7 + y8\ndem60 ~ ind60\ndem65 ~ ind60 + dem60\ny1 ~~ y5\ny2 ~~ y4 + y6\ny3 ~~ y7\ny4 ~~ y8\ny6 ~~ y8'
BAC  <- 'A =~ A1 + A2 + A3 + A4 + A5\nC =~ C1 + C2 + C3 + C4 + C5'
BN   <- 'N =~ N1 + N2 + N3 + N4 + N5'
GR   <- 'i =~ 1*t1 + 1*t2 + 1*t3 + 1*t4\ns =~ 0*t1 + 1*t2 + 2*t3 + 3*t4'
GRX  <- paste0(GR, '\ni + s ~ x1 + x2')
H <- "holzinger_swineford_1939.csv"; HM <- "holzinger_swineford_1939_missing.csv"
P <- "political_democracy.csv"; PM <- "political_democracy_missing.csv"; B <- "bfi.csv"
G <- "demo_growth.csv"; GM <- "demo_growth_missing.csv"
c1 <- function(name, data, model, ...) list(name = name, data = data, model = model, options = list(...))
# lavaan's sem() overrides int.ov.free / int.lv.free (it sets TRUE / FALSE whatever is given), so the
# cases that set them are fitted by lavaan() with the rest of sem()'s settings, which honours them
# (lavaan's growth() is the same with int.ov.free = FALSE, int.lv.free = TRUE)
sem_int <- function(..., int.ov.free = TRUE, int.lv.free = FALSE) lavaan::lavaan(..., int.ov.free = int.ov.free,
  int.lv.free = int.lv.free, auto.fix.first = TRUE, auto.fix.single = TRUE, auto.var = TRUE,
  auto.cov.lv.x = TRUE, auto.cov.y = TRUE, auto.th = TRUE, auto.delta = TRUE, auto.efa = TRUE)
cases <- list(
  c1("o_hs_ml_ms", H, HS, meanstructure = TRUE),
  c1("o_hs_mlr_ms_stdlv", H, HS, estimator = "MLR", meanstructure = TRUE, std.lv = TRUE),
  c1("o_hs_mlm_ms", H, HS, estimator = "MLM", meanstructure = TRUE),
  c1("o_hs_mlm_stdlv", H, HS, estimator = "MLM", std.lv = TRUE),
  c1("o_hs_two_items", H, HS2, estimator = "MLR"),
  c1("o_hs_sem_mlr_ms", H, HSS, estimator = "MLR", meanstructure = TRUE),
  c1("o_hs_g_partial_mlr", H, HS, group = "school", group.equal = c("loadings", "intercepts"),
     group.partial = c("visual=~x2", "x3~1"), estimator = "MLR"),
  c1("o_hs_g_rescov", H, HSR, group = "school", group.equal = c("loadings", "residual.covariances")),
  c1("o_hs_g_rescov_partial_mlm", H, HSR, group = "school", group.equal = c("loadings", "residual.covariances"),
     group.partial = "x7~~x9", estimator = "MLM"),
  c1("o_hs_g_lvcov", H, HS, group = "school", group.equal = c("loadings", "lv.covariances")),
  c1("o_hs_g_lvcov_stdlv_mlr", H, HS, group = "school", group.equal = c("loadings", "lv.covariances"),
     std.lv = TRUE, estimator = "MLR"),
  c1("o_hs_g_means", H, HS, group = "school", group.equal = c("loadings", "intercepts", "means")),
  c1("o_hs_g_means_partial", H, HS, group = "school", group.equal = c("loadings", "intercepts", "means"),
     group.partial = "visual~1"),
  c1("o_hs_g_regressions", H, HSS, group = "school", group.equal = "regressions"),
  c1("o_hs_g_regressions_stdlv_mlr", H, HSS, group = "school", group.equal = c("loadings", "regressions"),
     std.lv = TRUE, estimator = "MLR"),
  c1("o_hs_g_residuals_lvvar", H, HS, group = "school", group.equal = c("loadings", "residuals", "lv.variances")),
  c1("o_hs_g_strict_partial_mlm", H, HS, group = "school", group.equal = c("loadings", "intercepts", "residuals"),
     group.partial = c("x1~~x1", "x3~1"), estimator = "MLM"),
  c1("o_hs_g_all_kinds", H, HSS, group = "school",
     group.equal = c("loadings", "intercepts", "residuals", "lv.variances", "lv.covariances", "regressions", "means")),
  c1("o_hs_mimic_fixedx_false_mlm", H, MIM2, fixed.x = FALSE, estimator = "MLM"),
  c1("o_hs_mimic_g_fixedx_false_mlr", H, MIM2, group = "school", fixed.x = FALSE, estimator = "MLR"),
  c1("o_hs_mimic_ms_mlr", H, MIM2, meanstructure = TRUE, estimator = "MLR"),
  c1("o_hs_mimic_stdlv_mlm_ms", H, MIM2, std.lv = TRUE, estimator = "MLM", meanstructure = TRUE),
  c1("o_hsm_fiml_stdlv", HM, HS, missing = "ml", std.lv = TRUE),
  c1("o_hsm_fiml_g_scalar", HM, HS, missing = "ml", group = "school", group.equal = c("loadings", "intercepts")),
  c1("o_hsm_fiml_mlr_g_means", HM, HS, missing = "ml", estimator = "MLR", group = "school",
     group.equal = c("loadings", "intercepts", "means")),
  c1("o_hsm_fiml_sem_g_regressions", HM, HSS, missing = "ml", group = "school", group.equal = "regressions"),
  c1("o_hsm_fiml_mlr_mimic_stdlv", HM, MIM2, missing = "ml", estimator = "MLR", std.lv = TRUE),
  c1("o_hsm_fiml_mlr_g_rescov", HM, HSR, missing = "ml", estimator = "MLR", group = "school",
     group.equal = c("loadings", "residual.covariances")),
  c1("o_hsm_listwise_mlr", HM, HS, estimator = "MLR"),
  c1("o_hsm_listwise_mlm_g", HM, HS, estimator = "MLM", group = "school"),
  c1("o_hsm_listwise_ms", HM, HS, meanstructure = TRUE),
  c1("o_hsm_dwls_pairwise", HM, HS, estimator = "DWLS", missing = "pairwise"),
  c1("o_hsm_wlsmv_listwise_g", HM, HS, estimator = "WLSMV", group = "school"),
  c1("o_hs_dwls_se_robust", H, HS, estimator = "DWLS", se = "robust.sem"),
  c1("o_hs_wlsmv_se_standard", H, HS, estimator = "WLSMV", se = "standard"),
  c1("o_hs_wls_g_loadings", H, HS, estimator = "WLS", group = "school", group.equal = "loadings"),
  c1("o_hs_wlsmv_stdlv_ms", H, HS, estimator = "WLSMV", std.lv = TRUE, meanstructure = TRUE),
  c1("o_hs_dwls_g_scalar", H, HS, estimator = "DWLS", group = "school", group.equal = c("loadings", "intercepts")),
  c1("o_hs_wlsmv_g_lvcov", H, HS, estimator = "WLSMV", group = "school", group.equal = c("loadings", "lv.covariances")),
  c1("o_pd_ml_ms", P, PD, meanstructure = TRUE),
  c1("o_pd_mlr_stdlv", P, PD, estimator = "MLR", std.lv = TRUE),
  c1("o_pd_mlm_ms", P, PD, estimator = "MLM", meanstructure = TRUE),
  c1("o_pd_fiml_mlr_stdlv", PM, PD, missing = "ml", estimator = "MLR", std.lv = TRUE),
  c1("o_pd_listwise_holes", PM, PD),
  c1("o_pd_wlsmv", P, PD, estimator = "WLSMV"),
  c1("o_pd_dwls_stdlv", P, PD, estimator = "DWLS", std.lv = TRUE),
  # lavaan refuses this one (Gamma not positive definite: 75 rows, 77 moments), no file is written;
  # test_wls_with_more_moments_than_rows_is_refused_as_lavaan checks that ours refuses it too
  c1("o_pd_wls_ms", P, PD, estimator = "WLS", meanstructure = TRUE),
  c1("o_bfi_ac_ml", B, BAC),
  c1("o_bfi_ac_fiml_mlr", B, BAC, missing = "ml", estimator = "MLR"),
  c1("o_bfi_ac_g_loadings_mlr", B, BAC, group = "gender", group.equal = "loadings", estimator = "MLR"),
  c1("o_bfi_ac_g_fiml_scalar", B, BAC, group = "gender", group.equal = c("loadings", "intercepts"), missing = "ml"),
  c1("o_bfi_n_mlm_ms", B, BN, estimator = "MLM", meanstructure = TRUE),
  c1("o_bfi_n_wlsmv", B, BN, estimator = "WLSMV"),
  c1("o_bfi_ac_dwls_pairwise", B, BAC, estimator = "DWLS", missing = "pairwise"),
  c1("o_bfi_ac_stdlv_fiml_g_lvcov", B, BAC, std.lv = TRUE, missing = "ml", group = "gender",
     group.equal = c("loadings", "lv.covariances")),
  c1("o_gr_mlm", G, GR, estimator = "MLM"),
  c1("o_gr_fiml_mlr_fixedx_false", GM, GRX, missing = "ml", estimator = "MLR", fixed.x = FALSE),
  c1("o_gr_wlsmv", G, GR, estimator = "WLSMV"),
  c1("o_gr_mlr_fixedx_false", G, GRX, estimator = "MLR", fixed.x = FALSE),
  # more shapes: one factor of many items, se = "none", derived groups, pairwise with groups
  c1("o_bfi_ne_one_factor_fiml_mlr_stdlv", B, 'f =~ N1 + N2 + N3 + N4 + N5 + E1 + E2 + E3 + E4 + E5',
     missing = "ml", estimator = "MLR", std.lv = TRUE),
  c1("o_hs_se_none", H, HS, se = "none"),
  c1("o_hs_mlr_se_none_g", H, HS, estimator = "MLR", se = "none", group = "school"),
  c1("o_hsm_fiml_mlr_fixedx_false_g_loadings", HM, MIM2, missing = "ml", estimator = "MLR", fixed.x = FALSE,
     group = "school", group.equal = "loadings"),
  c1("o_hs_g_stdlv_orthogonal_lvvar", H, HS, group = "school", std.lv = TRUE, orthogonal = TRUE,
     group.equal = c("loadings", "lv.variances")),
  c1("o_hs_g_partial_loadings_stdlv_mlm", H, HS, group = "school", group.equal = "loadings",
     group.partial = c("speed=~x9", "textual=~x6"), std.lv = TRUE, estimator = "MLM"),
  c1("o_hsm_fiml_g_rescov", HM, HSR, missing = "ml", group = "school", group.equal = c("loadings", "residual.covariances")),
  c1("o_hs_wlsmv_mimic_fixedx_true_g", H, MIM2, estimator = "WLSMV", fixed.x = TRUE, group = "school"),
  c1("o_hsm_dwls_pairwise_g", HM, HS, estimator = "DWLS", missing = "pairwise", group = "school"),
  c1("o_hsm_wlsmv_pairwise_g_scalar", HM, HS, estimator = "WLSMV", missing = "pairwise", group = "school",
     group.equal = c("loadings", "intercepts")),
  c1("o_bfi_ac_gender_means_mlr", B, BAC, group = "gender", group.equal = c("loadings", "intercepts", "means"),
     estimator = "MLR"),
  c1("o_gr_fiml_std_lv_free_means", GM, 'i =~ t1 + t2 + t3 + t4\ns =~ 0*t1 + 1*t2 + 2*t3 + 3*t4', missing = "ml",
     std.lv = TRUE),
  c1("o_pd_mlm_fixedx_false_ms", P, 'ind60 =~ x1 + x2 + x3\ndem60 =~ y1 + y2 + y3 + y4\ndem60 ~ ind60 + x1',
     estimator = "MLM"),
  c1("o_hs_mlr_ms_false", H, HSS, estimator = "MLR", meanstructure = FALSE),
  # orthogonal = TRUE, and lavaan's other options at the value lavaan uses for the fit
  c1("o_hs_orthogonal", H, HS, orthogonal = TRUE),
  c1("o_hs_orthogonal_written_cov_mlr_g", H, paste0(HS, '\nvisual ~~ textual'), orthogonal = TRUE, estimator = "MLR",
     group = "school", group.equal = "loadings"),
  c1("o_hs_orthogonal_sem_stdlv", H, HSS, orthogonal = TRUE, std.lv = TRUE),
  c1("o_hsm_orthogonal_fiml", HM, HS, orthogonal = TRUE, missing = "ml"),
  c1("o_bfi_ac_ordered_orthogonal_stdlv", B, BAC, orthogonal = TRUE, std.lv = TRUE,
     ordered = c("A1", "A2", "A3", "A4", "A5", "C1", "C2", "C3", "C4", "C5")),
  c1("o_hs_wlsmv_orthogonal_g", H, HS, orthogonal = TRUE, estimator = "WLSMV", group = "school"),
  c1("o_hs_mlr_orthogonal_sample_ms", H, HSS, orthogonal = TRUE, estimator = "MLR", meanstructure = TRUE),
  c1("o_hs_mlr_information_expected", H, HS, estimator = "MLR", information = "expected"),
  c1("o_hs_mlm_test_satorra_bentler", H, HS, estimator = "MLM", test = "satorra.bentler", se = "robust.sem"),
  c1("o_hsm_fiml_information_observed", HM, HS, missing = "ml", information = "observed", likelihood = "normal"),
  # std.ov = TRUE: observed variables standardized per group (fixed.x covariates left alone)
  c1("o_hs_std_ov", H, HS, std.ov = TRUE),
  c1("o_hs_std_ov_g_scalar", H, HS, std.ov = TRUE, group = "school", group.equal = c("loadings", "intercepts")),
  c1("o_hs_std_ov_mimic_mlr", H, MIM2, std.ov = TRUE, estimator = "MLR"),
  c1("o_hs_std_ov_mimic_fixedx_false", H, MIM2, std.ov = TRUE, fixed.x = FALSE),
  c1("o_hsm_std_ov_listwise_mlm_g", HM, HS, std.ov = TRUE, estimator = "MLM", group = "school"),
  c1("o_hsm_std_ov_fiml_mlr", HM, HS, std.ov = TRUE, missing = "ml", estimator = "MLR"),
  c1("o_hs_std_ov_wlsmv", H, HS, std.ov = TRUE, estimator = "WLSMV"),
  c1("o_bfi_ac_std_ov_g_fiml", B, BAC, std.ov = TRUE, missing = "ml", group = "gender"),
  # int.ov.free = FALSE + int.lv.free = TRUE: lavaan's growth() parameterization
  c1("o_gr_growth_style", G, GR, int.ov.free = FALSE, int.lv.free = TRUE, meanstructure = TRUE),
  c1("o_gr_growth_style_fiml_mlr", GM, GRX, int.ov.free = FALSE, int.lv.free = TRUE, missing = "ml", estimator = "MLR"),
  c1("o_gr_growth_style_wlsmv", G, GR, int.ov.free = FALSE, int.lv.free = TRUE, meanstructure = TRUE, estimator = "WLSMV"),
  c1("o_gr_growth_style_mlm_stdlv", G, GRX, int.ov.free = FALSE, int.lv.free = TRUE, meanstructure = TRUE,
     estimator = "MLM", fixed.x = FALSE),
  # likelihood = "wishart" (ML, one group, no fixed.x covariates)
  c1("o_hs_wishart", H, HS, likelihood = "wishart"),
  c1("o_hs_wishart_ms_stdlv", H, HSS, likelihood = "wishart", meanstructure = TRUE, std.lv = TRUE),
  c1("o_hsm_wishart_listwise", HM, HS, likelihood = "wishart"),
  c1("o_pd_wishart", P, PD, likelihood = "wishart"),
  c1("o_hs_wishart_mimic_fixedx_false", H, MIM2, likelihood = "wishart", fixed.x = FALSE),
  c1("o_bfi_ac_wishart_orthogonal", B, BAC, likelihood = "wishart", orthogonal = TRUE),
  # se =, test = and information = of the ML family, mixed (MLM/MLR are ML with one kind of both)
  c1("o_hs_ml_information_observed", H, HS, information = "observed"),
  c1("o_hs_ml_test_satorra_bentler", H, HS, test = "satorra.bentler"),
  c1("o_hs_ml_se_robust_huber_white", H, HS, se = "robust.huber.white"),
  c1("o_hs_ml_se_robust_sem", H, HS, se = "robust.sem"),
  c1("r_hs_mlm_information_observed", H, HS, estimator = "MLM", information = "observed"),
  c1("r_hs_mlr_test_satorra_bentler", H, HS, estimator = "MLR", test = "satorra.bentler"),
  c1("o_hs_mlm_se_standard", H, HS, estimator = "MLM", se = "standard"),
  c1("o_hs_mlr_se_standard_ms", H, HS, estimator = "MLR", se = "standard", meanstructure = TRUE),
  c1("r_hs_ml_g_rhw_ybm", H, HS, group = "school", group.equal = "loadings", se = "robust.huber.white",
     test = "yuan.bentler.mplus"),
  c1("o_hs_mimic_mlr_information_expected", H, MIM2, estimator = "MLR", information = "expected"),
  c1("r_hs_g_mlm_information_observed", H, HS, estimator = "MLM", group = "school", information = "observed"),
  c1("o_hs_sem_ml_se_robust_sem_stdlv", H, HSS, se = "robust.sem", std.lv = TRUE),
  c1("r_hsm_fiml_test_ybm", HM, HS, missing = "ml", test = "yuan.bentler.mplus"),
  c1("o_hsm_fiml_se_rhw", HM, HS, missing = "ml", se = "robust.huber.white"),
  c1("o_pd_ml_information_observed_ms", P, PD, information = "observed", meanstructure = TRUE),
  c1("o_bfi_ac_mlr_information_expected_g", B, BAC, estimator = "MLR", information = "expected", group = "gender"),
  # lavaan options ls.sem does not implement (refused = TRUE in the JSON)
  c1("r_hs_wishart_groups", H, HS, likelihood = "wishart", group = "school"),
  c1("r_hs_wishart_mimic", H, MIM2, likelihood = "wishart"),
  c1("r_hs_wishart_mlr", H, HS, likelihood = "wishart", estimator = "MLR"),
  c1("r_hs_information_first_order", H, HS, information = "first.order"),
  c1("r_hsm_fiml_information_expected", HM, HS, missing = "ml", information = "expected"),
  c1("r_hsm_fiml_test_satorra_bentler", HM, HS, missing = "ml", estimator = "MLR", test = "satorra.bentler"),
  c1("r_hs_mlr_h1_unstructured", H, HS, estimator = "MLR", h1.information = "unstructured"),
  c1("r_hs_gls", H, HS, estimator = "GLS"),
  c1("r_hs_uls", H, HS, estimator = "ULS"),
  c1("r_hs_ulsmv", H, HS, estimator = "ULSMV"),
  c1("r_hs_mlmv", H, HS, estimator = "MLMV"),
  c1("r_hs_mlmvs", H, HS, estimator = "MLMVS"),
  c1("r_hs_mlr_test_yuan_bentler", H, HS, estimator = "MLR", test = "yuan.bentler"),
  c1("r_hs_test_mean_var_adjusted", H, HS, test = "mean.var.adjusted"),
  c1("r_hs_test_scaled_shifted", H, HS, test = "scaled.shifted"),
  c1("r_hsm_missing_ml_x", HM, MIM2, missing = "ml.x"),
  c1("o_hs_int_ov_free_false", H, HS, meanstructure = TRUE, int.ov.free = FALSE),
  c1("o_hs_g_int_lv_free", H, paste0(HS, '\nx1 ~ 0*1\nx4 ~ 0*1\nx7 ~ 0*1'), group = "school",
     group.equal = c("loadings", "intercepts"), int.lv.free = TRUE),
  c1("r_hs_ridge", H, HS, ridge = TRUE)
)
measures <- c("npar","chisq","df","pvalue","baseline.chisq","baseline.df","cfi","tli","rmsea",
  "rmsea.ci.lower","rmsea.ci.upper","rmsea.pvalue","srmr","aic","bic","logl","unrestricted.logl",
  "chisq.scaled","df.scaled","pvalue.scaled","chisq.scaling.factor","cfi.scaled","tli.scaled","rmsea.scaled",
  "baseline.chisq.scaled","baseline.chisq.scaling.factor","cfi.robust","tli.robust","rmsea.robust")
# statistics kept out of the equality test, with the reason (tests/cbsem/test_options_sweep.py drops them)
WLSMV_CFI <- paste(
  "WLSMV on continuous items: lavaan's cfi.robust/tli.robust here equal its standard cfi/tli (1 / 1.0148,",
  "1 / 1.0277, 0.9692 / 0.9630): lavaan applies the robust formula only when its baseline scaling c0,",
  "1 in exact arithmetic for a continuous DWLS baseline, rounds away from 1. Ours always applies the robust",
  "formula: the documented difference of cbsem/estimators/continuous_wls.py (_robust_cfi_tli), docs/cbsem-wlsmv.md;",
  "chisq.scaled, cfi.scaled and rmsea.robust agree")
excluded <- list(
  o_hs_std_ov_mimic_mlr = list(fit = c("baseline.chisq", "baseline.chisq.scaled", "logl", "unrestricted.logl",
                                       "aic", "bic"), reason = paste(
    "lavaan's std.ov = TRUE with fixed.x covariates: its logl (+25405, a positive log-likelihood of",
    "continuous data) and baseline chi-square (713.3) disagree with lavaan on the same data standardized",
    "by hand with scale() (logl -2224.48, baseline 705.46), which ours equals; estimates, SEs and the",
    "model chi-square agree. A lavaan inconsistency; the by-hand definition is followed")),
  o_hsm_wlsmv_listwise_g = list(fit = c("cfi.robust", "tli.robust"), reason = WLSMV_CFI),
  o_hs_wlsmv_mimic_fixedx_true_g = list(fit = c("cfi.robust", "tli.robust"), reason = WLSMV_CFI),
  o_hsm_wlsmv_pairwise_g_scalar = list(fit = c("cfi.robust", "tli.robust"), reason = WLSMV_CFI))
for (cs in cases) {
  if (!is.null(cs$options$int.ov.free) || !is.null(cs$options$int.lv.free)) cs$fun <- "sem_int"
  fitted <- tryCatch(fit_case(cs, case_data(cs$data)), error = function(e) { cat(cs$name, "ERROR", conditionMessage(e), "\n"); NULL })
  if (is.null(fitted)) next
  out <- case_json(cs, fitted, measures)
  out$refused <- startsWith(cs$name, "r_")
  if (!is.null(cs$fun)) out$call <- sub("^sem\\(", "lavaan(", paste0(out$call, " with sem()'s auto.* settings"))
  if (!is.null(excluded[[cs$name]])) out$excluded <- excluded[[cs$name]]
  write_case(out)
}
# sample.cov = (unbiased covariances of the complete rows, R's cov()) with sample.mean = (colMeans)
hs <- case_data(H); ov <- paste0("x", 1:9); hsx <- c("x1","x2","x3","x4","x5","x6","ageyr","sex")
mom <- function(d, v) list(cov = cov(d[, v]), mean = colMeans(d[, v]), n = nrow(d))
covcases <- list(
  list(name = "o_cov_hs_mean_ms", model = HS, vars = ov, groups = FALSE, mean = TRUE, options = list(meanstructure = TRUE)),
  list(name = "o_cov_hs_stdlv", model = HS, vars = ov, groups = FALSE, mean = FALSE, options = list(std.lv = TRUE)),
  list(name = "o_cov_hs_groups_scalar", model = HS, vars = ov, groups = TRUE, mean = TRUE,
       options = list(group.equal = c("loadings", "intercepts"))),
  list(name = "o_cov_hs_groups_lvcov", model = HS, vars = ov, groups = TRUE, mean = TRUE,
       options = list(group.equal = c("loadings", "lv.covariances"))),
  list(name = "o_cov_mimic_mean", model = MIM2, vars = hsx, groups = FALSE, mean = TRUE, options = list()),
  list(name = "o_cov_mimic_fixedx_false", model = MIM2, vars = hsx, groups = FALSE, mean = FALSE,
       options = list(fixed.x = FALSE))
)
for (cs in covcases) {
  if (cs$groups) {
    parts <- lapply(split(hs, factor(hs$school, levels = unique(hs$school))), mom, v = cs$vars)
    sc <- lapply(parts, `[[`, "cov"); sm <- lapply(parts, `[[`, "mean"); sn <- sapply(parts, `[[`, "n")
  } else { m <- mom(hs, cs$vars); sc <- m$cov; sm <- m$mean; sn <- m$n }
  args <- c(list(model = cs$model, sample.cov = sc, sample.nobs = sn), if (cs$mean) list(sample.mean = sm), cs$options)
  warns <- character(0)
  fit <- withCallingHandlers(do.call("sem", args), warning = function(w) { warns <<- c(warns, conditionMessage(w)); invokeRestart("muffleWarning") })
  cs$data <- H
  out <- case_json(cs, list(fit = fit, warnings = warns), measures)
  out$options <- c(cs$options, list(sample.cov = list(columns = cs$vars, groups = if (cs$groups) "school" else NULL,
                                                     sample.mean = cs$mean)))
  out$refused <- FALSE
  out$call <- paste0("sem(model, sample.cov = cov(d[, vars]), sample.nobs = nrow(d)",
                     if (cs$mean) ", sample.mean = colMeans(d[, vars])" else "",
                     if (cs$groups) " (per school, a list)" else "",
                     if (length(cs$options)) paste0(", ", paste(names(cs$options), sapply(cs$options, deparse), sep = " = ", collapse = ", ")) else "", ")")
  write_case(out)
}
