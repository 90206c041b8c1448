# Reference values for ls.compare: lavaan 0.6-14 lavTestLRT on the Holzinger-Swineford data,
# three nested CFAs (free factor covariances; orthogonal; orthogonal with equal loadings).
# Run from this folder: Rscript generate_lrt.R  (writes lrt.json)
library(lavaan); library(jsonlite)
hs <- read.csv("../../../loyaltyscope/datasets/data/holzinger_swineford_1939.csv")
m <- list(
  three = "visual =~ x1 + x2 + x3\n textual =~ x4 + x5 + x6\n speed =~ x7 + x8 + x9",
  orthogonal = "visual =~ x1 + x2 + x3\n textual =~ x4 + x5 + x6\n speed =~ x7 + x8 + x9\n visual ~~ 0*textual + 0*speed\n textual ~~ 0*speed",
  equal = "visual =~ x1 + v*x2 + v*x3\n textual =~ x4 + t*x5 + t*x6\n speed =~ x7 + s*x8 + s*x9\n visual ~~ 0*textual + 0*speed\n textual ~~ 0*speed")
out <- list(models = m)
for (est in c("ML", "MLR", "MLM")) {
  f <- lapply(m, function(s) cfa(s, hs, estimator = est))
  t <- as.data.frame(lavTestLRT(f$three, f$orthogonal, f$equal))
  out[[est]] <- list(order = names(m), df = t$Df, aic = t$AIC, bic = t$BIC, chisq = t$Chisq,
                     chisq_diff = t[["Chisq diff"]], df_diff = t[["Df diff"]], pvalue = t[["Pr(>Chisq)"]])
}
out$lavaan <- as.character(packageVersion("lavaan"))
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, na = "null", pretty = TRUE), "lrt.json")
