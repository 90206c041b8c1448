# Reference for tests/study/test_user_study.py: the five-factor CFA of the bfi items (psych's
# bfi, tests/reference/data/bfi.csv), ML with listwise deletion, as lavaan fits it.
# Run from this folder: Rscript generate_study.R   (R 4.2, lavaan from Debian's r-cran-lavaan)
suppressMessages(library(lavaan))
library(jsonlite)
d <- read.csv("../../../loyaltyscope/datasets/data/bfi.csv")
model <- "
agree =~ A1 + A2 + A3 + A4 + A5
consc =~ C1 + C2 + C3 + C4 + C5
extra =~ E1 + E2 + E3 + E4 + E5
neuro =~ N1 + N2 + N3 + N4 + N5
open  =~ O1 + O2 + O3 + O4 + O5
"
fit <- cfa(model, data = d, estimator = "ML", missing = "listwise")
fm <- fitMeasures(fit)
pe <- parameterEstimates(fit, standardized = TRUE)
out <- list(name = "bfi_cfa5_study", kind = "sem", data = "bfi.csv", model = model,
            options = list(estimator = "ML", missing = "listwise"), nobs = lavInspect(fit, "nobs"),
            fit = as.list(fm[c("npar", "chisq", "df", "pvalue", "cfi", "tli", "rmsea", "srmr", "aic", "bic")]),
            params = pe[, c("lhs", "op", "rhs", "est", "se", "z", "pvalue", "std.all")],
            lavaan_version = as.character(packageVersion("lavaan")))
write(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE, na = "null"), "bfi_cfa5_study.json")
