# Shared by the generators of extra_core/, extra_wlsmv/, extra_esem/ and extra_sweep/
# (source("../lavaan_cases.R") from their folder): fit one case with lavaan::sem, recording lavaan's warnings, and describe it in
# the reference JSON format of SOURCE.md.
suppressMessages({library(lavaan); library(jsonlite)})

# a data file by name: the package's copy when it ships one, else tests/reference/data
case_data <- function(file) {
  pkg <- file.path("../../../loyaltyscope/datasets/data", file)
  read.csv(if (file.exists(pkg)) pkg else file.path("../data", file))
}

fit_case <- function(cs, d) {
  args <- c(list(model = cs$model, data = d), cs$options)
  warns <- character(0)
  set.seed(20261129)   # lavaan draws random rotation starts (ESEM): reproducible files
  fit <- withCallingHandlers(do.call(if (is.null(cs$fun)) "sem" else cs$fun, args),   # cs$fun: another lavaan function
                             warning = function(w) { warns <<- c(warns, conditionMessage(w)); invokeRestart("muffleWarning") })
  list(fit = fit, warnings = warns)
}

case_json <- function(cs, fitted, measures) {
  fit <- fitted$fit
  fm <- fitMeasures(fit)
  pe <- parameterEstimates(fit, standardized = TRUE)
  pe <- pe[, intersect(c("lhs","op","rhs","group","label","efa","est","se","z","pvalue","std.lv","std.all"), names(pe))]
  list(name = cs$name, kind = if (is.null(cs$kind)) "sem" else cs$kind, data = cs$data, model = cs$model,
       options = cs$options, nobs = lavInspect(fit, "nobs"), group_labels = lavInspect(fit, "group.label"),
       converged = lavInspect(fit, "converged"), fit = as.list(fm[intersect(names(fm), measures)]), params = pe,
       warnings = fitted$warnings, lavaan_version = as.character(packageVersion("lavaan")),
       call = paste0("sem(model, data, ", paste(names(cs$options), sapply(cs$options, deparse), sep = " = ", collapse = ", "), ")"))
}

write_case <- function(out) {
  writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, na = "null", pretty = TRUE), paste0(out$name, ".json"))
  cat(out$name, length(out$warnings), "warning(s)\n")
}
