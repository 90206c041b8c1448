# Reference cases for ordinal items with observed exogenous covariates (lavaan's conditional.x,
# issue 9), computed with R + lavaan 0.6-14 (Debian r-cran-lavaan). Same JSON format as
# ../extra_core/*.json, plus `wls_obs` (lavInspect(fit, "wls.obs"): thresholds, slopes, residual
# polychorics, per group) and `nacov_diag` (the diagonal of lavInspect(fit, "gamma"), per group).
# Writes ../data/holzinger_swineford_ordinal.csv: x1-x3 cut at their quartiles (4 categories),
# x4-x6 at their tertiles (3), x7-x9 at their medians (2); sex, ageyr, agemo, grade (one NA), school kept.
# Run from this folder: Rscript generate.R
suppressMessages({library(lavaan); library(jsonlite)})
hs <- read.csv("../../../loyaltyscope/datasets/data/holzinger_swineford_1939.csv")
cut_q <- function(x, k) as.integer(cut(x, quantile(x, seq(0, 1, length = k + 1)), include.lowest = TRUE))
d <- hs[, c("id", "sex", "ageyr", "agemo", "grade", "school")]
for (v in paste0("x", 1:3)) d[[v]] <- cut_q(hs[[v]], 4)
for (v in paste0("x", 4:6)) d[[v]] <- cut_q(hs[[v]], 3)
for (v in paste0("x", 7:9)) d[[v]] <- cut_q(hs[[v]], 2)
write.csv(d, "../data/holzinger_swineford_ordinal.csv", row.names = FALSE, na = "")
DATA <- "holzinger_swineford_ordinal.csv"
X13 <- paste0("x", 1:3); X16 <- paste0("x", 1:6); X79 <- paste0("x", 7:9)
MIM1 <- 'visual =~ x1 + x2 + x3\nvisual ~ sex + ageyr'
MIM2 <- 'visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nvisual + textual ~ sex + ageyr'
DIRECT <- 'visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nvisual ~ ageyr\ntextual ~ sex\nx4 ~ sex'
BIN <- 'speed =~ x7 + x8 + x9\nspeed ~ sex + ageyr'
MIX <- 'textual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\ntextual + speed ~ sex'
STRUCT <- 'visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\ntextual ~ visual + sex\nvisual ~ ageyr'
THREE <- 'visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nvisual + textual ~ sex + ageyr + grade'
LABELS <- 'visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nvisual ~ b*sex + ageyr\ntextual ~ b*sex'
BFI <- 'agree =~ A1 + A2 + A3 + A4 + A5\nconsc =~ C1 + C2 + C3 + C4 + C5\nagree + consc ~ age + education'
RESCOV <- 'visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nvisual + textual ~ sex\nx1 ~~ x4'
cases <- list(
  list(name = "ordx_mimic1", model = MIM1, options = list(ordered = X13)),
  list(name = "ordx_mimic1_stdlv", model = MIM1, options = list(ordered = X13, std.lv = TRUE)),
  list(name = "ordx_mimic2", model = MIM2, options = list(ordered = X16)),
  list(name = "ordx_regression", model = 'x1 ~ ageyr', options = list(ordered = "x1")),
  list(name = "ordx_regression2", model = 'x1 ~ sex + ageyr', options = list(ordered = "x1")),
  list(name = "ordx_direct", model = DIRECT, options = list(ordered = X16)),
  list(name = "ordx_groups", model = MIM2,
       options = list(ordered = X16, group = "school", group.equal = c("loadings", "thresholds"))),
  list(name = "ordx_groups_free", model = MIM1, options = list(ordered = X13, group = "school")),
  list(name = "ordx_binary", model = BIN, options = list(ordered = X79)),
  list(name = "ordx_binary_groups", model = MIX,
       options = list(ordered = c(paste0("x", 4:6), X79), group = "school", group.equal = c("loadings", "thresholds"))),
  list(name = "ordx_mixed_categories", model = MIX, options = list(ordered = c(paste0("x", 4:6), X79))),
  list(name = "ordx_structural", model = STRUCT, options = list(ordered = X16)),
  list(name = "ordx_three_covariates", model = THREE, options = list(ordered = X16)),
  list(name = "ordx_labels", model = LABELS, options = list(ordered = X16)),
  list(name = "ordx_dwls", model = MIM2, options = list(ordered = X16, estimator = "DWLS")),
  list(name = "ordx_groups_loadings", model = MIM2,
       options = list(ordered = X16, group = "school", group.equal = "loadings")),
  list(name = "ordx_groups_stdlv", model = MIM2,
       options = list(ordered = X16, group = "school", group.equal = c("loadings", "thresholds", "regressions"),
                      std.lv = TRUE)),
  list(name = "ordx_residual_cov", model = RESCOV, options = list(ordered = X16)),
  # an exogenous covariate declared ordered: lavaan warns and uses it as a numeric covariate
  list(name = "ordx_bfi_mimic", data = "bfi.csv", model = BFI,
       options = list(ordered = c("A1","A2","A3","A4","A5","C1","C2","C3","C4","C5"), group = "gender",
                      group.equal = c("loadings", "thresholds"))),
  list(name = "ordx_ordered_covariate", model = 'visual =~ x1 + x2 + x3\nvisual ~ x7 + sex',
       options = list(ordered = c(X13, "x7")))
)
KEEP <- c("npar","chisq","df","pvalue","baseline.chisq","baseline.df","cfi","tli","rmsea",
  "rmsea.ci.lower","rmsea.ci.upper","rmsea.pvalue","srmr","chisq.scaled","df.scaled","pvalue.scaled",
  "chisq.scaling.factor","baseline.chisq.scaled","baseline.chisq.scaling.factor","cfi.scaled","tli.scaled",
  "rmsea.scaled","rmsea.ci.lower.scaled","rmsea.ci.upper.scaled","rmsea.pvalue.scaled",
  "cfi.robust","tli.robust","rmsea.robust")
