# lavTestLRT (anova) of nested models beyond ../analyses/lrt.json: invariance chains in groups,
# FIML, MLR/MLM, MIMIC, Political Democracy equality constraints, a saturated model, and a
# scaled difference that comes out negative. lavaan 0.6-14. Run from this folder:
# Rscript generate_lrt.R  (writes lrt_sweep.json; then python ../write_tolerances.py)
source("../lavaan_cases.R")   # case_data()
HS  <- 'visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9'
HSO <- paste0(HS, '\nvisual ~~ 0*textual + 0*speed\ntextual ~~ 0*speed')
MIM <- 'visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nvisual + textual ~ ageyr + sex'
MIM0 <- 'visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nvisual + textual ~ 0*ageyr + sex'
PD  <- 'ind60 =~ x1 + x2 + x3\ndem60 =~ y1 + y2 + y3 + y4\ndem65 =~ y5 + y6 + y7 + y8\ndem60 ~ ind60\ndem65 ~ ind60 + dem60\ny1 ~~ y5\ny2 ~~ y4 + y6\ny3 ~~ y7\ny4 ~~ y8\ny6 ~~ y8'
PDE <- 'ind60 =~ x1 + x2 + x3\ndem60 =~ y1 + a*y2 + b*y3 + c*y4\ndem65 =~ y5 + a*y6 + b*y7 + c*y8\ndem60 ~ ind60\ndem65 ~ ind60 + dem60\ny1 ~~ y5\ny2 ~~ y4 + y6\ny3 ~~ y7\ny4 ~~ y8\ny6 ~~ y8'
PDS <- 'ind60 =~ x1 + x2 + x3\ndem60 =~ y1 + y2 + y3 + y4\ndem65 =~ y5 + y6 + y7 + y8\ndem60 ~ ind60\ndem65 ~ ind60 + dem60'
SAT <- 'x1 ~~ x2 + x3\nx2 ~~ x3'
IND <- 'x1 ~~ 0*x2 + 0*x3\nx2 ~~ 0*x3'
hs <- "holzinger_swineford_1939.csv"; hsm <- "holzinger_swineford_1939_missing.csv"; pd <- "political_democracy.csv"
inv <- function(opts) list(list(model = HS, options = c(opts, list(group = "school"))),
                           list(model = HS, options = c(opts, list(group = "school", group.equal = "loadings"))),
                           list(model = HS, options = c(opts, list(group = "school", group.equal = c("loadings", "intercepts")))))
plain <- function(models, opts) lapply(models, function(m) list(model = m, options = opts))
L <- function(name, data, fits) list(name = name, data = data, fits = fits)
cases <- list(
  L("lrt_invariance_ml", hs, inv(list())), L("lrt_invariance_mlr", hs, inv(list(estimator = "MLR"))),
  L("lrt_invariance_mlm", hs, inv(list(estimator = "MLM"))),
  L("lrt_invariance_fiml", hsm, inv(list(missing = "fiml"))),
  L("lrt_invariance_fiml_mlr", hsm, inv(list(missing = "fiml", estimator = "MLR"))),
  L("lrt_orthogonal_fiml", hsm, plain(list(HS, HSO), list(missing = "fiml"))),
  L("lrt_orthogonal_fiml_mlr", hsm, plain(list(HS, HSO), list(missing = "fiml", estimator = "MLR"))),
  L("lrt_mimic_ml", hs, plain(list(MIM, MIM0), list())), L("lrt_mimic_mlr", hs, plain(list(MIM, MIM0), list(estimator = "MLR"))),
  L("lrt_pd_ml", pd, plain(list(PD, PDE, PDS), list())), L("lrt_pd_mlr", pd, plain(list(PD, PDE, PDS), list(estimator = "MLR"))),
  L("lrt_pd_mlm", pd, plain(list(PD, PDE, PDS), list(estimator = "MLM"))),
  L("lrt_saturated_ml", hs, plain(list(SAT, IND), list())), L("lrt_saturated_mlr", hs, plain(list(SAT, IND), list(estimator = "MLR")))
)
out <- list(kind = "outputs_lrt")
for (cs in cases) {
  d <- case_data(cs$data)
  fits <- lapply(cs$fits, function(f) do.call("sem", c(list(model = f$model, data = d), f$options)))
  t <- as.data.frame(do.call(lavTestLRT, unname(fits)))
  out[[cs$name]] <- list(data = cs$data, fits = cs$fits, df = t$Df, aic = t$AIC, bic = t$BIC, chisq = t$Chisq,
                         chisq_diff = t[["Chisq diff"]], df_diff = t[["Df diff"]], pvalue = t[["Pr(>Chisq)"]],
                         call = "lavTestLRT(fit1, fit2, ...)  (default method)")
}
out$lavaan <- as.character(packageVersion("lavaan"))
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, na = "null", pretty = TRUE), "lrt_sweep.json")
