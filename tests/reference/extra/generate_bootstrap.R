# Bootstrap reference values computed by the project with R + lavaan 0.6-14 and boot (Debian
# packages), for tests/test_sem_bootstrap.py. Run from this folder: Rscript generate_bootstrap.R
#   hs_cfa_bootstrap.json     cfa(HS, se = "bootstrap", bootstrap = 2000): SEs and percentile,
#                             bca.simple and bca intervals (same resamples)
#   pd_sem_bollen_stine.json  sem(PD, test = "bollen.stine", bootstrap = 2000): the p-value
#   boot_intervals.json       boot:::norm.inter and boot.ci(type = "bca") on fixed inputs
suppressMessages({library(lavaan); library(jsonlite); library(boot)})
hs <- read.csv("../../../loyaltyscope/datasets/data/holzinger_swineford_1939.csv")
pd <- read.csv("../../../loyaltyscope/datasets/data/political_democracy.csv")
HS <- 'visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9'
PD <- 'ind60 =~ x1 + x2 + x3\ndem60 =~ y1 + y2 + y3 + y4\ndem65 =~ y5 + y6 + y7 + y8\ndem60 ~ a*ind60\ndem65 ~ c*ind60 + b*dem60\ny1 ~~ y5\ny2 ~~ y4 + y6\ny3 ~~ y7\ny4 ~~ y8\ny6 ~~ y8\nindirect := a*b\ntotal := c + a*b'
save <- function(x, file) writeLines(toJSON(x, auto_unbox = TRUE, digits = NA, na = "null", pretty = TRUE), file)

fit <- cfa(HS, hs, se = "bootstrap", bootstrap = 2000, parallel = "multicore", ncpus = 2, iseed = 20240)
pe <- parameterEstimates(fit, boot.ci.type = "perc")
pb <- parameterEstimates(fit, boot.ci.type = "bca.simple")
pa <- parameterEstimates(fit, boot.ci.type = "bca")
params <- data.frame(lhs = pe$lhs, op = pe$op, rhs = pe$rhs, label = if (is.null(pe$label)) "" else pe$label, est = pe$est, se = pe$se,
                     ci.lower = pe$ci.lower, ci.upper = pe$ci.upper,
                     bca.simple.lower = pb$ci.lower, bca.simple.upper = pb$ci.upper,
                     bca.lower = pa$ci.lower, bca.upper = pa$ci.upper)
save(list(name = "hs_cfa_bootstrap", kind = "bootstrap", data = "holzinger_swineford_1939.csv", model = HS,
          describe = "Nonparametric bootstrap, 2000 resamples: SEs, percentile, bca.simple and bca 95% CIs",
          options = list(se = "bootstrap", bootstrap = 2000),
          successful = nrow(lavInspect(fit, "boot")), params = params,
          lavaan_version = as.character(packageVersion("lavaan"))), "hs_cfa_bootstrap.json")

fit <- sem(PD, pd, test = "bollen.stine", bootstrap = 2000, parallel = "multicore", ncpus = 2, iseed = 20241)
bs <- fit@test[["bollen.stine"]]
save(list(name = "pd_sem_bollen_stine", kind = "bollen_stine", data = "political_democracy.csv", model = PD,
          options = list(test = "bollen.stine", bootstrap = 2000), stat = bs$stat, pvalue = bs$pvalue,
          boot.larger = bs$boot.larger, boot.length = bs$boot.length,
          lavaan_version = as.character(packageVersion("lavaan"))), "pd_sem_bollen_stine.json")

# boot's interpolated quantiles and a BCa interval with jackknife influence values
t <- qgamma(ppoints(999), 3); t <- t[c(seq(1, 999, 2), seq(2, 999, 2))]
alpha1 <- c(0.025, 0.975, 0.5, 0.001, 0.9999); alpha2 <- c(0.025, 0.975, 0.05, 0.95)
set.seed(1); x <- rexp(30)
b <- boot(x, function(d, i) mean(d[i]), R = 999)
ci <- boot.ci(b, type = c("bca", "perc"), L = empinf(b, type = "jack"))
save(list(gamma_alpha = alpha1, gamma_norm_inter = suppressWarnings(boot:::norm.inter(t, alpha1))[, 2],
          gamma199_alpha = alpha2, gamma199_norm_inter = boot:::norm.inter(t[1:199], alpha2)[, 2],
          x = x, t0 = b$t0, t = b$t[, 1], bca = ci$bca[4:5], perc = ci$percent[4:5]), "boot_intervals.json")