for (cs in cases) {
  warns <- character(0)
  dat <- if (is.null(cs$data)) d else read.csv(file.path("../../../loyaltyscope/datasets/data", cs$data))
  args <- c(list(model = cs$model, data = dat), cs$options)
  fit <- withCallingHandlers(do.call("sem", args),
    warning = function(w) { warns <<- c(warns, conditionMessage(w)); invokeRestart("muffleWarning") })
  fm <- fitMeasures(fit)
  pe <- parameterEstimates(fit, standardized = TRUE)
  pe <- pe[, intersect(c("lhs","op","rhs","group","label","est","se","z","pvalue","std.lv","std.all"), names(pe))]
  wo <- lavInspect(fit, "wls.obs"); ga <- lavInspect(fit, "gamma")
  if (lavInspect(fit, "ngroups") == 1) { wo <- list(wo); ga <- list(ga) }
  call <- paste0("sem(model, data, ", paste(sapply(names(cs$options), function(k)
    paste0(k, " = ", paste(deparse(cs$options[[k]]), collapse = ""))), collapse = ", "), ")")
  out <- list(name = cs$name, kind = "sem", data = if (is.null(cs$data)) DATA else cs$data, model = cs$model, options = cs$options,
              nobs = lavInspect(fit, "nobs"), group_labels = lavInspect(fit, "group.label"),
              converged = lavInspect(fit, "converged"), fit = as.list(fm[intersect(names(fm), KEEP)]),
              params = pe, wls_obs = lapply(wo, function(v) as.list(v)),
              nacov_diag = lapply(ga, function(m) unname(diag(m))), warnings = I(warns),
              lavaan_version = as.character(packageVersion("lavaan")), call = call)
  writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, na = "null", pretty = TRUE), paste0(cs$name, ".json"))
  cat(cs$name, fm["chisq"], fm["df"], "\n")
}
