# Reference case for issue 9 (a misspecified fit that stopped early): the satisfaction-chain model
# on pure noise, n = 80 — the case of benchmarks/bench_misspecified.py where lavaan converges to a
# local optimum (chi-square 34.70, a negative latent variance) and loyaltyscope stopped at 35.24.
# The data are that benchmark's simulation (case "satisfaction chain on noise", n = 80, numpy
# seed 4080: 12 independent N(0, 1) items, times 1.3 plus 4, rounded to 3 decimals), written to
# ../data/misspecified_chain_noise_80.csv. Computed with R + lavaan 0.6-14; same JSON format as
# generate.R. Run from this folder: Rscript generate_misspecified.R
suppressMessages({library(lavaan); library(jsonlite)})
CHAIN <- 'QUAL =~ y1 + y2 + y3 + y4\nSAT =~ y5 + y6 + y7 + y8\nLOY =~ y9 + y10 + y11 + y12\nSAT ~ QUAL\nLOY ~ SAT + QUAL'
cs <- list(name = "core_misspecified_chain_noise", data = "misspecified_chain_noise_80.csv", model = CHAIN,
           options = list())
d <- read.csv(file.path("../data", cs$data))
warns <- character(0)
fit <- withCallingHandlers(sem(cs$model, d),
                           warning = function(w) { warns <<- c(warns, conditionMessage(w)); invokeRestart("muffleWarning") })
fm <- fitMeasures(fit)
keep <- intersect(names(fm), c("npar","chisq","df","pvalue","baseline.chisq","baseline.df","cfi","tli","rmsea",
  "rmsea.ci.lower","rmsea.ci.upper","rmsea.pvalue","srmr","aic","bic","logl","unrestricted.logl"))
pe <- parameterEstimates(fit, standardized = TRUE)
pe <- pe[, intersect(c("lhs","op","rhs","group","label","est","se","z","pvalue","std.lv","std.all"), names(pe))]
out <- list(name = cs$name, kind = "sem", data = cs$data, model = cs$model, options = cs$options,
            nobs = lavInspect(fit, "nobs"), group_labels = lavInspect(fit, "group.label"),
            converged = lavInspect(fit, "converged"), iterations = lavInspect(fit, "iterations"),
            fit = as.list(fm[keep]), params = pe, warnings = warns,
            lavaan_version = as.character(packageVersion("lavaan")), call = "sem(model, data)")
# lavaan's start values (lav_start, FABIN 3 loadings) on this model and on models that take the
# other branches (three and two indicators, std.lv, groups): loyaltyscope's start = "lavaan" must equal them
starts <- list(
  list(data = cs$data, model = CHAIN, options = list()),
  list(data = "holzinger_swineford_1939.csv", model = 'visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9',
       options = list(group = "school")),
  list(data = "holzinger_swineford_1939.csv", model = 'visual =~ x1 + x2 + x3 + x9\ntextual =~ x4 + x5 + x6\nspeed =~ x8 + x9',
       options = list(std.lv = TRUE)))
out$starts <- lapply(starts, function(st) {
  dd <- read.csv(if (file.exists(file.path("../data", st$data))) file.path("../data", st$data) else file.path("../../../loyaltyscope/datasets/data", st$data))
  f <- do.call("sem", c(list(model = st$model, data = dd, do.fit = FALSE), st$options))
  pt <- parTable(f)
  c(st, list(start = data.frame(lhs = pt$lhs, op = pt$op, rhs = pt$rhs, group = pt$group, free = pt$free,
                                start = pt$start)))
})
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, na = "null", pretty = TRUE), paste0(cs$name, ".json"))
cat(cs$name, length(warns), "warning(s)\n")
