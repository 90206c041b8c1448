# Extra reference cases computed by the project with R + lavaan 0.6-14 (Debian r-cran-lavaan),
# same format as ../cases/*.json. Run from this folder: Rscript generate.R
suppressMessages({library(lavaan); library(jsonlite)})
hs  <- read.csv("../../../loyaltyscope/datasets/data/holzinger_swineford_1939.csv")
hsm <- read.csv("../../../loyaltyscope/datasets/data/holzinger_swineford_1939_missing.csv")
pd  <- read.csv("../../../loyaltyscope/datasets/data/political_democracy.csv")
HS <- 'visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9'
PD <- 'ind60 =~ x1 + x2 + x3\ndem60 =~ y1 + y2 + y3 + y4\ndem65 =~ y5 + y6 + y7 + y8\ndem60 ~ a*ind60\ndem65 ~ c*ind60 + b*dem60\ny1 ~~ y5\ny2 ~~ y4 + y6\ny3 ~~ y7\ny4 ~~ y8\ny6 ~~ y8\nindirect := a*b\ntotal := c + a*b'
# a regression with observed covariates (fixed.x), labels and an equality constraint
REG <- 'visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nvisual ~ b1*ageyr + grade\ntextual ~ b2*ageyr\nb1 == b2'
HO <- 'visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\ng =~ visual + textual + speed'
PATH <- 'x4 ~ x1 + x2\nx5 ~ x4 + x3\nx6 ~ x5'
MIMIC <- 'visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nvisual + textual ~ sex + ageyr\nx1 ~ 1\nvisual ~ 0.5*1'
cases <- list(
  list(name = "hs_metric_fiml_mlr", data = "holzinger_swineford_1939_missing.csv", d = hsm, model = HS,
       options = list(group = "school", group.equal = "loadings", missing = "fiml", estimator = "MLR")),
  list(name = "hs_higher_order", data = "holzinger_swineford_1939.csv", d = hs, model = HO, options = list()),
  list(name = "hs_path_observed", data = "holzinger_swineford_1939.csv", d = hs, model = PATH, options = list()),
  list(name = "hs_mimic_means", data = "holzinger_swineford_1939.csv", d = hs, model = MIMIC, options = list()),
  list(name = "hs_partial_strict_stdlv", data = "holzinger_swineford_1939.csv", d = hs, model = HS,
       options = list(group = "school", group.equal = c("loadings", "intercepts", "residuals", "lv.variances"),
                      group.partial = c("visual =~ x2", "x3 ~ 1"), std.lv = TRUE)),

  list(name = "hs_cfa_mlm", data = "holzinger_swineford_1939.csv", d = hs, model = HS, options = list(estimator = "MLM")),
  list(name = "pd_sem_mlr", data = "political_democracy.csv", d = pd, model = PD, options = list(estimator = "MLR")),
  list(name = "pd_sem_stdlv", data = "political_democracy.csv", d = pd, model = PD, options = list(std.lv = TRUE)),
  list(name = "hs_metric_mlr", data = "holzinger_swineford_1939.csv", d = hs, model = HS,
       options = list(group = "school", group.equal = "loadings", estimator = "MLR")),
  list(name = "hs_covariates_constraint", data = "holzinger_swineford_1939.csv", d = hs, model = REG, options = list()),
  list(name = "pd_sem_fiml", data = "political_democracy_missing.csv", d = NULL, model = PD, options = list(missing = "fiml")),
  list(name = "hs_cfa_fiml_mlr", data = "holzinger_swineford_1939_missing.csv", d = hsm, model = HS,
       options = list(missing = "fiml", estimator = "MLR"))
)
# political democracy with deterministic holes (every 7th y2, every 9th x3)
pdm <- pd; pdm$y2[seq(3, 75, by = 7)] <- NA; pdm$x3[seq(5, 75, by = 9)] <- NA
write.csv(pdm, "../data/political_democracy_missing.csv", row.names = FALSE, na = "")
for (cs in cases) {
  d <- if (is.null(cs$d)) pdm else cs$d
  args <- c(list(model = cs$model, data = d), cs$options)
  fit <- do.call("sem", args)
  fm <- fitMeasures(fit)
  keep <- intersect(names(fm), c("npar","chisq","df","pvalue","baseline.chisq","baseline.df","cfi","tli","rmsea",
    "rmsea.ci.lower","rmsea.ci.upper","rmsea.pvalue","srmr","aic","bic","logl","unrestricted.logl",
    "chisq.scaled","df.scaled","pvalue.scaled","chisq.scaling.factor","cfi.scaled","rmsea.scaled",
    "cfi.robust","tli.robust","rmsea.robust"))
  pe <- parameterEstimates(fit, standardized = TRUE)
  pe <- pe[, intersect(c("lhs","op","rhs","group","label","est","se","z","pvalue","std.lv","std.all"), names(pe))]
  out <- list(name = cs$name, kind = "sem", data = cs$data, model = cs$model, options = cs$options,
              nobs = lavInspect(fit, "nobs"), group_labels = lavInspect(fit, "group.label"),
              converged = lavInspect(fit, "converged"), fit = as.list(fm[keep]), params = pe,
              lavaan_version = as.character(packageVersion("lavaan")))
  writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, na = "null", pretty = TRUE), paste0(cs$name, ".json"))
  cat(cs$name, "\n")
}
