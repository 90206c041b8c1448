# BCa and percentile intervals from R's boot package (boot 1.3-28.1, R 4.2.2) for a skewed
# statistic on mobi: the correlation of CUSL2 and CUSA1. The draws t, the estimate t0 and the
# leave-one-out (jackknife) estimates are saved with the intervals, so that
# loyaltyscope.plspm.resampling.interval() can be checked on the very same draws.
#   cd tests/reference/pls/boot_bca && Rscript generate_bca.R
library(boot)
library(jsonlite)
mobi <- read.csv("../../../../loyaltyscope/datasets/data/mobi.csv")
stat <- function(d, i) cor(d$CUSL2[i], d$CUSA1[i])
set.seed(20261129)
b <- boot(mobi, stat, R = 2000)
n <- nrow(mobi)
jack <- sapply(seq_len(n), function(i) stat(mobi, -i))
L <- (n - 1) * (mean(jack) - jack)
ci <- boot.ci(b, conf = 0.95, type = c("bca", "perc"), L = L)
out <- list(call = "boot(mobi, cor(CUSL2, CUSA1), R = 2000); boot.ci(type = c('bca', 'perc'), L = jackknife)",
            t0 = b$t0, t = as.vector(b$t), jack = jack,
            bca = ci$bca[4:5], perc = ci$percent[4:5],
            versions = list(R = R.version.string, boot = as.character(packageVersion("boot"))))
writeLines(toJSON(out, digits = 15, auto_unbox = TRUE), "bca_reference.json")
