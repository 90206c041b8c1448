# Ordinal (WLSMV) reference cases computed by the project with R + lavaan 0.6-14 (Debian
# r-cran-lavaan), same JSON format as ../cases/*.json. Run from this folder:
#   Rscript generate_ordinal.R
# Writes ../data/bfi_binary.csv (A and C items dichotomised: 1 if >= 4 else 0) and
# ../data/bfi_mixed_categories.csv (items with 2, 3 and 6 categories).
suppressMessages({library(lavaan); library(jsonlite)})
bfi <- read.csv("../../../loyaltyscope/datasets/data/bfi.csv")
bin <- bfi[, c("A1","A2","A3","A4","A5","C1","C2","C3","C4","C5","gender")]
for (v in c("A1","A2","A3","A4","A5","C1","C2","C3","C4","C5")) bin[[v]] <- as.integer(bin[[v]] >= 4)
write.csv(bin, "../data/bfi_binary.csv", row.names = FALSE, na = "")
# items with different numbers of categories: A 6, C1-C3 2 (>= 4), E1 3 (1-2, 3-4, 5-6), E2 2, E3 6
mix <- bfi[, c("A1","A2","A3","A4","A5","C1","C2","C3","E1","E2","E3","gender")]
for (v in c("C1","C2","C3")) mix[[v]] <- as.integer(mix[[v]] >= 4)
mix$E1 <- as.integer(cut(mix$E1, c(0, 2, 4, 6)))
mix$E2 <- as.integer(cut(mix$E2, c(0, 3, 6)))
write.csv(mix, "../data/bfi_mixed_categories.csv", row.names = FALSE, na = "")
AC <- c("A1","A2","A3","A4","A5","C1","C2","C3","C4","C5")
M2 <- 'agree =~ A1 + A2 + A3 + A4 + A5\nconsc =~ C1 + C2 + C3 + C4 + C5'
M3 <- 'agree =~ A1 + A2 + A3 + A4 + A5\nconsc =~ C1 + C2 + C3 + C4 + C5\nextra =~ E1 + E2 + E3 + E4 + E5'
SEM <- 'agree =~ A1 + A2 + A3 + A4 + A5\nconsc =~ C1 + C2 + C3 + C4 + C5\nopen =~ O1 + O2 + O3 + O4 + O5\nconsc ~ a*agree\nopen ~ c*agree + b*consc\nC4 ~~ C5\nind := a*b'
SMALL <- 'agree =~ A1 + A2 + A3\nconsc =~ C1 + C2 + C3'
HO <- paste0(M3, '\ng =~ agree + consc + extra')
OBSREG <- 'agree =~ A1 + A2 + A3 + A4\nC1 ~ agree'
CON <- 'agree =~ A1 + a*A2 + b*A3 + A4 + A5\na == b\nd := a - 1'
A5 <- c("A1","A2","A3","A4","A5")
cases <- list(
  list(name = "bfi_ord_groups", data = "bfi.csv", model = M2,
       options = list(ordered = AC, group = "gender")),
  list(name = "bfi_ord_groups_th_load", data = "bfi.csv", model = M2,
       options = list(ordered = AC, group = "gender", group.equal = c("thresholds", "loadings"))),
  list(name = "bfi_ord_groups_th", data = "bfi.csv", model = SMALL,
       options = list(ordered = c("A1","A2","A3","C1","C2","C3"), group = "gender", group.equal = c("thresholds"))),
  list(name = "bfi_ord_3f_stdlv", data = "bfi.csv", model = M3,
       options = list(ordered = c(AC, "E1","E2","E3","E4","E5"), std.lv = TRUE)),
  list(name = "bfi_ord_sem", data = "bfi.csv", model = SEM,
       options = list(ordered = c(AC, "O1","O2","O3","O4","O5"))),
  list(name = "bfi_ord_binary", data = "bfi_binary.csv", model = M2,
       options = list(ordered = AC)),
  list(name = "bfi_ord_binary_groups", data = "bfi_binary.csv", model = M2,
       options = list(ordered = AC, group = "gender", group.equal = c("thresholds", "loadings"))),
  list(name = "bfi_ord_higher_order", data = "bfi.csv", model = HO,
       options = list(ordered = c(AC, "E1","E2","E3","E4","E5"))),
  list(name = "bfi_ord_observed_outcome", data = "bfi.csv", model = OBSREG,
       options = list(ordered = c("A1","A2","A3","A4","C1"))),
  list(name = "bfi_ord_partial", data = "bfi.csv", model = 'agree =~ A1 + A2 + A3 + A4 + A5',
       options = list(ordered = A5, group = "gender", group.equal = c("thresholds", "loadings"),
                      group.partial = c("A1|t1", "agree=~A2"))),
  list(name = "bfi_ord_constraint", data = "bfi.csv", model = CON, options = list(ordered = A5)),
  list(name = "bfi_ord_mixed_categories", data = "bfi_mixed_categories.csv",
       model = 'agree =~ A1 + A2 + A3 + A4 + A5\nconsc =~ C1 + C2 + C3\nextra =~ E1 + E2 + E3',
       options = list(ordered = c("A1","A2","A3","A4","A5","C1","C2","C3","E1","E2","E3"), group = "gender")),
  list(name = "bfi_ord_education_groups", data = "bfi.csv", model = 'agree =~ A1 + A2 + A3 + A4 + A5',
       options = list(ordered = A5, group = "education", group.equal = c("thresholds", "loadings")))
)
for (cs in cases) {
  pkg <- file.path("../../../loyaltyscope/datasets/data", cs$data)   # bundled data sets live in the package
  d <- read.csv(if (file.exists(pkg)) pkg else file.path("..", "data", cs$data))
  args <- c(list(model = cs$model, data = d), cs$options)
  fit <- do.call("sem", args)
  fm <- fitMeasures(fit)
  keep <- intersect(names(fm), c("npar","chisq","df","pvalue","baseline.chisq","baseline.df","cfi","tli","rmsea",
    "rmsea.ci.lower","rmsea.ci.upper","rmsea.pvalue","srmr","aic","bic","logl","unrestricted.logl",
    "chisq.scaled","df.scaled","pvalue.scaled","chisq.scaling.factor","cfi.scaled","rmsea.scaled",
    "cfi.robust","tli.robust","rmsea.robust", "tli.scaled", "baseline.chisq.scaled"))
  pe <- parameterEstimates(fit, standardized = TRUE)
  pe <- pe[, intersect(c("lhs","op","rhs","group","label","est","se","z","pvalue","std.lv","std.all"), names(pe))]
  out <- list(name = cs$name, kind = "sem", data = cs$data, model = cs$model, options = cs$options,
              nobs = lavInspect(fit, "nobs"), group_labels = lavInspect(fit, "group.label"),
              converged = lavInspect(fit, "converged"), fit = as.list(fm[keep]), params = pe,
              lavaan_version = as.character(packageVersion("lavaan")))
  writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, na = "null", pretty = TRUE), paste0(cs$name, ".json"))
  cat(cs$name, "\n")
}
