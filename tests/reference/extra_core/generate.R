# Reference cases for issue 9 (the estimation core on the models users really write), computed
# with R + lavaan 0.6-14 (Debian r-cran-lavaan). Same JSON format as ../extra/*.json, plus
# `warnings` (lavaan's warnings while fitting) and, for kind "modindices", `mi` (modindices(fit)).
# Run from this folder: Rscript generate.R
source("../lavaan_cases.R")   # fit_case(), case_json(), write_case()
hs  <- case_data("holzinger_swineford_1939.csv")
hsm <- case_data("holzinger_swineford_1939_missing.csv")
# holes in the covariates as well (every 11th ageyr from row 4, every 17th sex from row 6)
hsc <- hsm; hsc$ageyr[seq(4, 301, by = 11)] <- NA; hsc$sex[seq(6, 301, by = 17)] <- NA
write.csv(hsc, "../data/holzinger_swineford_1939_missing_covariates.csv", row.names = FALSE, na = "")
HS <- 'visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9'
PATH2 <- 'x4 ~ x1 + x2\nx5 ~ x4 + x3'
MIM1 <- 'visual =~ x1 + x2 + x3\nvisual ~ sex + ageyr'
MIM2 <- 'visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nvisual + textual ~ ageyr + sex'
HEY1 <- 'visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8'
HEY2 <- 'textual =~ x4 + x5 + x6\nspeed =~ x8 + x9'
HEY3 <- 'visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8\nx8 ~~ v*x8\nv > 0'
COMP <- 'textual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\nf <~ 1*x1 + x2 + x3\ntextual ~ f\nspeed ~ f'
COMP2 <- 'visual =~ x1 + x2 + x3\nperf <~ 1*x4 + x5 + x6\nvisual ~ perf\nx7 ~ perf + visual'
ESEM <- 'efa("b")*f1 + efa("b")*f2 =~ x1 + x2 + x3 + x4 + x5 + x6\nspeed =~ x7 + x8 + x9'
SINGLE <- 'visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7\nspeed ~ visual + textual'
cases <- list(
  list(name = "core_mlm_groups", data = "holzinger_swineford_1939.csv", model = HS,
       options = list(group = "school", estimator = "MLM")),
  list(name = "core_mimic_mlm_groups", data = "holzinger_swineford_1939.csv", model = MIM2,
       options = list(group = "school", estimator = "MLM")),
  list(name = "core_path_mlm", data = "holzinger_swineford_1939.csv", model = PATH2, options = list(estimator = "MLM")),
  list(name = "core_path_mlr", data = "holzinger_swineford_1939.csv", model = PATH2, options = list(estimator = "MLR")),
  list(name = "core_mimic_mlr", data = "holzinger_swineford_1939.csv", model = MIM2, options = list(estimator = "MLR")),
  list(name = "core_metric_stdlv", data = "holzinger_swineford_1939.csv", model = HS,
       options = list(group = "school", group.equal = "loadings", std.lv = TRUE)),
  list(name = "core_scalar_stdlv", data = "holzinger_swineford_1939.csv", model = HS,
       options = list(group = "school", group.equal = c("loadings", "intercepts"), std.lv = TRUE)),
  list(name = "core_fixedx_false", data = "holzinger_swineford_1939.csv", model = MIM1, options = list(fixed.x = FALSE)),
  list(name = "core_fixedx_false_mimic", data = "holzinger_swineford_1939.csv", model = MIM2,
       options = list(fixed.x = FALSE, estimator = "MLR")),
  list(name = "core_fiml_covariate_holes", data = "holzinger_swineford_1939_missing_covariates.csv", model = MIM2,
       options = list(missing = "fiml")),
  list(name = "core_fiml_covariate_holes_mlr", data = "holzinger_swineford_1939_missing_covariates.csv", model = MIM2,
       options = list(missing = "fiml", estimator = "MLR")),
  list(name = "core_fiml_two_covariates", data = "holzinger_swineford_1939_missing.csv", model = MIM2,
       options = list(missing = "fiml")),
  list(name = "core_fiml_two_covariates_mlr", data = "holzinger_swineford_1939_missing.csv", model = MIM2,
       options = list(missing = "fiml", estimator = "MLR")),
  list(name = "core_heywood", data = "holzinger_swineford_1939.csv", model = HEY1, options = list()),
  list(name = "core_heywood_groups", data = "holzinger_swineford_1939.csv", model = HEY2, options = list(group = "school")),
  list(name = "core_heywood_bound", data = "holzinger_swineford_1939.csv", model = HEY3, options = list()),
  list(name = "core_composite", data = "holzinger_swineford_1939.csv", model = COMP, options = list()),
  list(name = "core_composite_mlr", data = "holzinger_swineford_1939.csv", model = COMP2, options = list(estimator = "MLR")),
  # ESEM: lavaan's default rotation.se = "bordered" is not implemented; the delta method is
  list(name = "core_esem_geomin", data = "holzinger_swineford_1939.csv", model = ESEM,
       options = list(rotation.se = "delta")),
  list(name = "core_esem_oblimin", data = "holzinger_swineford_1939.csv", model = ESEM,
       options = list(rotation = "oblimin", rotation.se = "delta")),
  # further models of the same kinds, not used while fixing the above
  list(name = "core_mimic_fiml_mlr_groups", data = "holzinger_swineford_1939_missing.csv", model = MIM2,
       options = list(group = "school", missing = "fiml", estimator = "MLR")),
  list(name = "core_metric_mlm_covariates", data = "holzinger_swineford_1939.csv", model = MIM2,
       options = list(group = "school", group.equal = "loadings", estimator = "MLM")),
  list(name = "core_fixedx_false_fiml", data = "holzinger_swineford_1939_missing_covariates.csv", model = MIM2,
       options = list(fixed.x = FALSE, missing = "fiml")),
  list(name = "core_path_mlr_groups", data = "holzinger_swineford_1939.csv", model = PATH2,
       options = list(group = "school", estimator = "MLR")),
  list(name = "core_ord_metric_stdlv", data = "bfi.csv",
       model = 'A =~ A1 + A2 + A3 + A4 + A5\nC =~ C1 + C2 + C3 + C4 + C5',
       options = list(ordered = c(paste0("A", 1:5), paste0("C", 1:5)), std.lv = TRUE, group = "gender",
                      group.equal = c("loadings", "thresholds"))),
  list(name = "core_mi_single", kind = "modindices", data = "holzinger_swineford_1939.csv", model = SINGLE, options = list()),
  list(name = "core_mi_single_fiml", kind = "modindices", data = "holzinger_swineford_1939_missing.csv", model = SINGLE,
       options = list(missing = "fiml"))
)
for (cs in cases) {
  fitted <- fit_case(cs, case_data(cs$data))
  out <- case_json(cs, fitted, c("npar","chisq","df","pvalue","baseline.chisq","baseline.df","cfi","tli","rmsea",
    "rmsea.ci.lower","rmsea.ci.upper","rmsea.pvalue","srmr","aic","bic","logl","unrestricted.logl",
    "chisq.scaled","df.scaled","pvalue.scaled","chisq.scaling.factor","cfi.scaled","rmsea.scaled",
    "baseline.chisq.scaled","baseline.chisq.scaling.factor","cfi.robust","tli.robust","rmsea.robust"))
  if (!is.null(cs$kind) && cs$kind == "modindices") {
    mi <- modindices(fitted$fit)
    out$mi <- mi[, intersect(c("lhs","op","rhs","group","mi","epc","sepc.all"), names(mi))]
    out$mi_call <- "modindices(fit)"
  }
  write_case(out)
}
